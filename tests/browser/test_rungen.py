"""In a real browser, on the RunGen.AI profile: an app created from its form, a job run on it
and followed by the page itself until it completes, and a navigation with only what RunGen.AI
has."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.sandbox.models import SandboxApp
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_dashboard_user, team_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def upstream_profile(settings) -> str:
    settings.UPSTREAM_PROFILE = "rungen"
    return "rungen"


def test_an_app_is_created_and_a_job_on_it_followed_to_its_end(org, page, live_server, settings):
    settings.SANDBOX_JOB_STEP_SECONDS = 2.0  # in queue 1 s, in progress 2 s
    make_dashboard_user("alice", member=org.alice, teams=[(org.team_a, "Team A")])
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.goto(live_server.url + team_url(org.team_a, "r/apps/"))
    nav = page.locator("nav").first.inner_text()
    assert "Apps" in nav and "Threads" not in nav and "Upload" not in nav

    page.get_by_role("link", name="New app").click()
    page.get_by_label("Name").fill("Storyteller")
    page.get_by_label("GPU tier").select_option("PERFORMANCE")
    page.get_by_role("button", name="Create app").click()
    expect(page.get_by_role("heading", name="Storyteller")).to_be_visible()
    app = SandboxApp.objects.get(name="Storyteller")
    assert app.team == org.team_a and app.configuration["gpu_tier"] == "PERFORMANCE"

    page.get_by_test_id("operation-run").click()
    page.get_by_label("Input").fill("Once upon a time")
    page.get_by_role("button", name="Run a job").click()
    status = page.get_by_test_id("follow-status")
    expect(page.get_by_test_id("still-changing")).to_be_visible()
    # The job moves on the page with no reload, then the refreshing stops with its output.
    expect(status).to_have_attribute("data-status", "COMPLETED", timeout=30_000)
    expect(page.get_by_test_id("still-changing")).to_be_hidden()
    expect(page.get_by_test_id("follow-result")).to_contain_text("Once upon a time")
    assert page.locator("[data-polling]").count() == 0
    assert not page.js_errors, page.js_errors
