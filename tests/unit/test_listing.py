"""What a person asks of a list, and the arithmetic of answering it
(``dashboard/resources/listing.py``)."""

from __future__ import annotations

import random

import pytest

from dashboard.resources.listing import (
    PAGE_SIZE,
    ListQuery,
    ListResult,
    newest_items,
    server_sort_params,
    sort_items,
)
from dashboard.upstream.catalog import AGENTS, DATA_JOBS, FILES, Column, Format

# --- ListQuery.from_params -----------------------------------------------------------------------


def test_no_params_is_the_upstreams_own_order_on_page_one():
    assert ListQuery.from_params(FILES, {}) == ListQuery()


def test_a_known_column_sorts_ascending_and_a_dash_descending():
    ascending = ListQuery.from_params(FILES, {"sort": "filename"})
    descending = ListQuery.from_params(FILES, {"sort": "-filename"})

    assert (ascending.sort, ascending.descending) == ("filename", False)
    assert (descending.sort, descending.descending) == ("filename", True)


@pytest.mark.parametrize(
    "sort",
    ["password", "-password", "name", "-", "--", "", "   ", "filename;drop", "FILENAME"],
)
def test_a_sort_that_is_not_a_column_of_the_kind_is_ignored(sort):
    # "name" is a column of other kinds, not of files (theirs is "filename").
    query = ListQuery.from_params(FILES, {"sort": sort})

    assert (query.sort, query.descending) == ("", False)
    assert "sort" not in query.params()


def test_surrounding_spaces_around_the_sort_are_ignored():
    query = ListQuery.from_params(FILES, {"sort": "  -bytes "})

    assert (query.sort, query.descending) == ("bytes", True)


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("3", 3),
        (" 4 ", 4),
        ("1", 1),
        ("0", 1),
        ("-2", 1),
        ("abc", 1),
        ("2.5", 1),
        ("", 1),
        (None, 1),
        ("1e3", 1),
    ],
)
def test_the_page_is_a_positive_whole_number_or_the_first(page, expected):
    params = {} if page is None else {"page": page}

    assert ListQuery.from_params(FILES, params).page == expected


@pytest.mark.parametrize(
    ("mine", "expected"),
    [("1", True), ("on", True), ("true", True), ("0", False), ("", False), ("yes", False)],
)
def test_created_by_me_is_on_for_the_values_forms_send(mine, expected):
    assert ListQuery.from_params(FILES, {"mine": mine}).mine is expected


def test_search_text_is_stripped_and_cut_to_two_hundred_characters():
    long = "  " + "x" * 250 + "  "

    assert ListQuery.from_params(FILES, {"q": long}).search == "x" * 200
    assert ListQuery.from_params(FILES, {"q": "  report  "}).search == "report"


def test_offset_follows_the_page():
    assert ListQuery(page=1).offset == 0
    assert ListQuery(page=3).offset == 2 * PAGE_SIZE


# --- params and sorted_by ------------------------------------------------------------------------


def test_params_leave_out_empty_values_and_page_one():
    assert ListQuery().params() == {}
    assert ListQuery(page=1, sort="bytes").params() == {"sort": "bytes"}


def test_params_hold_every_part_that_is_set():
    query = ListQuery(search="abc", sort="bytes", descending=True, mine=True, page=3)

    assert query.params() == {"q": "abc", "sort": "-bytes", "mine": "1", "page": "3"}


def test_params_of_a_changed_copy_leave_the_query_alone():
    query = ListQuery(search="abc", page=3)

    assert query.params(page=4) == {"q": "abc", "page": "4"}
    assert query.params(page=1) == {"q": "abc"}
    assert query.page == 3


def test_descending_without_a_sort_says_nothing():
    assert ListQuery(descending=True).params() == {}


@pytest.mark.parametrize(
    "query",
    [
        ListQuery(),
        ListQuery(search="report 2024", sort="created_at", descending=True, mine=True, page=7),
        ListQuery(sort="bytes"),
        ListQuery(mine=True, page=2),
    ],
)
def test_params_read_back_give_the_same_query(query):
    assert ListQuery.from_params(FILES, query.params()) == query


def test_sorting_by_a_new_column_starts_ascending_on_page_one():
    query = ListQuery(search="x", sort="bytes", descending=True, page=4)

    assert query.sorted_by("filename") == {"q": "x", "sort": "filename"}


