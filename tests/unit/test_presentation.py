"""How upstream items look in pages: badges, rows and cells, team names, download names,
headers and pager (``dashboard/resources/presentation.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.people.directory import NAMED, USER, Creator
from dashboard.resources.listing import PAGE_SIZE, ListQuery, ListResult
from dashboard.resources.presentation import (
    BADGE_BAD,
    BADGE_NEUTRAL,
    BADGE_OK,
    BADGE_RUNNING,
    BADGE_WARN,
    RowBuilder,
    TeamName,
    TeamNames,
    badge_class,
    cell_text,
    headers_for,
    list_columns,
    pager_for,
    safe_filename,
    summary_columns,
)
from dashboard.teams.workspace import PERSONAL_LABEL, Team, personal
from dashboard.upstream.catalog import FILES, FINE_TUNES, PROJECTS, VECTOR_DBS, Format
from tests.unit.builders import directory, workspace

ME = "user-me"
TEAM_A = "0b7c6a52-0000-4000-8000-00000000000a"
PERSONAL_TEAM = "0b7c6a52-0000-4000-8000-0000000000ff"

# --- badge_class ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "badge"),
    [
        ("completed", BADGE_OK),
        ("Active", BADGE_OK),
        ("  SUCCESS ", BADGE_OK),
        ("running", BADGE_RUNNING),
        ("queued", BADGE_RUNNING),
        ("cancelled", BADGE_WARN),
        ("Inactive", BADGE_WARN),
        ("failed", BADGE_BAD),
        ("ERROR", BADGE_BAD),
        ("something new", BADGE_NEUTRAL),
        ("", BADGE_NEUTRAL),
        (None, BADGE_NEUTRAL),
    ],
)
def test_badge_class_reads_statuses_in_any_case(status, badge):
    assert badge_class(status) == badge


# --- TeamNames -----------------------------------------------------------------------------------


def test_saved_teams_are_named_by_their_label_and_the_personal_team_so():
    names = TeamNames(workspace({TEAM_A: "Team A"}, personal_team_id=PERSONAL_TEAM))

    assert names.name(TEAM_A) == TeamName(TEAM_A, "Team A")
    assert names.name(PERSONAL_TEAM) == TeamName(PERSONAL_TEAM, PERSONAL_LABEL)


def test_a_team_that_is_not_saved_has_no_label():
    names = TeamNames(workspace({TEAM_A: "Team A"}))

    assert names.name("someone-elses-team") == TeamName("someone-elses-team", "")


def test_without_a_key_the_personal_team_is_not_known():
    names = TeamNames(workspace({TEAM_A: "Team A"}, key=False))

    assert names.labels == {TEAM_A: "Team A"}


def test_the_pages_unsaved_team_is_named_as_the_page_names_it():
    unsaved = Team("unsaved-team", "unsaved-team", saved=False)

    names = TeamNames(workspace({TEAM_A: "Team A"}, team=unsaved))

    assert names.name("unsaved-team").label == "unsaved-team"


def test_the_pages_team_does_not_rename_a_saved_one():
    names = TeamNames(workspace({TEAM_A: "Team A"}, team=Team(TEAM_A, "Other label")))

    assert names.name(TEAM_A).label == "Team A"


def test_the_personal_page_adds_no_name():
    names = TeamNames(workspace({}, team=personal()))

    assert names.labels == {}


# --- RowBuilder ----------------------------------------------------------------------------------


def builder(kind=FILES, me=ME, names=None, people=None, **kwargs) -> RowBuilder:
    teams = TeamNames(workspace({TEAM_A: "Team A"}, personal_team_id=PERSONAL_TEAM))
    return RowBuilder(kind, directory(me, names or {}, people or {}), teams, **kwargs)


FILE = {
    "id": "file-1",
    "filename": "report.jsonl",
    "purpose": "fine-tune",
    "type": "jsonl",
    "bytes": 2048,
    "team_id": TEAM_A,
    "created_by": ME,
    "created_at": "2024-05-01T12:00:00Z",
}


def cells_by_key(builder: RowBuilder, item: dict) -> dict:
    row = builder.row(item)
    return {column.key: cell for column, cell in zip(builder.columns, row.cells, strict=True)}


def test_a_file_row_has_one_cell_per_column_each_read_by_its_format():
    cells = cells_by_key(builder(), FILE)

    assert list(cells) == [column.key for column in FILES.columns]
    assert cells["id"].value == "file-1"
    assert cells["filename"].value == "report.jsonl"
    assert cells["purpose"].value == "fine-tune"
    assert (cells["bytes"].format, cells["bytes"].value) == (Format.BYTES, 2048)
    assert cells["team_id"].value == TeamName(TEAM_A, "Team A")
    assert cells["created_by"].value == Creator(ME, "you", True)
    assert cells["created_at"].value == datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_only_the_id_and_name_cells_open_the_detail_page():
    cells = cells_by_key(builder(), FILE)

    assert {key for key, cell in cells.items() if cell.link} == {"id", "filename"}


@pytest.mark.parametrize("bad_id", ["a/b", "", ".", "..", "nul\x00", "line\nbreak"])
def test_a_row_whose_id_cannot_be_a_path_segment_links_nowhere(bad_id):
    row = builder().row({**FILE, "id": bad_id})

    assert row.id == bad_id
    assert not any(cell.link for cell in row.cells)


def test_a_row_without_an_id_links_nowhere():
    item = {key: value for key, value in FILE.items() if key != "id"}

    row = builder().row(item)

    assert row.id == ""
    assert not any(cell.link for cell in row.cells)


@pytest.mark.parametrize("odd_id", ["with space", "percent%2F", "ü-ünicode", "q?x#y"])
def test_odd_ids_that_are_one_segment_still_link(odd_id):
    row = builder().row({**FILE, "id": odd_id})

    assert [cell.link for cell in row.cells][:2] == [True, True]


def test_a_row_is_mine_when_i_created_it():
    assert builder().row(FILE).is_mine
    assert not builder().row({**FILE, "created_by": "someone"}).is_mine
    assert not builder(me="").row({**FILE, "created_by": ""}).is_mine


def test_a_creator_is_shown_by_the_name_staff_gave():
    cells = cells_by_key(builder(names={"u-2": "Dana"}), {**FILE, "created_by": "u-2"})

    assert cells["created_by"].value == Creator("u-2", "Dana", person="Dana", source=NAMED)


def test_a_creator_a_dashboard_users_key_acts_as_is_shown_by_their_name():
    cells = cells_by_key(builder(people={"u-2": "Dana Li"}), {**FILE, "created_by": "u-2"})

    assert cells["created_by"].value == Creator("u-2", "Dana Li", person="Dana Li", source=USER)


def test_a_creator_nobody_knows_reads_unknown_user_and_the_id():
    cells = cells_by_key(builder(), {**FILE, "created_by": "u-9"})

    assert cells["created_by"].value == Creator("u-9", "unknown user u-9")
    assert not cells["created_by"].value.known


def test_a_resource_with_no_creator_shows_unknown():
    cells = cells_by_key(builder(), {**FILE, "created_by": None})

    assert cells["created_by"].value == Creator("", "unknown")


def test_numbers_that_are_not_numbers_show_nothing():
    cells = cells_by_key(builder(), {**FILE, "bytes": "2048"})

    assert cells["bytes"].value is None


def test_a_missing_team_shows_nothing_and_an_unsaved_one_its_id():
    assert cells_by_key(builder(), {**FILE, "team_id": None})["team_id"].value is None
    assert cells_by_key(builder(), {**FILE, "team_id": "t-9"})["team_id"].value == TeamName(
        "t-9", ""
    )


def test_an_unreadable_timestamp_keeps_what_the_upstream_sent():
    cell = cells_by_key(builder(), {**FILE, "created_at": "yesterday"})["created_at"]

    assert (cell.value, cell.fallback) == (None, "yesterday")


def test_an_epoch_timestamp_is_read():
    cell = cells_by_key(builder(), {**FILE, "created_at": 0})["created_at"]

    assert cell.value == datetime(1970, 1, 1, tzinfo=UTC)


def test_invisible_characters_in_names_and_text_are_shown():
    item = {**FILE, "filename": "evil\u202egpj.exe", "purpose": "zero\u200bwidth"}

    row = builder().row(item)
    cells = cells_by_key(builder(), item)

    assert row.name == "evil[U+202E]gpj.exe"
    assert cells["filename"].value == "evil[U+202E]gpj.exe"
    assert cells["purpose"].value == "zero[U+200B]width"


def test_a_nameless_item_is_named_by_its_id():
    assert builder().row({**FILE, "filename": ""}).name == "file-1"


JOB = {
    "id": "ft-1",
    "experiment_name": "try 3",
    "status": "running",
    "user_id": "u-2",
    "team_id": TEAM_A,
    "created_at": "2024-05-01",
}


def test_a_status_cell_carries_its_badge():
    cells = cells_by_key(builder(FINE_TUNES), JOB)

    assert (cells["status"].value, cells["status"].badge) == ("running", BADGE_RUNNING)
    assert cells_by_key(builder(FINE_TUNES), {**JOB, "status": None})["status"].value == ""


def test_a_row_is_final_only_in_a_final_status():
    assert not builder(FINE_TUNES).row(JOB).is_final
    assert builder(FINE_TUNES).row({**JOB, "status": "completed"}).is_final
    assert not builder(FINE_TUNES).row({**JOB, "status": None}).is_final


def test_a_kind_without_statuses_is_always_final():
    assert builder(PROJECTS).row({"id": 7, "name": "p"}).is_final


def test_the_name_column_of_another_kind_links():
    cells = cells_by_key(builder(FINE_TUNES), JOB)

    assert {key for key, cell in cells.items() if cell.link} == {"id", "experiment_name"}


def test_a_sub_lists_rows_use_its_own_columns_and_link_field():
    sub = VECTOR_DBS.sub_lists[0]
    rows = builder(VECTOR_DBS, columns=sub.columns, id_field=sub.link_field)

    row = rows.row({"id": "file-9", "filename": "a.txt", "status": "completed"})

    assert row.id == "file-9"
    assert [cell.format for cell in row.cells] == [column.format for column in sub.columns]
    assert [cell.link for cell in row.cells] == [True, False, False, False]


def test_a_project_id_that_is_a_number_is_an_id():
    assert builder(PROJECTS).row({"id": 7, "name": "p"}).id == "7"


# --- safe_filename -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.csv", "report.csv"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\evil.exe", "evil.exe"),
        ('say "hi".txt', "say _hi_.txt"),
        ("a:b*c?d<e>f|g;h.txt", "a_b_c_d_e_f_g_h.txt"),
        ("evil\u202egpj.exe", "evilgpj.exe"),
        ("zero\u200bwidth\ufeff.txt", "zerowidth.txt"),
        ("tab\there\r\n.txt", "tabhere.txt"),
        ("\x00nul\x7f.txt", "nul.txt"),
        ("e\u0301t\u0301e\u0301.txt", "\u00e9t\u0301\u00e9.txt"),  # NFC where it composes
        ("  .hidden.  ", "hidden"),
        ("ok name (1).jsonl", "ok name (1).jsonl"),
    ],
)
def test_safe_filename_keeps_only_a_plain_last_segment(name, expected):
    assert safe_filename(name, "fallback") == expected


@pytest.mark.parametrize("name", ["", None, "...", "dir/", " . ", "\u202e", "\x00\x01"])
def test_safe_filename_falls_back_when_nothing_is_left(name):
    assert safe_filename(name, "file-123") == "file-123"


def test_the_fallback_loses_its_invisible_characters_too():
    assert safe_filename("", "file\u202e-1") == "file-1"


def test_a_long_name_is_cut():
    assert safe_filename("x" * 500 + ".txt", "f") == "x" * 200


# --- summary_columns -----------------------------------------------------------------------------


def test_summary_columns_are_name_status_and_created():
    columns = summary_columns(FINE_TUNES)

    assert [(c.key, c.format) for c in columns] == [
        ("experiment_name", Format.TEXT),
        ("status", Format.STATUS),
        ("created_at", Format.DATETIME),
    ]


def test_list_columns_put_the_name_first_the_id_last_and_leave_out_the_team():
    labels = [c.label for c in list_columns(FINE_TUNES)]

    assert labels[0] == "Name" and labels[-1] == "ID"
    assert "Team" not in labels
    assert labels[1:-1] == [
        c.label for c in FINE_TUNES.columns if c.label not in ("Name", "ID", "Team")
    ]


def test_summary_columns_of_a_kind_without_status_skip_it():
    assert [c.key for c in summary_columns(FILES)] == ["filename", "created_at"]


# --- headers_for and pager_for -------------------------------------------------------------------


def split(url: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query)


def test_headers_link_to_sorting_by_each_column_keeping_the_search():
    query = ListQuery(search="abc", sort="bytes", descending=True, page=3)

    headers = headers_for(personal(), FILES, query)

    assert [h.label for h in headers] == [c.label for c in list_columns(FILES)]
    by_label = {h.label: h for h in headers}
    assert by_label["Size"].sorted == "descending"
    assert by_label["Size"].numeric
    assert not by_label["Name"].numeric
    assert {h.sorted for h in headers if h.label != "Size"} == {""}
    assert split(by_label["Size"].url) == (
        "/t/personal/r/files/",
        {"q": ["abc"], "sort": ["bytes"]},
    )
    assert split(by_label["Name"].url) == (
        "/t/personal/r/files/",
        {"q": ["abc"], "sort": ["filename"]},
    )


def test_an_ascending_sort_header_links_to_descending():
    header = headers_for(Team(TEAM_A, "A"), FILES, ListQuery(sort="filename"))[0]  # Name

    assert header.sorted == "ascending"
    assert split(header.url) == (f"/t/{TEAM_A}/r/files/", {"sort": ["-filename"]})


def page_of(link: str) -> int:
    query = split(link)[1]
    return int(query["page"][0]) if "page" in query else 1


def result(page: int, count: int, total: int | None, has_more: bool) -> ListResult:
    return ListResult([{}] * count, page, has_more, total)


def test_the_first_page_of_an_unknown_length_links_only_onward():
    pager = pager_for(personal(), FILES, ListQuery(), result(1, PAGE_SIZE, None, True))

    assert (pager["first"], pager["previous"], pager["last"]) == ("", "", "")
    assert page_of(pager["next"]) == 2
    assert pager["last_number"] is None


def test_a_middle_page_links_every_way_keeping_the_query():
    query = ListQuery(search="x", sort="bytes", page=3)

    pager = pager_for(personal(), FILES, query, result(3, PAGE_SIZE, 5 * PAGE_SIZE - 1, True))

    assert [page_of(pager[k]) for k in ("first", "previous", "next", "last")] == [1, 2, 4, 5]
    assert split(pager["first"])[1] == {"q": ["x"], "sort": ["bytes"]}
    assert pager["last_number"] == 5


def test_the_last_page_links_back_only():
    pager = pager_for(personal(), FILES, ListQuery(page=2), result(2, 1, PAGE_SIZE + 1, False))

    assert (pager["next"], pager["last"]) == ("", "")
    assert page_of(pager["previous"]) == 1


def test_from_past_the_end_previous_goes_to_the_last_page():
    pager = pager_for(personal(), FILES, ListQuery(page=9), result(9, 0, 2 * PAGE_SIZE + 3, False))

    assert page_of(pager["previous"]) == 3
    assert page_of(pager["last"]) == 3


def test_past_the_end_of_an_empty_list_previous_is_page_one():
    pager = pager_for(personal(), FILES, ListQuery(page=4), result(4, 0, 0, False))

    assert page_of(pager["previous"]) == 1
    assert page_of(pager["last"]) == 1


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (None, ""),
        ("text", "text"),
        (3, "3"),
        (["file-1", "file-2"], "file-1, file-2"),
        ([{"id": "t-1", "name": "web"}, {"id": "t-2"}, None], "web, t-2"),
        ([], ""),
    ],
)
def test_a_cell_shows_a_list_as_its_items(raw, shown):
    assert cell_text(raw) == shown
