"""A new person's first day, over real HTTP: signed in with no key, every page (the upload page
too) leads to adding one; once added, the dashboard says what to do next and where team IDs are
found; a team saved without a name gets one; its resources are then there to see."""

from __future__ import annotations

import re

from dashboard.sandbox import factories, identity
from tests.conftest import Web, make_dashboard_user, team_url


def test_from_sign_in_to_a_teams_resources(org, live_server):
    factories.create_file(org.team_a, org.bob.sandbox_user, filename="shared-data.jsonl")
    make_dashboard_user("carol")
    web = Web(live_server.url)
    web.login("carol")

    assert web.get("/").url.endswith("/keys/welcome/")
    # The upload page, like every other team page, sends a person without a key to add one.
    assert web.get(team_url(None, "files/upload/")).url.endswith("/keys/welcome/")

    added = web.post("/keys/", {"label": "Laptop", "api_key": org.alice.api_key})
    assert added.url.endswith("/teams/?first=1")
    steps = added.text.split('data-testid="next-steps"', 1)[1].split("</section>", 1)[0]
    assert "Next, add the teams you work in" in steps
    assert "Teams Settings" in steps and 'href="#add-team"' in steps
    # Without a team the key reads only its personal workspace: no other team is named there.
    assert 'data-testid="next-steps-none"' in steps
    assert "no team header" not in added.text

    saved = web.post("/teams/", {"team_id": str(org.team_a.pk), "label": "  "})
    label = f"Team {str(org.team_a.pk)[:8]}"
    assert f"Team “{label}” saved." in saved.text
    assert 'data-testid="next-steps"' not in saved.text  # said once, on the first day

    files = web.get(team_url(org.team_a, "r/files/"))
    assert files.status_code == 200 and "shared-data.jsonl" in files.text
    assert re.search(r'class="switcher-label">\s*' + re.escape(label), files.text)


def test_teams_named_on_the_keys_resources_are_suggested(org, live_server, monkeypatch):
    """Should a resource the key reads without a team name another team, it is offered."""
    from dashboard.upstream.resources import ResourcesApi

    real = ResourcesApi.list_page
    other = str(org.team_b.pk)

    def list_page(self, kind, **kwargs):
        page = real(self, kind, **kwargs)
        if kind.slug == "agents" and not self.client.team_id:
            page.items.append({"id": "agent-x", "name": "x", "team_id": other, "user_id": "1"})
        return page

    monkeypatch.setattr(ResourcesApi, "list_page", list_page)
    bob = org.bob.sandbox_user
    for name in ("mine.jsonl", "also-mine.jsonl"):
        factories.create_file(identity.personal_team(bob), bob, filename=name)
    make_dashboard_user("dave")
    web = Web(live_server.url)
    web.login("dave")

    added = web.post("/keys/", {"label": "Laptop", "api_key": org.bob.api_key})

    assert 'data-testid="next-steps-found"' in added.text
    suggestions = added.text.split('data-testid="team-suggestions"', 1)[1]
    assert other in suggestions


def test_the_sign_in_page_says_how_to_get_an_account_and_a_new_password(live_server):
    page = Web(live_server.url).get("/accounts/login/").text
    help_text = page.split('data-testid="login-help"', 1)[1].split("</div>", 1)[0]
    assert "ask an administrator of this dashboard to create one" in help_text
    assert "Forgot your password?" in help_text and "changepassword" in help_text


def test_a_locked_out_person_is_told_how_long_to_wait(live_server, settings):
    make_dashboard_user("erin")
    web = Web(live_server.url)
    web.get("/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked = web.post("/accounts/login/", {"username": "erin", "password": "wrong"})
    assert locked.status_code == 429
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    assert f"Try again in {minutes} minutes" in locked.text