def test_sorting_by_the_sorted_column_flips_its_direction():
    ascending = ListQuery(sort="bytes", page=2)

    assert ascending.sorted_by("bytes") == {"sort": "-bytes"}
    flipped = ListQuery.from_params(FILES, ascending.sorted_by("bytes"))
    assert flipped.sorted_by("bytes") == {"sort": "bytes"}


def test_but_changes_only_what_it_is_told():
    query = ListQuery(search="a", page=3)

    assert query.but(page=1) == ListQuery(search="a", page=1)


# --- ListResult ----------------------------------------------------------------------------------


def rows(count: int) -> list[dict]:
    return [{"id": str(n)} for n in range(count)]


def test_rows_of_a_full_first_page():
    result = ListResult(rows(PAGE_SIZE), page=1, has_more=True, total=None)

    assert (result.first_row, result.last_row) == (1, PAGE_SIZE)


def test_rows_of_a_short_later_page():
    result = ListResult(rows(7), page=3, has_more=False, total=2 * PAGE_SIZE + 7)

    assert (result.first_row, result.last_row) == (2 * PAGE_SIZE + 1, 2 * PAGE_SIZE + 7)
    assert result.last_page == 3


@pytest.mark.parametrize(
    ("total", "last_page"),
    [(None, None), (0, 1), (1, 1), (PAGE_SIZE, 1), (PAGE_SIZE + 1, 2), (10 * PAGE_SIZE, 10)],
)
def test_last_page_from_the_total(total, last_page):
    assert ListResult([], page=1, has_more=False, total=total).last_page == last_page


def test_an_empty_list_is_not_beyond_its_end():
    result = ListResult([], page=1, has_more=False, total=0)

    assert not result.beyond_end
    assert result.last_row == result.first_row - 1  # "rows 1 to 0": nothing shown


def test_an_empty_later_page_is_beyond_the_end():
    assert ListResult([], page=5, has_more=False, total=None).beyond_end
    assert not ListResult(rows(1), page=5, has_more=False, total=None).beyond_end


# --- server_sort_params --------------------------------------------------------------------------


def test_no_sort_needs_no_sort_params():
    assert server_sort_params(AGENTS, ListQuery()) == {}


def test_the_upstream_sorts_by_its_own_name_for_the_column():
    # Files' "bytes" column is "size" upstream.
    assert server_sort_params(FILES, ListQuery(sort="bytes")) == {
        "sort_by": "size",
        "sort_order": "asc",
    }
    assert server_sort_params(DATA_JOBS, ListQuery(sort="name", descending=True)) == {
        "sort_by": "name",
        "sort_order": "desc",
    }


def test_a_column_the_upstream_cannot_sort_is_none():
    assert server_sort_params(FILES, ListQuery(sort="purpose")) is None
    assert server_sort_params(AGENTS, ListQuery(sort="name")) is None


# --- sort_items ----------------------------------------------------------------------------------

NUMBER = Column("n", "N", Format.NUMBER)
TEXT = Column("name", "Name")
WHEN = Column("created_at", "Created", Format.DATETIME)
FLAG = Column("enabled", "Enabled")


def keys(items: list[dict], key: str = "id") -> list:
    return [item[key] for item in items]


def test_numbers_sort_as_numbers_not_as_text():
    items = [
        {"id": "a", "n": 10},
        {"id": "b", "n": 9},
        {"id": "c", "n": 100},
        {"id": "d", "n": 2.5},
    ]

    assert keys(sort_items(items, NUMBER, False)) == ["d", "b", "a", "c"]
    assert keys(sort_items(items, NUMBER, True)) == ["c", "a", "b", "d"]


def test_text_sorts_without_regard_to_case():
    items = [{"id": 1, "name": "banana"}, {"id": 2, "name": "Apple"}, {"id": 3, "name": "cherry"}]

    assert keys(sort_items(items, TEXT, False)) == [2, 1, 3]
    assert keys(sort_items(items, TEXT, True)) == [3, 1, 2]


@pytest.mark.parametrize("descending", [False, True])
def test_missing_values_always_come_last(descending):
    items = [
        {"id": "none", "n": None},
        {"id": "one", "n": 1},
        {"id": "absent"},
        {"id": "three", "n": 3},
        {"id": "blank", "n": ""},
    ]

    ordered = keys(sort_items(items, NUMBER, descending))

    assert ordered[:2] == (["three", "one"] if descending else ["one", "three"])
    assert ordered[2:] == ["none", "absent", "blank"]  # in the upstream's order


