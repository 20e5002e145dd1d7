"""In a real browser, one person, two tabs, two teams: a click and a delete in each tab, each
landing in the team of its own tab, whatever the other tab did in between."""

from __future__ import annotations

import pytest

from dashboard.audit.models import ActionLog
from dashboard.sandbox import factories, recorder
from dashboard.sandbox.models import SandboxFile
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.conftest import PASSWORD, make_dashboard_user, team_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_tabs_act_in_two_teams(org, page, live_server):
    bob = org.bob.sandbox_user
    a_file = factories.create_file(org.team_a, bob, filename="only-in-a.jsonl")
    b_file = factories.create_file(org.team_b, bob, filename="only-in-b.jsonl")
    kept_a = factories.create_file(org.team_a, bob, filename="kept-a.jsonl")
    kept_b = factories.create_file(org.team_b, bob, filename="kept-b.jsonl")
    make_dashboard_user(
        "bob", member=org.bob, teams=[(org.team_a, "Team A"), (org.team_b, "Team B")]
    )
    base = live_server.url
    sign_in(page, base, "bob", PASSWORD)
    tab_a = page
    tab_b = page.context.new_page()

    tab_a.goto(base + team_url(org.team_a, "r/files/"))
    tab_b.goto(base + team_url(org.team_b, "r/files/"))
    assert tab_a.title().startswith("Team A · Files")
    assert tab_b.title().startswith("Team B · Files")
    assert tab_a.get_by_test_id("resource-table").get_by_text("only-in-b.jsonl").count() == 0

    # A click in each tab, interleaved: each opens its own team's file.
    tab_a.get_by_role("link", name="only-in-a.jsonl").click()
    tab_b.get_by_role("link", name="only-in-b.jsonl").click()
    tab_a.wait_for_selector("h1:has-text('only-in-a.jsonl')")
    tab_b.wait_for_selector("h1:has-text('only-in-b.jsonl')")
    assert "Team A" in tab_a.get_by_test_id("ownership").inner_text()
    assert "Team B" in tab_b.get_by_test_id("ownership").inner_text()
    assert "Team A" in tab_a.get_by_test_id("active-team").inner_text()
    assert str(org.team_a.pk) in tab_a.get_by_test_id("active-team").inner_text()

    # Both open their delete page; tab B deletes first, then tab A.
    tab_a.get_by_role("link", name="Delete…").click()
    tab_b.get_by_role("link", name="Delete…").click()
    recorder.clear()
    tab_b.get_by_role("button", name="Delete file").click()
    tab_b.wait_for_selector("text=Deleted the file “only-in-b.jsonl” from Team B.")
    tab_a.get_by_role("button", name="Delete file").click()
    tab_a.wait_for_selector("text=Deleted the file “only-in-a.jsonl” from Team A.")
    ARTIFACTS.mkdir(exist_ok=True)
    tab_a.screenshot(path=str(ARTIFACTS / "two-tabs-a.png"), full_page=True)
    tab_b.screenshot(path=str(ARTIFACTS / "two-tabs-b.png"), full_page=True)

    assert tab_a.url.endswith(team_url(org.team_a, "r/files/"))
    assert tab_b.url.endswith(team_url(org.team_b, "r/files/"))
    deletes = [(r.path, r.team_header) for r in recorder.recorded() if r.method == "DELETE"]
    assert deletes == [
        (f"v1/flow/files/{b_file.pk}", str(org.team_b.pk)),
        (f"v1/flow/files/{a_file.pk}", str(org.team_a.pk)),
    ]
    assert set(SandboxFile.objects.values_list("pk", flat=True)) == {kept_a.pk, kept_b.pk}
    logged = ActionLog.objects.filter(action="resource.deleted").order_by("id")
    assert [(e.team_label, e.outcome) for e in logged] == [
        ("Team B", "success"),
        ("Team A", "success"),
    ]
    assert not tab_a.js_errors


def test_the_switcher_opens_the_same_list_in_the_other_team_without_javascript(
    org, chromium, live_server
):
    factories.create_file(org.team_b, org.bob.sandbox_user, filename="in-b.jsonl")
    make_dashboard_user(
        "bob", member=org.bob, teams=[(org.team_a, "Team A"), (org.team_b, "Team B")]
    )
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 1366, "height": 850}
    )
    page = context.new_page()
    sign_in(page, live_server.url, "bob", PASSWORD)
    page.goto(live_server.url + team_url(org.team_a, "r/files/"))
    page.get_by_test_id("team-switcher").locator("summary").click()
    page.get_by_test_id("team-switcher").get_by_role("link", name="Team B").click()
    page.wait_for_selector("h1:has-text('Files')")
    assert page.url.endswith(team_url(org.team_b, "r/files/"))
    assert page.get_by_test_id("resource-table").get_by_text("in-b.jsonl").is_visible()
    context.close()
