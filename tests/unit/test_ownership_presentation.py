"""What the ownership audit shows of collected rows: filters, order, the teams × kinds matrix
and its chart, each team's creators (``dashboard/ownership/presentation.py``), and team status
(``dashboard/ownership/collect.py``). Every value is built by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from dashboard.ownership.collect import AuditRow, Failure, TeamAudit, TeamStatus
from dashboard.ownership.presentation import (
    CHART_LABEL_WIDTH,
    CHART_ROW,
    CHART_WIDTH,
    DEFAULT_SORT,
    NO_CREATOR,
    Filters,
    Matrix,
    MatrixCell,
    MatrixRow,
    Presenter,
    build_chart,
    build_matrix,
    choice_label,
    creator_choices,
    creators_of,
    select,
    status_text,
)
from dashboard.people.directory import NAMED, USER, Creator
from dashboard.teams.workspace import Team, personal
from dashboard.upstream.catalog import AGENTS, FILES, TOOLS
from tests.unit.builders import directory

ME = "user-me"
PERSONAL = personal("team-p")
ALPHA = Team("team-a", "alpha team")
BETA = Team("team-b", "Beta")
KINDS = (FILES, AGENTS, TOOLS)
DENIED = Failure("Not allowed in this team", "refused", 403)
BROKEN = Failure("Upstream unavailable", "down", 503)
SPAN = CHART_WIDTH - CHART_LABEL_WIDTH - 70


@pytest.fixture(autouse=True)
def _utc():
    """Days are read in the dashboard's zone; these cases are written in UTC."""
    with timezone.override("UTC"):
        yield


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2024, 3, day, hour, tzinfo=UTC)


def row(team: Team, kind, rid: str, name: str = "", creator: str = ME, created=None) -> AuditRow:
    return AuditRow(team.key, kind.slug, rid, name or rid, creator, created)


def names() -> dict[str, str]:
    return {"u-dana": "Dana", "u-bob": "bob"}


def presenter() -> Presenter:
    return Presenter([PERSONAL, ALPHA, BETA], directory(ME, names()))


# --- TeamAudit.status and status_text ------------------------------------------------------------


def test_a_team_read_whole_is_ok():
    assert TeamAudit(ALPHA, counts={"files": 0}).status == TeamStatus.OK


def test_a_team_read_in_part_is_partial():
    assert TeamAudit(ALPHA, counts={"files": 2}, failures={"agents": BROKEN}).status == "partial"


def test_a_team_refusing_every_kind_is_no_longer_ours():
    audit = TeamAudit(ALPHA, failures={"files": DENIED, "agents": DENIED})

    assert audit.status == TeamStatus.FORBIDDEN
    assert status_text(audit.status) == "No longer a member (403)"


def test_a_team_failing_every_kind_not_only_with_403_failed():
    assert TeamAudit(ALPHA, failures={"files": DENIED, "agents": BROKEN}).status == "failed"


def test_every_status_has_its_text():
    assert status_text(TeamStatus.OK) == ""
    assert all(status_text(s) for s in ("partial", "forbidden", "failed"))


# --- build_matrix --------------------------------------------------------------------------------


def audits() -> list[TeamAudit]:
    personal_rows = [
        row(PERSONAL, FILES, "f1"),
        row(PERSONAL, FILES, "f2"),
        row(PERSONAL, AGENTS, "a1"),
    ]
    alpha_rows = [row(ALPHA, FILES, "f3", creator="u-dana")] + [
        row(ALPHA, TOOLS, f"t{n}", creator="u-dana") for n in range(3)
    ]
    return [
        TeamAudit(PERSONAL, personal_rows, {"files": 2, "agents": 1, "tools": 0}),
        TeamAudit(ALPHA, alpha_rows, {"files": 1, "tools": 3}, {"agents": DENIED}),
        TeamAudit(BETA, [], {}, {"files": DENIED, "agents": DENIED, "tools": DENIED}),
    ]


def all_rows(team_audits: list[TeamAudit]) -> list[AuditRow]:
    return [r for audit in team_audits for r in audit.rows]


def counts(matrix_row: MatrixRow) -> list[int | None]:
    return [cell.count for cell in matrix_row.cells]


