"""What each person owns across the teams (``dashboard/ownership/people.py``): one person's page
team by team, people × teams, and its export rows. Every value is built by hand."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.ownership.collect import AuditRow, Failure, TeamAudit
from dashboard.ownership.people import (
    NEWEST_SHOWN,
    PEOPLE_EXPORT_HEADER,
    PeopleCell,
    people_by_team,
    people_records,
    person_page,
)
from dashboard.ownership.presentation import Presenter
from dashboard.people.directory import USER, Creator
from dashboard.teams.workspace import Team, personal
from dashboard.upstream import catalog
from dashboard.upstream.catalog import AGENTS, FILES, PROJECTS, TOOLS
from tests.unit.builders import directory

ME = "u-me"
DANA = "u-dana"
STRANGER = "u-9"
PERSONAL = personal("team-p")
ALPHA = Team("team-a", "Alpha")
BETA = Team("team-b", "Beta")
TEAMS = [PERSONAL, ALPHA, BETA]
PEOPLE = {ME: "Mia Park", DANA: "Dana Li"}
BROKEN = Failure("Upstream unavailable", "down", 503)


def at(day: int) -> datetime:
    return datetime(2024, 3, day, 12, tzinfo=UTC)


def row(team, kind, rid, creator=DANA, created=None, size=None) -> AuditRow:
    return AuditRow(team.key, kind.slug, rid, f"name of {rid}", creator, created, size)


def presenter(me: str = ME) -> Presenter:
    return Presenter(TEAMS, directory(me, people=PEOPLE))


def audits() -> dict[str, TeamAudit]:
    personal_rows = [row(PERSONAL, FILES, "pf1", ME, at(1), 100)]
    alpha_rows = [
        row(ALPHA, FILES, "af1", DANA, at(2), 1000),
        row(ALPHA, FILES, "af2", DANA, at(5), 24),
        row(ALPHA, FILES, "af3", ME, at(3), 7),
        row(ALPHA, AGENTS, "aa1", DANA, at(4)),
        row(ALPHA, TOOLS, "at1", DANA, None),
        row(ALPHA, TOOLS, "at2", STRANGER, at(6)),
    ]
    beta_rows = [
        row(BETA, PROJECTS, "bp1", DANA, at(9)),
        row(BETA, FILES, "bf1", DANA, at(8), None),  # a file whose size was not said
    ]
    return {
        PERSONAL.key: TeamAudit(PERSONAL, personal_rows, {"files": 1}),
        ALPHA.key: TeamAudit(ALPHA, alpha_rows, {"files": 3, "agents": 1, "tools": 2}),
        BETA.key: TeamAudit(BETA, beta_rows, {"files": 1, "projects": 1}, {"agents": BROKEN}),
    }


# --- person_page ---------------------------------------------------------------------------------


def test_a_persons_page_has_every_team_in_order_with_their_counts_per_kind():
    page = person_page(audits(), DANA, presenter())

    assert page.creator == Creator(DANA, "Dana Li", False, "Dana Li", USER)
    assert [h.team for h in page.holdings] == TEAMS
    assert [[(k.slug, n) for k, n in h.counts] for h in page.holdings] == [
        [],
        [("files", 2), ("agents", 1), ("tools", 1)],  # in the catalog's order, owned kinds only
        [("files", 1), ("projects", 1)],
    ]
    assert [h.total for h in page.holdings] == [0, 4, 2]
    assert (page.total, page.teams_with_something) == (6, 2)


def test_storage_is_the_sum_of_their_own_files_sizes_unknown_sizes_counting_nothing():
    page = person_page(audits(), DANA, presenter())

    assert [h.size for h in page.holdings] == [0, 1024, 0]
    assert page.size == 1024


def test_the_newest_items_come_first_undated_last_each_linking_to_its_team():
    page = person_page(audits(), DANA, presenter())
    alpha = page.holdings[1]

    assert [line.row.resource_id for line in alpha.newest] == ["af2", "aa1", "af1", "at1"]
    assert alpha.newest[0].detail_url == "/t/team-a/r/files/af2/"
    assert alpha.newest[1].detail_url == "/t/team-a/r/agents/aa1/"
    assert {line.creator.id for line in alpha.newest} == {DANA}


def test_at_most_ten_newest_are_shown_but_all_are_counted():
    many = [row(ALPHA, AGENTS, f"a{n}", DANA, at(n + 1)) for n in range(NEWEST_SHOWN + 3)]
    page = person_page({ALPHA.key: TeamAudit(ALPHA, many, {"agents": 13})}, DANA, presenter())

    (alpha,) = page.holdings
    assert NEWEST_SHOWN == 10
    assert alpha.total == 13 and alpha.counts == ((AGENTS, 13),)
    assert [line.row.resource_id for line in alpha.newest] == [f"a{n}" for n in range(12, 2, -1)]


def test_my_own_page_says_you_and_holds_only_what_i_created():
    page = person_page(audits(), ME, presenter())

    assert page.creator == Creator(ME, "you", True, "Mia Park", USER)
    assert [h.total for h in page.holdings] == [1, 1, 0]
    assert page.size == 107


def test_a_creator_nobody_knows_and_one_who_owns_nothing():
    stranger = person_page(audits(), STRANGER, presenter())
    nobody = person_page(audits(), "u-none", presenter())

    assert stranger.creator.name == "unknown user u-9"
    assert [h.total for h in stranger.holdings] == [0, 1, 0]
    assert (nobody.total, nobody.size, nobody.teams_with_something) == (0, 0, 0)
    assert [h.newest for h in nobody.holdings] == [(), (), ()]


def test_kinds_that_could_not_be_read_are_kept_with_their_failure():
    page = person_page(audits(), DANA, presenter())
    beta = page.holdings[2]

    assert beta.unread == (("agents", BROKEN),)
    assert not beta.unreadable  # the rest was read


def test_a_team_none_of_whose_kinds_could_be_read_is_unreadable():
    failures = {kind.slug: BROKEN for kind in catalog.team_kinds()}
    page = person_page({BETA.key: TeamAudit(BETA, [], {}, failures)}, DANA, presenter())

    (beta,) = page.holdings
    assert beta.unreadable
    assert (beta.total, beta.counts, beta.newest) == (0, (), ())


def test_a_team_missing_one_kind_is_not_unreadable_even_if_the_person_owns_nothing():
    kinds = catalog.team_kinds()
    failures = {kind.slug: BROKEN for kind in kinds[1:]}
    page = person_page(
        {BETA.key: TeamAudit(BETA, [], {kinds[0].slug: 0}, failures)}, DANA, presenter()
    )

    assert not page.holdings[0].unreadable


def test_the_team_is_labelled_as_the_workspace_names_it():
    renamed = Team("team-a", "Alpha (old label)")
    audit = TeamAudit(renamed, [row(ALPHA, FILES, "af1", DANA, at(1), 5)], {"files": 1})

    page = person_page({ALPHA.key: audit}, DANA, presenter())

    assert page.holdings[0].team == ALPHA


# --- people_by_team ------------------------------------------------------------------------------


def all_rows() -> list[AuditRow]:
    return [r for audit in audits().values() for r in audit.rows]


def test_people_by_team_counts_and_sizes_each_person_in_each_team():
    table = people_by_team(all_rows(), TEAMS, presenter())

    by_id = {r.creator.id: r for r in table}
    assert set(by_id) == {ME, DANA, STRANGER}
    assert by_id[DANA].cells == (PeopleCell(0, 0), PeopleCell(4, 1024), PeopleCell(2, 0))
    assert (by_id[DANA].total, by_id[DANA].size) == (6, 1024)
    assert by_id[ME].cells == (PeopleCell(1, 100), PeopleCell(1, 7), PeopleCell(0, 0))
    assert (by_id[ME].total, by_id[ME].size) == (2, 107)
    assert by_id[STRANGER].cells == (PeopleCell(0, 0), PeopleCell(1, 0), PeopleCell(0, 0))
    assert by_id[STRANGER].creator.name == "unknown user u-9"


def test_people_by_team_puts_you_first_then_the_most_prolific_then_by_name():
    rows = [
        row(ALPHA, AGENTS, "1", "u-b"),
        row(ALPHA, AGENTS, "2", "u-a"),
        row(ALPHA, AGENTS, "3", "u-c"),
        row(ALPHA, AGENTS, "4", "u-c"),
        row(ALPHA, AGENTS, "5", ME),
    ]
    people = {"u-a": "zoe", "u-b": "Adam", "u-c": "Yves", ME: "Mia Park"}

    table = people_by_team(rows, TEAMS, Presenter(TEAMS, directory(ME, people=people)))

    assert [r.creator.name for r in table] == ["you", "Yves", "Adam", "zoe"]


def test_people_by_team_cells_follow_the_teams_given():
    table = people_by_team(all_rows(), [BETA, ALPHA], presenter())

    dana = next(r for r in table if r.creator.id == DANA)
    assert [c.count for c in dana.cells] == [2, 4]


def test_no_rows_no_people():
    assert people_by_team([], TEAMS, presenter()) == []


def test_resources_without_a_creator_are_a_row_of_their_own():
    table = people_by_team([row(ALPHA, TOOLS, "t", "")], TEAMS, presenter())

    (nobody,) = table
    assert nobody.creator == Creator("", "unknown")
    assert nobody.total == 1


# --- people_records ------------------------------------------------------------------------------


def test_people_records_have_a_row_per_person_and_team_they_own_something_in():
    table = people_by_team(all_rows(), TEAMS, presenter())

    records = list(people_records(table, TEAMS))

    assert PEOPLE_EXPORT_HEADER == (
        "creator_id",
        "creator_name",
        "team",
        "team_id",
        "resources",
        "bytes",
    )
    assert all(len(r) == len(PEOPLE_EXPORT_HEADER) for r in records)
    assert records == [
        (ME, "Mia Park", "Personal workspace", "team-p", 1, 100),
        (ME, "Mia Park", "Alpha", "team-a", 1, 7),
        (DANA, "Dana Li", "Alpha", "team-a", 4, 1024),
        (DANA, "Dana Li", "Beta", "team-b", 2, 0),
        (STRANGER, "unknown user u-9", "Alpha", "team-a", 1, 0),
    ]


def test_people_records_never_say_you():
    table = people_by_team(all_rows(), TEAMS, presenter())

    assert "you" not in {r[1] for r in people_records(table, TEAMS)}


def test_a_personal_workspace_whose_id_is_not_known_yet_says_so():
    teams = [personal(), ALPHA]
    table = people_by_team([row(personal(), FILES, "f", ME, size=3)], teams, presenter())

    assert list(people_records(table, teams)) == [
        (ME, "Mia Park", "Personal workspace", "", 1, 3)
    ]
