"""In a real browser: the audit page appears at once, then one request fills in every team and
shows the matrix and the table; a filter narrows the table and the CSV export follows it."""

from __future__ import annotations

import csv
import re

import pytest

from dashboard.audit.models import ActionLog
from dashboard.sandbox import factories, identity
from dashboard.sandbox.models import SandboxMembership
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.conftest import PASSWORD, make_dashboard_user, team_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bob_in_three_teams(org):
    bob = org.bob.sandbox_user
    factories.create_file(identity.personal_team(bob), bob, filename="notes.jsonl")
    factories.create_agent(org.team_a, bob, name="Support agent")
    factories.create_agent(org.team_a, org.alice.sandbox_user, name="Sales agent")
    factories.create_file(org.team_a, org.alice.sandbox_user, filename="train.jsonl")
    factories.create_project(org.team_a, bob, name="Launch")
    factories.create_agent(org.team_b, bob, name="Night agent")
    make_dashboard_user(
        "bob", member=org.bob, teams=[(org.team_a, "Team A"), (org.team_b, "Team B")]
    )
    return org


def test_the_audit_fills_in_and_exports_what_is_filtered(
    bob_in_three_teams, page, live_server, settings
):
    org = bob_in_three_teams
    SandboxMembership.objects.filter(team=org.team_b, user=org.bob.sandbox_user).delete()
    settings.SANDBOX_LATENCY_MS = 150  # slow enough to see the sections arrive
    sign_in(page, live_server.url, "bob", PASSWORD)
    asked: list[str] = []
    page.on("request", lambda request: "/audit/" in request.url and asked.append(request.url))

    page.goto(live_server.url + "/audit/", wait_until="domcontentloaded")
    assert page.locator("[data-audit-pending]").count() >= 1  # the page is there first
    page.get_by_test_id("audit-table").wait_for()
    assert page.locator("[data-audit-pending]").count() == 0
    # Every team came with the combined part, in one request.
    assert asked == [live_server.url + "/audit/", live_server.url + "/audit/combined/"]
    sections = page.get_by_test_id("audit-team")
    assert sections.count() == 3
    team_b = page.locator(f'[data-testid="audit-team"][data-team="{org.team_b.pk}"]')
    assert "No longer a member (403)" in team_b.inner_text()
    assert page.locator("svg.audit-chart-svg rect").count() >= 3
    assert page.get_by_test_id("audit-count").inner_text().startswith("5 of 5")
    page.screenshot(path=str(ARTIFACTS / "audit-filled-in.png"), full_page=True)

    page.select_option("#id_kind", "agents")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/audit/?*kind=agents*")
    rows = page.locator('[data-testid="audit-table"] tbody tr')
    assert rows.count() == 2
    assert set(rows.all_inner_texts()) and all("Agent" in text for text in rows.all_inner_texts())

    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    path = download.value.path()
    with open(path, newline="", encoding="utf-8-sig") as exported:
        records = list(csv.DictReader(exported))
    assert sorted(r["name"] for r in records) == ["Sales agent", "Support agent"]
    # Exports name people: bob (the viewer) by his name, alice (no dashboard account) as unknown.
    assert {r["creator_name"] for r in records} == {"bob", f"unknown user {org.alice.upstream_id}"}

    page.get_by_role("link", name="Support agent").click()
    page.wait_for_load_state("networkidle")
    assert str(org.team_a.pk) in page.get_by_test_id("active-team").inner_text()
    assert f"{team_url(org.team_a, 'r/agents/')}" in page.url

    # Opening the agent's page made Team A the team last used: "/" opens it. Navigation is not
    # an action, so the log records none.
    page.goto(live_server.url + "/")
    assert page.url.endswith(team_url(org.team_a))
    assert "Team A" in page.get_by_test_id("active-team").inner_text()
    page.goto(live_server.url + "/audit/log/")
    page.get_by_test_id("log-table").wait_for()
    assert not ActionLog.objects.filter(action="team.switched").exists()
    page.screenshot(path=str(ARTIFACTS / "audit-log.png"), full_page=True)
    assert not page.js_errors, page.js_errors


def test_when_the_one_request_fails_the_page_says_so_rather_than_waiting(
    bob_in_three_teams, page, live_server
):
    sign_in(page, live_server.url, "bob", PASSWORD)
    page.route(re.compile(r"/audit/combined/"), lambda route: route.fulfill(status=502, body="-"))

    page.goto(live_server.url + "/audit/")
    page.get_by_text("The audit could not be loaded (error 502)").wait_for()
    assert page.locator("[data-audit-pending]").count() == 0
    sections = page.get_by_test_id("audit-team")
    assert sections.count() == 3
    for text in sections.all_inner_texts():
        assert "This team could not be loaded (error 502). Use Refresh to try again." in text
