"""In a real browser: open another team from the header, watch the overview follow, open a list
and a detail, delete the item and see it gone."""

from __future__ import annotations

import pytest

from dashboard.sandbox import factories
from dashboard.sandbox.models import SandboxFile
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_dashboard_user, team_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_switch_team_browse_and_delete_in_the_browser(org, page, live_server):
    bob = org.bob.sandbox_user
    factories.create_agent(org.team_a, bob, name="Agent of A")
    factories.create_agent(org.team_b, bob, name="Agent of B")
    factories.create_file(org.team_b, bob, filename="keep-me.jsonl")
    doomed = factories.create_file(org.team_b, bob, filename="delete-me.jsonl")
    factories.create_fine_tune(org.team_b, bob, status="running", experiment_name="B tune")
    make_dashboard_user(
        "bob", member=org.bob, teams=[(org.team_a, "Team A"), (org.team_b, "Team B")]
    )
    sign_in(page, live_server.url, "bob", PASSWORD)

    def open_team(label: str) -> None:
        switcher = page.get_by_test_id("team-switcher")
        switcher.locator("summary").click()
        switcher.get_by_role("link", name=label).click()

    open_team("Team A")
    page.wait_for_selector("[data-testid=overview-team]:has-text('Team A')")
    assert page.url.endswith(team_url(org.team_a))
    assert page.get_by_test_id("panel-agents").get_by_text("Agent of A").is_visible()
    assert page.get_by_text("Agent of B").count() == 0

    open_team("Team B")
    page.wait_for_selector("[data-testid=overview-team]:has-text('Team B')")
    assert page.url.endswith(team_url(org.team_b))
    assert page.get_by_test_id("panel-agents").get_by_text("Agent of B").is_visible()
    assert page.get_by_test_id("count-files").inner_text() == "2"
    page.screenshot(path="test-artifacts/resources-overview.png", full_page=True)

    page.get_by_test_id("panel-files").get_by_role("link", name="Files", exact=True).click()
    page.wait_for_selector("h1:has-text('Files')")
    table = page.get_by_test_id("resource-table")
    assert table.get_by_text("delete-me.jsonl").is_visible()
    assert table.get_by_text("keep-me.jsonl").is_visible()

    table.get_by_role("link", name="delete-me.jsonl").click()
    page.wait_for_selector("h1:has-text('delete-me.jsonl')")
    assert "Team B" in page.get_by_test_id("ownership").inner_text()
    page.screenshot(path="test-artifacts/resources-detail.png", full_page=True)
    page.get_by_role("link", name="Delete…").click()

    confirm = page.get_by_test_id("confirm")
    assert "Team B" in confirm.inner_text() and doomed.pk in confirm.inner_text()
    page.get_by_role("button", name="Delete file").click()
    page.wait_for_selector("text=Deleted the file “delete-me.jsonl” from Team B.")
    table = page.get_by_test_id("resource-table")
    assert table.get_by_text("keep-me.jsonl").is_visible()
    assert table.get_by_text("delete-me.jsonl").count() == 0
    assert not SandboxFile.objects.filter(pk=doomed.pk).exists()

    # A running job keeps its table refreshing; the pause control stops it.
    page.get_by_role("link", name="Fine-tunes", exact=True).first.click()
    page.wait_for_selector("[data-testid=poll-bar]")
    pause = page.get_by_role("button", name="Pause updates")
    pause.click()
    assert page.get_by_role("button", name="Resume updates").get_attribute("aria-pressed") == "true"
    assert not page.js_errors, page.js_errors
