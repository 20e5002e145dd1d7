"""Search across teams over the audit's rows (``dashboard/ownership/search.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.ownership.collect import AuditRow, Failure, TeamAudit
from dashboard.ownership.presentation import Presenter
from dashboard.ownership.search import search_groups
from dashboard.teams.workspace import Team, personal
from tests.unit.builders import directory

PERSONAL = personal("team-p")
ALPHA = Team("team-a", "Alpha")
BETA = Team("team-b", "Beta")
DENIED = Failure("Not allowed in this team", "refused", 403)
BROKEN = Failure("Upstream unavailable", "down", 503)


def row(team: Team, rid: str, name: str, day: int | None) -> AuditRow:
    created = datetime(2024, 3, day, tzinfo=UTC) if day else None
    return AuditRow(team.key, "files", rid, name, "u-1", created)


def audits() -> dict[str, TeamAudit]:
    return {
        PERSONAL.key: TeamAudit(
            PERSONAL,
            [
                row(PERSONAL, "f-1", "Report Q1.csv", 1),
                row(PERSONAL, "f-2", "notes.txt", 2),
                row(PERSONAL, "f-3", "report q2.csv", 9),
                row(PERSONAL, "f-4", "old REPORT", None),
            ],
            counts={"files": 4},
        ),
        ALPHA.key: TeamAudit(
            ALPHA,
            [row(ALPHA, "report-id-7", "untitled", 5), row(ALPHA, "f-8", "Straße.csv", 6)],
            counts={"files": 2},
            failures={"agents": BROKEN},
        ),
        BETA.key: TeamAudit(BETA, failures={"files": DENIED, "agents": DENIED}),
    }


def search(query: str):
    presenter = Presenter([PERSONAL, ALPHA, BETA], directory("u-1"))
    return search_groups(audits(), query, presenter)


def found(group) -> list[str]:
    return [line.row.resource_id for line in group.lines]


def test_names_and_ids_match_in_any_case_newest_first_undated_last():
    personal_group, alpha, beta = search("REPORT")

    assert found(personal_group) == ["f-3", "f-1", "f-4"]
    assert found(alpha) == ["report-id-7"]  # by its id
    assert found(beta) == []


def test_every_team_has_its_group_in_order_even_without_matches():
    groups = search("no such thing")

    assert [g.team for g in groups] == [PERSONAL, ALPHA, BETA]
    assert all(g.lines == [] for g in groups)


def test_a_team_that_could_not_be_read_says_so():
    personal_group, alpha, beta = search("x")

    assert (personal_group.unreadable, personal_group.first_failure) == (False, None)
    assert (alpha.unreadable, alpha.searched_kinds, alpha.first_failure) == (False, 1, BROKEN)
    assert (beta.unreadable, beta.first_failure) == (True, DENIED)


def test_matching_folds_case_the_unicode_way():
    assert found(search("STRASSE")[1]) == ["f-8"]


def test_lines_carry_their_team_and_link():
    (line,) = search("report-id")[1].lines

    assert line.team == ALPHA
    assert line.detail_url == "/t/team-a/r/files/report-id-7/"
