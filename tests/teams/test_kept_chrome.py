"""The side navigation and the team switcher are rendered once for what they depend on and
kept: every page shows exactly what rendering them afresh shows, whichever page came before."""

from __future__ import annotations

import re

import pytest

from dashboard.sandbox import factories
from dashboard.teams.models import SavedTeam
from dashboard.teams.templatetags import teams as team_tags
from tests.conftest import team_url

pytestmark = pytest.mark.django_db(transaction=True)

CSRF = re.compile(r'((?:name="csrfmiddlewaretoken" value=|"X-CSRFToken": )")[^"]+"')
HEADER_AND_NAV = re.compile(r'<header class="topbar">.*?</nav>', re.S)


def forget_kept() -> None:
    for kept in (team_tags._navigation, team_tags._switchers):
        kept.rendered.clear()


def chrome(web, path: str) -> str:
    """The page's header (the switcher, the search) and its side navigation."""
    response = web.get(path)
    assert response.status_code == 200, (path, response.status_code)
    found = HEADER_AND_NAV.search(CSRF.sub(r'\1"', response.text))
    assert found, f"{path}: no header and navigation"
    return found.group(0)


def test_every_page_shows_the_navigation_and_switcher_it_would_render_afresh(org, bob_web):
    team_a, team_b = org.team_a, org.team_b
    agent = factories.create_agent(team_a, org.bob.sandbox_user, name="Helper")
    paths = [
        team_url(team_a),
        team_url(team_a, "r/files/"),
        team_url(team_a, "r/agents/"),
        team_url(team_a, f"r/agents/{agent.pk}/"),
        team_url(team_b, "r/agents/"),
        team_url(team_b),
        "/teams/",
        "/keys/",
        "/threads/",
        "/search/?q=help",
        "/search/?q=other",
        "/jobs/",
        "/audit/log/",
    ]
    afresh = {}
    for path in paths:
        forget_kept()
        afresh[path] = chrome(bob_web, path)
    assert 'aria-current="page">Agents<' in afresh[team_url(team_a, "r/agents/")]
    assert 'value="other"' in afresh["/search/?q=other"]
    forget_kept()
    for path in paths + paths[::-1]:  # each page after another one, kept from before
        assert chrome(bob_web, path) == afresh[path], path


def test_a_renamed_team_shows_its_new_label_at_once(org, bob_web):
    assert "Team B" in chrome(bob_web, "/teams/")
    # A label that keeps the teams in the same order: only the label tells the pages apart.
    SavedTeam.objects.filter(team_id=str(org.team_b.pk)).update(label="Team Z")
    shown = chrome(bob_web, "/teams/")
    assert "Team Z" in shown and "Team B" not in shown