def test_the_matrix_counts_each_team_and_kind_and_marks_what_could_not_be_read():
    team_audits = audits()

    matrix = build_matrix(team_audits, all_rows(team_audits), KINDS)

    assert [counts(r) for r in matrix.rows] == [[2, 1, 0], [1, None, 3], [None, None, None]]
    assert [r.total for r in matrix.rows] == [3, 4, 0]
    assert matrix.kind_totals == (3, 1, 3)
    assert matrix.total == 7
    assert [r.status for r in matrix.rows] == ["ok", "partial", "forbidden"]
    assert matrix.rows[1].cells[1] == MatrixCell(None, DENIED)
    assert matrix.rows[1].first_failure == DENIED
    assert matrix.rows[0].first_failure is None


def test_the_matrix_counts_only_the_rows_it_is_given():
    team_audits = audits()
    mine = [r for r in all_rows(team_audits) if r.creator_id == ME]

    matrix = build_matrix(team_audits, mine, KINDS)

    assert [counts(r) for r in matrix.rows] == [[2, 1, 0], [0, None, 0], [None, None, None]]
    assert matrix.total == 3


def test_the_matrix_has_a_column_per_kind_asked():
    team_audits = audits()

    matrix = build_matrix(team_audits, all_rows(team_audits), (TOOLS,))

    assert matrix.kinds == (TOOLS,)
    assert [counts(r) for r in matrix.rows] == [[0], [3], [None]]


def test_no_teams_no_rows():
    matrix = build_matrix([], [], KINDS)

    assert (matrix.rows, matrix.kind_totals, matrix.total) == ((), (0, 0, 0), 0)


# --- build_chart ---------------------------------------------------------------------------------


def test_the_chart_stacks_one_segment_per_kind_scaled_to_the_longest_bar():
    team_audits = audits()
    chart = build_chart(build_matrix(team_audits, all_rows(team_audits), KINDS))

    personal_bar, alpha_bar, beta_bar = chart.bars
    unit = SPAN / 4  # the longest bar (alpha's) holds 4
    assert [(s.x, s.width, s.colour) for s in personal_bar.segments] == [
        (CHART_LABEL_WIDTH, 2 * unit, 0),
        (CHART_LABEL_WIDTH + 2 * unit, unit, 1),
    ]
    assert [s.label for s in personal_bar.segments] == ["Files: 2", "Agents: 1"]
    assert [(s.x, s.width, s.colour) for s in alpha_bar.segments] == [
        (CHART_LABEL_WIDTH, unit, 0),
        (CHART_LABEL_WIDTH + unit, 3 * unit, 2),
    ]
    assert alpha_bar.end_x == CHART_LABEL_WIDTH + SPAN + 6  # the longest fills the span
    assert beta_bar.segments == ()
    assert beta_bar.end_x == CHART_LABEL_WIDTH + 6
    assert [(b.label, b.total, b.status) for b in chart.bars] == [
        ("Personal workspace", 3, "ok"),
        ("alpha team", 4, "partial"),
        ("Beta", 0, "forbidden"),
    ]


def test_the_chart_places_a_bar_per_row_and_a_legend_per_kind():
    team_audits = audits()
    chart = build_chart(build_matrix(team_audits, all_rows(team_audits), KINDS))

    assert [(b.y, b.text_y) for b in chart.bars] == [(6, 20), (36, 50), (66, 80)]
    assert chart.height == 3 * CHART_ROW + 6
    assert (chart.width, chart.bar_x) == (CHART_WIDTH, CHART_LABEL_WIDTH)
    assert chart.legend == ((0, "Files"), (1, "Agents"), (2, "Tools"))


def test_widths_are_rounded_to_hundredths():
    matrix = Matrix(
        (FILES, AGENTS), (MatrixRow(ALPHA, "ok", (MatrixCell(1), MatrixCell(2)), 3),), (1, 2), 3
    )

    segments = build_chart(matrix).bars[0].segments

    assert [s.width for s in segments] == [round(SPAN / 3, 2), round(2 * SPAN / 3, 2)]


