"""In a real browser: sign in, add a key, save a team, open it from the header's switcher, see
the header change."""

from __future__ import annotations

import pytest

from dashboard.accounts.models import ApiKey
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_dashboard_user, team_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_key_team_and_switch_in_the_browser(org, page, live_server):
    make_dashboard_user("dana")
    sign_in(page, live_server.url, "dana", PASSWORD)
    assert "/keys/welcome/" in page.url
    page.get_by_role("link", name="Add your API key").click()

    page.fill("#id_label", "Work key")
    page.fill("#id_api_key", org.alice.api_key)
    page.get_by_role("button", name="Check and save").click()
    page.wait_for_selector("text=Key “Work key”")
    assert org.alice.api_key not in page.content()
    assert ApiKey.objects.filter(label="Work key", is_active=True).exists()

    header = page.get_by_test_id("active-team")
    assert "Personal workspace" in header.inner_text()

    page.get_by_role("link", name="Teams").click()
    page.fill("#id_team_id", str(org.team_a.pk))
    page.fill("#id_label", "Research")
    page.get_by_role("button", name="Check and save").click()
    page.wait_for_selector("text=Team “Research” saved")

    # The switcher is a list of links: each opens the team's own pages; the header follows.
    switcher = page.get_by_test_id("team-switcher")
    switcher.locator("summary").click()
    switcher.get_by_role("link", name="Research").click()
    page.wait_for_url(f"**{team_url(org.team_a)}")
    page.wait_for_selector("[data-testid=overview-team]:has-text('Research')")
    header_text = page.get_by_test_id("active-team").inner_text()
    assert "Research" in header_text and str(org.team_a.pk) in header_text
    assert page.title().startswith("Research · ")
    assert not page.js_errors, page.js_errors

    # A refused team says why and keeps the team last used in the header.
    page.get_by_role("link", name="Teams").click()
    page.fill("#id_team_id", str(org.team_b.pk))
    page.get_by_role("button", name="Check and save").click()
    page.wait_for_selector("text=not a member of this team")
    assert "Research" in page.get_by_test_id("active-team").inner_text()
