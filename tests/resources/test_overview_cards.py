"""The overview's panels are built in Python: byte for byte what the template loop they replaced
rendered (kept in ``reference_overview_cards.html``), for a panel with rows, with none, with
more than the dashboard counts, and one that failed, in a team whose id needs quoting."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import engines
from django.test import RequestFactory

from dashboard.people.directory import CreatorDirectory
from dashboard.resources import presentation
from dashboard.resources.selectors import Panel
from dashboard.teams.workspace import Team
from dashboard.upstream import catalog
from dashboard.upstream.errors import ForbiddenError, UpstreamUnavailableError

REFERENCE = (Path(__file__).parent / "reference_overview_cards.html").read_text(encoding="utf-8")
HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"


def item(kind, number: int) -> dict:
    item = {
        kind.id_field: f"{kind.slug}-{number:04d}" if number else 'odd-"<id>&/x',
        kind.name_field: HOSTILE if number % 2 else f"Item {number}",
        kind.created_field: f"2024-03-0{number % 9 + 1}T09:3{number % 10}:15.25+02:00",
        "status": ["completed", "failed", "<b>odd</b>", ""][number % 4],
    }
    item[kind.owner_field] = ["u-me", "u-other", ""][number % 3]
    return item


def cards(kinds) -> list[dict]:
    teams = presentation.TeamNames.__new__(presentation.TeamNames)
    teams.labels = {}
    creators = CreatorDirectory("u-me", people={"u-other": "Other <person>"}, names={})
    made = []
    for index, kind in enumerate(kinds):
        state = index % 5
        if state == 3:
            panel = Panel(kind, error=[ForbiddenError(), UpstreamUnavailableError()][index % 2])
        else:
            latest = [item(kind, n) for n in range(state and 5)] if state != 4 else []
            panel = Panel(
                kind, latest=latest, count=(index + 1) * 1000 - 1, count_is_lower_bound=state == 2
            )
        builder = presentation.RowBuilder(
            kind, creators, teams, columns=presentation.summary_columns(kind)
        )
        made.append({"panel": panel, "rows": [builder.row(i) for i in panel.latest]})
    return made


def rendered(template: str, cards: list[dict], team: Team) -> str:
    request = RequestFactory().get("/")
    context = {"cards": cards, "active_team": team}
    return engines["django"].from_string(template).render(context, request)


@pytest.mark.parametrize("grouped", [False, True])  # 1,999 (USE_THOUSAND_SEPARATOR) or 1999
@pytest.mark.parametrize(
    "team", [Team(None, "Personal"), Team("7e57a11c-0000-4000-8000-00000000000a", "A")]
)
def test_the_panels_are_the_reference_markup(team, grouped, settings):
    settings.USE_THOUSAND_SEPARATOR = grouped
    kinds = [kind for kind in catalog.team_kinds() if kind.in_overview]
    made = cards(kinds * 2)
    expected = rendered(REFERENCE, made, team)
    shown = rendered("{% load resources %}{% overview_cards cards %}", made, team)
    assert shown == expected
    assert 'data-testid="upstream-error"' in shown and "at least " in shown
    assert "No " in shown and "<script>" not in shown
    assert ("1,999" in shown) is grouped and ("1999" in shown) is not grouped