def test_an_empty_audit_draws_an_empty_chart_without_dividing_by_zero():
    empty = build_chart(build_matrix([], [], KINDS))
    zeros = build_chart(build_matrix([TeamAudit(ALPHA, counts={"files": 0})], [], KINDS))

    assert (empty.bars, empty.height) == ((), CHART_ROW + 6)
    assert zeros.bars[0].segments == ()


def test_colours_wrap_around_after_ten_kinds():
    kinds = tuple(replace(FILES, slug=f"k{n}", label=f"K{n}") for n in range(12))
    matrix = Matrix(
        kinds, (MatrixRow(ALPHA, "ok", tuple(MatrixCell(1) for _ in kinds), 12),), (1,) * 12, 12
    )

    chart = build_chart(matrix)

    assert [s.colour for s in chart.bars[0].segments] == [*range(10), 0, 1]
    assert [colour for colour, _ in chart.legend] == [*range(10), 0, 1]


# --- Filters, select and order -------------------------------------------------------------------


def sample() -> list[AuditRow]:
    return [
        row(PERSONAL, FILES, "f-old", "banana", ME, at(1)),
        row(ALPHA, AGENTS, "a-new", "Apple", "u-dana", at(20)),
        row(ALPHA, FILES, "f-mid", "cherry", "u-bob", at(10)),
        row(BETA, TOOLS, "t-undated", "apple", "", None),
        row(BETA, FILES, "f-late", "apple", "u-dana", at(25)),
    ]


def ids_of(rows: list[AuditRow]) -> list[str]:
    return [r.resource_id for r in rows]


def test_no_filter_keeps_everything_newest_first_undated_last():
    assert ids_of(select(sample(), Filters(), presenter())) == [
        "f-late",
        "a-new",
        "f-mid",
        "f-old",
        "t-undated",
    ]


def test_the_oldest_first_still_puts_undated_last():
    assert ids_of(select(sample(), Filters(sort="created"), presenter()))[-1] == "t-undated"
    assert ids_of(select(sample(), Filters(sort="created"), presenter()))[0] == "f-old"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(team="team-a"), {"a-new", "f-mid"}),
        (Filters(team="personal"), {"f-old"}),
        (Filters(kind="files"), {"f-old", "f-mid", "f-late"}),
        (Filters(creator="u-dana"), {"a-new", "f-late"}),
        (Filters(creator=NO_CREATOR), {"t-undated"}),
        (Filters(team="team-b", kind="files"), {"f-late"}),
        (Filters(team="nowhere"), set()),
    ],
)
def test_filters_narrow_by_team_kind_and_creator(filters, expected):
    assert set(ids_of(select(sample(), filters, presenter()))) == expected


def test_a_date_range_includes_both_its_days_and_leaves_out_undated():
    filters = Filters(created_from=date(2024, 3, 10), created_to=date(2024, 3, 20))

    assert ids_of(select(sample(), filters, presenter())) == ["a-new", "f-mid"]


def test_an_open_ended_date_range():
    assert ids_of(select(sample(), Filters(created_from=date(2024, 3, 20)), presenter())) == [
        "f-late",
        "a-new",
    ]
    assert ids_of(select(sample(), Filters(created_to=date(2024, 3, 1)), presenter())) == ["f-old"]


def test_days_are_the_local_days_of_the_dashboard():
    late_evening = [row(ALPHA, FILES, "f", created=datetime(2024, 3, 1, 20, tzinfo=UTC))]
    filters = Filters(created_from=date(2024, 3, 2), created_to=date(2024, 3, 2))

    with timezone.override("UTC"):
        assert select(late_evening, filters, presenter()) == []
    with timezone.override("Asia/Tokyo"):  # 05:00 on the 2nd there
        assert ids_of(select(late_evening, filters, presenter())) == ["f"]


def test_by_name_without_regard_to_case_and_newest_first_among_equals():
    assert ids_of(select(sample(), Filters(sort="name"), presenter())) == [
        "f-late",
        "a-new",
        "t-undated",
        "f-old",
        "f-mid",
    ]


def test_by_name_descending_keeps_newest_first_among_equals():
    assert ids_of(select(sample(), Filters(sort="-name"), presenter())) == [
        "f-mid",
        "f-old",
        "f-late",
        "a-new",
        "t-undated",
    ]


