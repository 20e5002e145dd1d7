"""Calls on catalog kinds, against a fake transport: list shapes, each paging style, whole
lists (``dashboard/upstream/resources.py``). No HTTP: the fake's ``request()`` answers from a
list of items and records what it was asked."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from dashboard.upstream import errors
from dashboard.upstream import resources as resources_module
from dashboard.upstream.catalog import (
    AGENTS,
    DEPLOYMENTS,
    FILES,
    FINE_TUNES,
    THREADS,
    TOOLS,
    VECTOR_DBS,
    Pagination,
    Scope,
    Wrapping,
)
from dashboard.upstream.resources import LIST_ALL_WINDOW, ResourcesApi

# The same kinds with an upstream that takes pages of 100, to keep the arithmetic readable (the
# catalog's real page sizes are checked against the sandbox in tests/sandbox/test_page_sizes.py).
FILES, TOOLS, DEPLOYMENTS = (replace(k, max_page_size=100) for k in (FILES, TOOLS, DEPLOYMENTS))


def items(count: int, prefix: str = "r") -> list[dict]:
    return [{"id": f"{prefix}-{n:05d}"} for n in range(count)]


class Upstream:
    """Serves ``served`` in the paging style of the params it is asked with, records each call.

    ``total``: the total to report (True: the real one). ``fail_at``: offsets that fail.
    ``payload``: a canned answer for every call instead.
    """

    def __init__(
        self,
        served=(),
        *,
        wrapping=Wrapping.OBJECT_DATA,
        total=None,
        fail_at=(),
        payload=None,
        cap=None,
        refuse_over=None,
    ):
        self.served = list(served)
        self.wrapping = wrapping
        self.total = total
        self.fail_at = set(fail_at)
        self.payload = payload
        self.cap, self.refuse_over = cap, refuse_over  # a page size given silently / refused over
        self.calls: list[tuple[str, str, Scope, dict | None]] = []
        self.lock = threading.Lock()

    def request(self, method, path, *, scope, params=None):
        with self.lock:
            self.calls.append((method, path, scope, None if params is None else dict(params)))
        if self.payload is not None:
            return self.payload
        params = params or {}
        start = int(params.get("offset", params.get("skip", 0)))
        if "page" in params:  # numbered pages of ``limit`` items
            start = (int(params["page"]) - 1) * int(params["limit"])
        if start in self.fail_at:
            raise errors.UpstreamUnavailableError(status=503)
        limit = int(params.get("limit", len(self.served)))
        if self.refuse_over is not None and limit > self.refuse_over:
            raise errors.InvalidRequestError(f"limit must be at most {self.refuse_over}")
        page = self.served[start : start + min(limit, self.cap or limit)]
        if self.wrapping is Wrapping.BARE:
            return page
        answer = {"object": "list", "data": page}
        if self.total is not None:
            answer["total"] = len(self.served) if self.total is True else self.total
        return answer

    @property
    def params(self) -> list[dict | None]:
        return [call[3] for call in self.calls]

    @property
    def starts(self) -> list[int]:
        return sorted(int(p.get("offset", p.get("skip", 0))) for p in self.params)


def api(upstream: Upstream) -> ResourcesApi:
    return ResourcesApi(upstream)


# --- unwrap --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wrapping", "payload", "expected"),
    [
        (Wrapping.BARE, [{"id": 1}], ([{"id": 1}], None)),
        (Wrapping.BARE, [], ([], None)),
        (Wrapping.DATA, {"data": [{"id": 1}]}, ([{"id": 1}], None)),
        (Wrapping.DATA, {"data": [], "total": 7}, ([], 7)),
        (Wrapping.DATA, {"data": [], "total": "7"}, ([], None)),
        (Wrapping.DATA, {"data": [], "total": 7.5}, ([], None)),
        (Wrapping.OBJECT_DATA, {"object": "list", "data": [{"id": "a"}]}, ([{"id": "a"}], None)),
        (Wrapping.OBJECT_DATA, {"object": "list"}, ([], None)),  # as the SDK allows
        (Wrapping.OBJECT_DATA, {"object": "list", "data": [], "total": 3}, ([], 3)),
    ],
)
def test_unwrap_reads_each_wrapping(wrapping, payload, expected):
    assert ResourcesApi.unwrap(wrapping, payload) == expected


@pytest.mark.parametrize(
    ("wrapping", "payload"),
    [
        (Wrapping.BARE, {"data": []}),
        (Wrapping.BARE, [{"id": 1}, "two"]),
        (Wrapping.BARE, None),
        (Wrapping.BARE, "[]"),
        (Wrapping.DATA, {}),  # a missing "data" is an error here
        (Wrapping.DATA, {"data": None}),
        (Wrapping.DATA, {"data": {"id": 1}}),
        (Wrapping.DATA, {"data": [1, 2]}),
        (Wrapping.DATA, [{"id": 1}]),
        (Wrapping.OBJECT_DATA, {"object": "list", "data": None}),
        (Wrapping.OBJECT_DATA, {"object": "list", "data": [[]]}),
        (Wrapping.OBJECT_DATA, [{"id": 1}]),
        (Wrapping.OBJECT_DATA, "oops"),
    ],
)
def test_unwrap_refuses_any_other_shape(wrapping, payload):
    with pytest.raises(errors.BadResponseError):
        ResourcesApi.unwrap(wrapping, payload)


def test_unwrap_takes_the_wrapping_of_a_kind():
    assert ResourcesApi.unwrap(THREADS, [{"id": "t"}]) == ([{"id": "t"}], None)
    with pytest.raises(errors.BadResponseError):
        ResourcesApi.unwrap(AGENTS, [{"id": "t"}])


# --- list_page: limit/offset and skip/limit ------------------------------------------------------


def test_a_page_asks_one_item_more_to_learn_there_is_a_next():
    upstream = Upstream(items(120))

    page = api(upstream).list_page(FILES, offset=50, limit=50)

    assert upstream.calls == [("GET", "v1/flow/files", Scope.TEAM, {"offset": 50, "limit": 51})]
    assert [i["id"] for i in page.items] == [f"r-{n:05d}" for n in range(50, 100)]
    assert page.has_more
    assert page.total is None


def test_a_page_with_nothing_after_it_has_no_next():
    page = api(Upstream(items(100))).list_page(FILES, offset=50, limit=50)

    assert len(page.items) == 50
    assert not page.has_more


def test_a_page_as_large_as_the_upstream_allows_asks_no_more_and_means_maybe_more():
    largest = FILES.max_page_size
    full = Upstream(items(largest))
    short = Upstream(items(largest - 1))

    full_page = api(full).list_page(FILES, limit=largest)
    short_page = api(short).list_page(FILES, limit=largest)

    assert full.params == [{"offset": 0, "limit": largest}]
    assert full_page.has_more
    assert not short_page.has_more


def test_skip_limit_kinds_are_asked_with_skip():
    upstream = Upstream(items(10), wrapping=Wrapping.DATA)

    page = api(upstream).list_page(DEPLOYMENTS, offset=5, limit=3)

    assert upstream.params == [{"skip": 5, "limit": 4}]
    assert (len(page.items), page.has_more) == (3, True)


@pytest.mark.parametrize(
    ("served", "total", "offset", "has_more"),
    [
        (51, 120, 0, True),
        (51, 50, 0, False),  # the total says there is no more, whatever came back
        (3, 120, 50, True),  # a short page, but the total says more are left
        (20, 120, 100, False),
    ],
)
def test_a_total_decides_whether_there_is_more(served, total, offset, has_more):
    upstream = Upstream(payload={"data": items(served), "total": total})

    page = api(upstream).list_page(TOOLS, offset=offset, limit=50)

    assert page.has_more is has_more
    assert page.total == total
    assert len(page.items) == min(served, 50)


def test_the_kinds_own_params_and_the_callers_go_together():
    kind = replace(FILES, list_params={"purpose": "fine-tune", "sort_by": "created_at"})
    upstream = Upstream(items(1))

    api(upstream).list_page(kind, limit=10, params={"sort_by": "size", "sort_order": "desc"})

    assert upstream.params == [
        {"purpose": "fine-tune", "sort_by": "size", "sort_order": "desc", "offset": 0, "limit": 11}
    ]


def test_a_list_answer_of_the_wrong_shape_fails():
    with pytest.raises(errors.BadResponseError):
        api(Upstream(payload=[{"id": 1}])).list_page(FILES)


def test_probing_a_team_asks_for_one_file():
    upstream = Upstream(items(5))

    api(upstream).probe_team()

    assert upstream.calls == [("GET", "v1/flow/files", Scope.TEAM, {"offset": 0, "limit": 2})]


# --- list_page: limit/order ----------------------------------------------------------------------


def test_limit_order_asks_the_newest_up_to_the_page_and_one_more():
    upstream = Upstream(items(60), wrapping=Wrapping.BARE)

    page = api(upstream).list_page(THREADS, limit=50)

    assert upstream.calls == [("GET", "v1/threads/", Scope.USER, {"limit": 51, "order": "desc"})]
    assert (len(page.items), page.has_more) == (50, True)


def test_limit_order_later_pages_are_cut_from_the_newest_and_capped():
    upstream = Upstream(items(250), wrapping=Wrapping.BARE)

    page = api(upstream).list_page(THREADS, offset=50, limit=50)

    assert upstream.params == [{"limit": 100, "order": "desc"}]  # not 101: the largest page
    assert [i["id"] for i in page.items] == [f"r-{n:05d}" for n in range(50, 100)]
    assert not page.has_more  # past the newest 100 nothing can be reached


def test_limit_order_keeps_an_order_the_caller_asks_for():
    upstream = Upstream(items(3), wrapping=Wrapping.BARE)

    api(upstream).list_page(THREADS, limit=10, params={"order": "asc"})

    assert upstream.params == [{"limit": 11, "order": "asc"}]


# --- list_page: no paging upstream ---------------------------------------------------------------


def test_an_unpaged_kind_is_asked_for_everything_and_paged_here():
    upstream = Upstream(items(120), wrapping=Wrapping.DATA, total=999)

    first = api(upstream).list_page(AGENTS, offset=0, limit=50)
    last = api(upstream).list_page(AGENTS, offset=100, limit=50)

    assert upstream.calls[0] == ("GET", "v2/flow/agents/", Scope.TEAM, None)
    assert (len(first.items), first.has_more, first.total) == (50, True, 120)
    assert [i["id"] for i in last.items] == [f"r-{n:05d}" for n in range(100, 120)]
    assert (last.has_more, last.total) == (False, 120)  # its own count, not the upstream's


def test_an_unpaged_kind_past_its_end_is_an_empty_page():
    page = api(Upstream(items(10))).list_page(FINE_TUNES, offset=50, limit=50)

    assert (page.items, page.has_more, page.total) == ([], False, 10)


def test_an_unpaged_kind_ending_on_a_page_boundary_has_no_next():
    page = api(Upstream(items(100))).list_page(VECTOR_DBS, offset=50, limit=50)

    assert (len(page.items), page.has_more) == (50, False)


# --- list_all ------------------------------------------------------------------------------------


def test_an_unpaged_kind_is_listed_in_one_call():
    upstream = Upstream(items(250), wrapping=Wrapping.DATA)

    assert api(upstream).list_all(AGENTS) == items(250)
    assert len(upstream.calls) == 1


def test_an_unpaged_kind_stops_at_the_safety_limit(monkeypatch):
    monkeypatch.setattr(resources_module, "LIST_ALL_LIMIT", 30)

    assert api(Upstream(items(45))).list_all(FINE_TUNES) == items(30)


def test_a_limit_order_kind_lists_only_its_newest_largest_page():
    upstream = Upstream(items(250), wrapping=Wrapping.BARE)

    assert api(upstream).list_all(THREADS) == items(100)
    assert upstream.params == [{"limit": 100, "order": "desc"}]


def test_a_short_first_page_is_the_whole_list():
    upstream = Upstream(items(42))

    assert api(upstream).list_all(FILES) == items(42)
    assert upstream.params == [{"offset": 0, "limit": 100}]


def test_without_a_total_pages_are_asked_a_window_at_a_time_until_a_short_page():
    upstream = Upstream(items(250))

    listed = api(upstream).list_all(FILES, params={"sort_by": "size"})

    assert listed == items(250)  # in order, each once
    assert upstream.starts == [100 * n for n in range(1 + LIST_ALL_WINDOW)]
    assert all(p["limit"] == 100 and p["sort_by"] == "size" for p in upstream.params)


def test_a_guess_asks_that_many_pages_at_once_from_the_start():
    upstream = Upstream(items(250))

    page = api(upstream).list_upto(FILES, limit=20_000, guess=LIST_ALL_WINDOW)

    assert page.items == items(250) and page.total == 250
    assert upstream.starts == [100 * n for n in range(LIST_ALL_WINDOW)]  # 300: past its end


def test_without_a_total_a_full_window_asks_the_next_one():
    upstream = Upstream(items(900))

    assert api(upstream).list_all(FILES) == items(900)
    # 0, then 100–400, then 500–800 (all full), then 900–1200: 900 is empty and ends it.
    assert upstream.starts == [100 * n for n in range(13)]


def test_a_list_exactly_one_page_long_ends_at_an_empty_page():
    upstream = Upstream(items(100))

    assert api(upstream).list_all(FILES) == items(100)
    assert upstream.starts[0:2] == [0, 100]


def test_with_a_total_every_page_left_is_asked_at_once():
    upstream = Upstream(items(1_050), wrapping=Wrapping.DATA, total=True)

    assert api(upstream).list_all(TOOLS) == items(1_050)
    assert upstream.starts == [100 * n for n in range(11)]


def test_skip_limit_kinds_page_with_skip():
    upstream = Upstream(items(230), wrapping=Wrapping.DATA)

    assert api(upstream).list_all(DEPLOYMENTS) == items(230)
    assert all("skip" in p and "offset" not in p for p in upstream.params)


def test_a_total_with_an_empty_first_page_stops():
    upstream = Upstream(payload={"data": [], "total": 500})

    assert api(upstream).list_all(TOOLS) == []
    assert len(upstream.calls) == 1


def test_a_whole_list_stops_at_the_safety_limit(monkeypatch):
    monkeypatch.setattr(resources_module, "LIST_ALL_LIMIT", 300)
    upstream = Upstream(items(1_000))

    assert api(upstream).list_all(FILES) == items(300)
    assert max(upstream.starts) == 200


def test_a_failed_page_fails_the_whole_list():
    upstream = Upstream(items(450), fail_at={200})

    with pytest.raises(errors.UpstreamUnavailableError):
        api(upstream).list_all(FILES)


def test_a_failure_past_the_short_page_is_not_the_lists():
    upstream = Upstream(items(150), fail_at={300})

    assert api(upstream).list_all(FILES) == items(150)


def test_a_failed_first_page_fails_the_list():
    upstream = Upstream(items(10), fail_at={0})

    with pytest.raises(errors.UpstreamUnavailableError):
        api(upstream).list_all(FILES)


def test_with_a_total_no_page_past_the_end_is_asked():
    upstream = Upstream(items(250), wrapping=Wrapping.DATA, total=True)

    assert api(upstream).list_all(TOOLS) == items(250)
    assert upstream.starts == [0, 100, 200]


# --- calls on one resource -----------------------------------------------------------------------


def test_an_id_goes_into_the_path_as_one_segment():
    upstream = Upstream(payload={"id": "a/b?c"})

    api(upstream).retrieve(FILES, "a/b?c")

    assert upstream.calls == [("GET", "v1/flow/files/a%2Fb%3Fc", Scope.TEAM, None)]


@pytest.mark.parametrize("bad_id", ["", ".", "..", "x\x00"])
def test_an_id_that_cannot_name_a_resource_is_not_found_before_any_call(bad_id):
    upstream = Upstream(payload={})

    with pytest.raises(errors.NotFoundError):
        api(upstream).retrieve(FILES, bad_id)
    assert upstream.calls == []


def test_a_detail_that_is_not_an_object_is_unreadable():
    with pytest.raises(errors.BadResponseError):
        api(Upstream(payload=[{"id": 1}])).retrieve(FILES, "file-1")


def test_a_kind_without_delete_or_action_sends_nothing():
    upstream = Upstream(payload={})

    with pytest.raises(errors.InvalidRequestError):
        api(upstream).delete(DEPLOYMENTS, "d-1")
    with pytest.raises(errors.InvalidRequestError):
        api(upstream).run_action(FINE_TUNES, "explode", "ft-1")
    assert upstream.calls == []


def test_an_action_is_sent_with_its_method_and_path():
    upstream = Upstream(payload={})

    api(upstream).run_action(FINE_TUNES, "cancel", "ft-1")

    assert upstream.calls == [("PUT", "v1/flow/fine-tunes/ft-1/cancel", Scope.TEAM, None)]


def test_a_sub_list_is_unwrapped_with_its_own_wrapping():
    upstream = Upstream(payload={"object": "list", "data": [{"id": "f"}]})

    assert api(upstream).sub_list(VECTOR_DBS, 0, "vdb 1") == [{"id": "f"}]
    assert upstream.calls[0][1] == "v1/flow/vectordb/vdb%201/files"


# --- Numbered pages (``page`` from 1, ``limit`` a page) -------------------------------------
NUMBERED = replace(FILES, pagination=Pagination.PAGE_LIMIT, list_params={})


def test_a_numbered_page_is_asked_by_its_number():
    upstream = Upstream(items(120))

    page = api(upstream).list_page(NUMBERED, offset=50, limit=50)

    assert [item["id"] for item in page.items] == [f"r-{n:05d}" for n in range(50, 100)]
    assert page.has_more
    assert upstream.calls[0][3] == {"page": 2, "limit": 50}


def test_a_numbered_list_ends_at_a_short_page_or_at_its_total():
    assert not api(Upstream(items(120))).list_page(NUMBERED, offset=100, limit=50).has_more
    counted = api(Upstream(items(100), total=True)).list_page(NUMBERED, offset=50, limit=50)
    assert not counted.has_more and counted.total == 100


def test_a_whole_numbered_list_is_read_page_after_page_without_gaps():
    upstream = Upstream(items(250))

    whole = api(upstream).list_all(NUMBERED)

    assert [item["id"] for item in whole] == [item["id"] for item in items(250)]
    pages = sorted(call[3]["page"] for call in upstream.calls)
    assert pages == list(range(1, len(pages) + 1))


def test_every_paging_style_is_covered_here():
    """The cases above use one kind of each style; a new style needs its own cases."""
    styles = {FILES.pagination, DEPLOYMENTS.pagination, THREADS.pagination, AGENTS.pagination}
    assert styles | {NUMBERED.pagination} == set(Pagination)


# --- An upstream that takes smaller pages than the catalog says ------------------------------
BIG_PAGES = replace(FILES, max_page_size=1000)


@pytest.fixture
def no_pages_learnt(monkeypatch):
    monkeypatch.setattr(resources_module, "_smaller_pages", {})


def test_an_upstream_that_silently_gives_pages_of_100_loses_nothing(no_pages_learnt):
    upstream = Upstream(items(250), cap=100)

    assert api(upstream).list_all(BIG_PAGES) == items(250)  # in order, no gap, none twice
    assert resources_module.page_size(BIG_PAGES) == 100  # learnt after two short pages


def test_an_upstream_that_refuses_large_pages_is_asked_smaller_ones(no_pages_learnt):
    upstream = Upstream(items(250), refuse_over=100)

    assert api(upstream).list_all(BIG_PAGES) == items(250)
    assert resources_module.page_size(BIG_PAGES) == 100
    assert all(p["limit"] <= 100 for p in upstream.params[1:])


def test_a_list_of_exactly_100_costs_one_more_call_and_teaches_nothing(no_pages_learnt):
    upstream = Upstream(items(100))

    assert api(upstream).list_all(BIG_PAGES) == items(100)
    assert upstream.starts == [0, 100]
    assert resources_module.page_size(BIG_PAGES) == 1000


def test_a_list_refused_for_another_reason_is_an_error_and_teaches_nothing(no_pages_learnt):
    upstream = Upstream(items(250), refuse_over=0)  # every page refused, whatever its size

    with pytest.raises(errors.InvalidRequestError):
        api(upstream).list_all(BIG_PAGES)
    assert resources_module.page_size(BIG_PAGES) == 1000