def test_zero_is_a_value_not_a_missing_one():
    items = [{"id": "absent"}, {"id": "zero", "n": 0}, {"id": "one", "n": 1}]

    assert keys(sort_items(items, NUMBER, True)) == ["one", "zero", "absent"]


def test_equal_values_keep_the_upstreams_order_in_both_directions():
    items = [{"id": n, "name": "same"} for n in range(5)]

    assert keys(sort_items(items, TEXT, False)) == [0, 1, 2, 3, 4]
    assert keys(sort_items(items, TEXT, True)) == [0, 1, 2, 3, 4]


def test_datetimes_from_iso_text_and_epoch_numbers_sort_together():
    items = [
        {"id": "2023", "created_at": "2023-06-01T00:00:00Z"},
        {"id": "2021-epoch", "created_at": 1_609_459_200 + 86_400 * 100},  # April 2021
        {"id": "2022-offset", "created_at": "2022-01-01T10:00:00+09:00"},
        {"id": "2020-date", "created_at": "2020-12-31"},
        {"id": "unreadable", "created_at": "soon"},
        {"id": "missing"},
    ]

    ascending = keys(sort_items(items, WHEN, False))
    descending = keys(sort_items(items, WHEN, True))

    assert ascending == ["2020-date", "2021-epoch", "2022-offset", "2023", "unreadable", "missing"]
    assert descending == ["2023", "2022-offset", "2021-epoch", "2020-date", "unreadable", "missing"]


def test_datetimes_compare_by_instant_not_by_their_text():
    # 09:00 at +09:00 is midnight UTC, before 01:00 UTC, though its text sorts after.
    items = [
        {"id": "utc-1am", "created_at": "2024-01-01T01:00:00Z"},
        {"id": "tokyo-9am", "created_at": "2024-01-01T09:00:00+09:00"},
    ]

    assert keys(sort_items(items, WHEN, False)) == ["tokyo-9am", "utc-1am"]


def test_booleans_sort_false_before_true_and_are_not_missing():
    items = [{"id": "t", "enabled": True}, {"id": "none"}, {"id": "f", "enabled": False}]

    assert keys(sort_items(items, FLAG, False)) == ["f", "t", "none"]
    assert keys(sort_items(items, FLAG, True)) == ["t", "f", "none"]


def test_a_column_of_text_and_numbers_does_not_fail():
    items = [{"id": 1, "name": "b"}, {"id": 2, "name": 3}, {"id": 3, "name": "a"}]

    assert sorted(keys(sort_items(items, TEXT, False))) == [1, 2, 3]


def test_sorting_leaves_the_given_list_alone():
    items = [{"id": 2, "n": 2}, {"id": 1, "n": 1}]

    sort_items(items, NUMBER, False)

    assert keys(items) == [2, 1]


def test_one_odd_value_does_not_make_numbers_sort_as_text():
    items = [{"id": "ten", "n": 10}, {"id": "nine", "n": 9}, {"id": "odd", "n": "n/a"}]

    ordered = keys(sort_items(items, NUMBER, False))

    assert ordered.index("nine") < ordered.index("ten")


# --- newest_items (the overview's newest rows) -----------------------------------------------

TIMES = [
    "2024-01-01T01:00:00Z",
    "2024-01-01T09:00:00+09:00",  # before the one above, though its text sorts after
    "2024-01-01T01:00:00+00:00",  # the same instant as the first, written otherwise
    "2023-06-01",
    1_704_070_800,  # 2024-01-01T01:00:00Z as epoch seconds
    1_704_070_800.5,
    "soon",
    "",
    None,
    True,
    [],
]


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("count", [0, 1, 5, 30])
def test_the_newest_items_are_the_first_of_the_list_sorted_newest_first(seed, count):
    chance = random.Random(seed)
    items = [
        {"id": n, **({"created_at": chance.choice(TIMES)} if chance.random() < 0.9 else {})}
        for n in range(chance.randrange(0, 25))
    ]

    expected = sort_items(items, WHEN, descending=True)[:count]
    assert keys(newest_items(items, "created_at", count)) == keys(expected)


def test_the_newest_items_of_a_kind_without_a_time_are_the_first_in_its_order():
    items = [{"id": n} for n in range(7)]

    assert keys(newest_items(items, None, 5)) == [0, 1, 2, 3, 4]