def test_by_team_label_without_regard_to_case():
    # "alpha team" < "Beta" < "Personal workspace", read case-blind.
    assert ids_of(select(sample(), Filters(sort="team"), presenter())) == [
        "a-new",
        "f-mid",
        "f-late",
        "t-undated",
        "f-old",
    ]


def test_by_kind_in_the_catalogs_order():
    ordered = select(sample(), Filters(sort="kind"), presenter())

    assert [r.kind for r in ordered] == ["files", "files", "files", "agents", "tools"]
    assert ids_of(ordered)[:3] == ["f-late", "f-mid", "f-old"]  # newest first among equals


def test_by_creator_name():
    # "bob", "Dana" ×2, "unknown", "you"
    assert ids_of(select(sample(), Filters(sort="creator"), presenter())) == [
        "f-mid",
        "f-late",
        "a-new",
        "t-undated",
        "f-old",
    ]


def test_an_unknown_sort_is_by_kind():
    ordered = select(sample(), Filters(sort="-bogus"), presenter())

    assert [r.kind for r in ordered] == ["tools", "agents", "files", "files", "files"]


def test_narrowing_and_the_filters_as_a_form_would_hold_them():
    assert not Filters(sort="name").narrowing
    assert Filters(creator=NO_CREATOR).narrowing
    assert Filters(created_to=date(2024, 1, 1)).narrowing
    assert Filters(
        team="personal", creator=NO_CREATOR, created_from=date(2024, 1, 2)
    ).as_dict() == {
        "in_team": "personal",
        "kind": "",
        "creator": "",
        "created_from": "2024-01-02",
        "created_to": "",
        "sort": DEFAULT_SORT,
    }


# --- lines ---------------------------------------------------------------------------------------


def test_a_line_names_its_team_kind_and_creator_and_exports_them():
    line = presenter().line(row(ALPHA, FILES, "file-1", "a.txt", "u-dana", at(2)))

    assert (line.team, line.kind, line.creator) == (
        ALPHA,
        FILES,
        Creator("u-dana", "Dana", person="Dana", source=NAMED),
    )
    assert line.detail_url == "/t/team-a/r/files/file-1/"
    assert line.record() == {
        "team": "alpha team",
        "team_id": "team-a",
        "kind": "files",
        "resource_id": "file-1",
        "name": "a.txt",
        "creator_id": "u-dana",
        "creator_name": "Dana",
        "created": "2024-03-02T12:00:00+00:00",
    }


def test_my_own_line_says_you_on_the_page_but_exports_my_real_name():
    mine = Presenter([ALPHA], directory(ME, people={ME: "Mia Park"})).line(row(ALPHA, FILES, "f"))

    assert (mine.creator.name, mine.creator.is_you) == ("you", True)
    assert mine.record()["creator_id"] == ME
    assert mine.record()["creator_name"] == "Mia Park"


def test_a_line_of_a_creator_nobody_knows_exports_unknown_user_and_the_id():
    line = presenter().line(row(ALPHA, FILES, "f", creator="u-9"))

    assert line.creator == Creator("u-9", "unknown user u-9")
    assert line.record()["creator_name"] == "unknown user u-9"


def test_a_line_in_the_personal_workspace_and_an_unknown_team():
    mine = presenter().line(row(PERSONAL, FILES, "f", created=None))
    elsewhere = presenter().line(AuditRow("team-z", "files", "f", "f", "", None))

    assert mine.values()[:2] == ("Personal workspace", "team-p")
    assert mine.values()[-1] == ""
    assert elsewhere.team == Team("team-z", "team-z")
    assert elsewhere.creator == Creator("", "unknown")


@pytest.mark.parametrize("rid", ["a/b", "..", ""])
def test_a_line_whose_id_cannot_be_linked_has_no_url(rid):
    assert presenter().line(row(ALPHA, FILES, rid)).detail_url == ""


# --- creators_of and creator_choices -------------------------------------------------------------


