"""In a real browser: the page of a running job (a fine-tune, a data job) follows the job by
itself, like lists do, and stops refreshing once the job has finished."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.sandbox import factories
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_dashboard_user, team_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def polls_seen(page) -> list[str]:
    return page.evaluate("() => window.__polls || []")


def count_polls(page) -> None:
    page.evaluate(
        "() => { window.__polls = [];"
        " document.body.addEventListener('htmx:afterRequest',"
        " e => window.__polls.push(e.detail.pathInfo.requestPath)); }"
    )


def test_a_running_fine_tune_page_refreshes_until_it_completes(org, page, live_server, settings):
    settings.SANDBOX_JOB_STEP_SECONDS = 2.0  # pending, queued, running (2 epochs): about 8 s
    make_dashboard_user("alice", member=org.alice, teams=[(org.team_a, "Team A")])
    sign_in(page, live_server.url, "alice", PASSWORD)
    job = factories.create_fine_tune(org.team_a, org.alice.sandbox_user, live=True, n_epochs=2)
    page.goto(live_server.url + team_url(org.team_a, f"r/fine-tunes/{job.pk}/"))
    count_polls(page)
    status = page.get_by_test_id("detail-status")
    first = status.inner_text()
    expect(page.get_by_test_id("still-changing")).to_be_visible()
    # The status changes on the page with no reload, then the refreshing stops.
    expect(status).not_to_have_text(first, timeout=20_000)
    expect(page.get_by_test_id("still-changing")).to_be_hidden(timeout=30_000)
    assert page.locator("[data-polling]").count() == 0
    assert "completed" in status.inner_text().lower()
    settled = len(polls_seen(page))
    assert settled >= 2
    page.wait_for_timeout(5_000)  # longer than one refresh interval
    assert len(polls_seen(page)) == settled, "the page kept refreshing after the job finished"
    assert not page.js_errors, page.js_errors