def test_a_teams_creators_you_first_then_the_most_prolific():
    audit = TeamAudit(
        ALPHA,
        [
            row(ALPHA, FILES, "1", creator="u-3"),
            row(ALPHA, TOOLS, "2", creator="u-3"),
            row(ALPHA, TOOLS, "3", creator="u-3"),
            row(ALPHA, FILES, "4", creator="u-dana"),
            row(ALPHA, AGENTS, "5", creator="u-dana"),
            row(ALPHA, AGENTS, "6", creator="u-dana"),
            row(ALPHA, FILES, "7", creator=ME),
            row(ALPHA, FILES, "8", creator=""),
        ],
    )

    summary = creators_of(audit, KINDS, directory(ME, names()))

    assert [(c.creator.name, c.counts, c.total) for c in summary] == [
        ("you", (1, 0, 0), 1),
        ("Dana", (1, 2, 0), 3),
        ("unknown user u-3", (1, 0, 2), 3),
        ("unknown", (1, 0, 0), 1),
    ]


def test_a_teams_creators_with_equal_totals_are_ordered_by_name_whatever_the_case():
    audit = TeamAudit(
        ALPHA,
        [row(ALPHA, FILES, "1", creator="u-z"), row(ALPHA, FILES, "2", creator="u-a")],
    )

    summary = creators_of(audit, KINDS, directory(ME, people={"u-z": "alma", "u-a": "Zoe"}))

    assert [c.creator.name for c in summary] == ["alma", "Zoe"]


def test_counts_of_kinds_not_shown_still_count_in_the_total():
    audit = TeamAudit(ALPHA, [row(ALPHA, FILES, "1"), row(ALPHA, TOOLS, "2")])

    (summary,) = creators_of(audit, (FILES,), directory(ME))

    assert (summary.counts, summary.total) == ((1,), 2)


def test_a_team_without_rows_has_no_creators():
    assert creators_of(TeamAudit(ALPHA), KINDS, directory(ME)) == []


def test_creator_choices_you_first_then_named_by_name_and_no_creator_last():
    rows = [
        row(ALPHA, FILES, "1", creator="u-zed"),
        row(ALPHA, FILES, "2", creator=""),
        row(ALPHA, FILES, "3", creator="u-bob"),
        row(ALPHA, FILES, "4", creator=ME),
        row(ALPHA, FILES, "5", creator="u-dana"),
        row(ALPHA, FILES, "6", creator="u-dana"),
    ]

    choices = creator_choices(rows, directory(ME, names()))

    assert choices == [
        (ME, "you"),
        ("u-bob", "bob (u-bob)"),
        ("u-dana", "Dana (u-dana)"),
        ("u-zed", "unknown user u-zed"),
        (NO_CREATOR, "unknown"),
    ]


def test_creator_choices_put_people_known_before_ids_nobody_knows_whatever_the_letters():
    rows = [
        row(ALPHA, FILES, "1", creator="u-a"),  # "unknown user u-a"
        row(ALPHA, FILES, "2", creator="u-zz"),  # a dashboard user: "Zed Zimmer"
        row(ALPHA, FILES, "3", creator="u-n"),  # named by staff: "Xavier"
        row(ALPHA, FILES, "4", creator=ME),
    ]
    people = {"u-zz": "Zed Zimmer", ME: "Mia Park"}

    choices = creator_choices(rows, directory(ME, {"u-n": "Xavier"}, people))

    assert choices == [
        (ME, "you (Mia Park)"),
        ("u-n", "Xavier (u-n)"),
        ("u-zz", "Zed Zimmer (u-zz)"),
        ("u-a", "unknown user u-a"),
    ]


@pytest.mark.parametrize(
    ("creator", "label"),
    [
        (Creator("u-1", "you", True, "Mia Park", USER), "you (Mia Park)"),
        (Creator("u-1", "you", True, "Staff name", NAMED), "you (Staff name)"),
        (Creator("u-1", "you", True), "you"),
        (Creator("u-2", "Dana Li", False, "Dana Li", USER), "Dana Li (u-2)"),
        (Creator("u-3", "Xavier", False, "Xavier", NAMED), "Xavier (u-3)"),
        (Creator("u-9", "unknown user u-9"), "unknown user u-9"),
        (Creator("", "unknown"), "unknown"),
    ],
)
def test_choice_label(creator, label):
    assert choice_label(creator) == label


def test_no_rows_no_choices():
    assert creator_choices([], directory(ME)) == []
