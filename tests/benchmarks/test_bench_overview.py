"""The overview and a long list, in upstream round trips, against the strongest baseline: the
official SDK's async client (``AsyncSeekrFlow``) making the same reads with ``asyncio.gather``.
The sandbox runs in its own gunicorn process and answers every call after 100 ms, like a remote
upstream.

Run with ``make bench`` (or ``.venv/bin/python -m pytest tests/benchmarks/test_bench_overview.py
-s -q -p no:randomly``). Figures are min / median / max over several rounds of one run, and
ratios are of medians of that run. Only that the setup is what it claims is asserted: every
panel filled, every answer a 200, the search finding what it should, and a follow-up costing
no upstream call.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.cache import caches
from seekrai import AsyncSeekrFlow

from dashboard.accounts.services import active_key, client_for_key
from dashboard.resources import selectors
from dashboard.upstream import catalog, listcache
from tests.benchmarks.conftest import fill_team
from tests.benchmarks.measure import measured, median, show, show_ratio
from tests.conftest import team_url
from tests.resources.helpers import bulk_files, row_ids

pytestmark = pytest.mark.django_db(transaction=True)

LATENCY_MS = 100
SEARCH_FILES = 2_000
ITEMS_PER_KIND = 5


@pytest.fixture
def separate_upstream(org, settings):
    from tests.benchmarks.servers import separate_sandbox

    with separate_sandbox(settings, LATENCY_MS, threads=16):
        yield


def sdk_for(settings, org, team) -> AsyncSeekrFlow:
    """The SDK's async client for alice in ``team``, made once and reused every round."""
    return AsyncSeekrFlow(base_url=settings.UPSTREAM_BASE_URL, api_key=org.alice.api_key,
                          supplied_headers={"x-team-id": str(team.pk)}, max_retries=0)


def assert_latency(one_call: list[float]) -> None:
    """The sandbox must answer after its latency, or every ratio here means nothing."""
    assert min(one_call) >= LATENCY_MS / 1000, (
        f"one upstream call took {min(one_call) * 1000:.0f} ms, under the sandbox's "
        f"{LATENCY_MS} ms latency: the benchmark is not reaching the slow sandbox"
    )


class UpstreamCalls:
    """Counts the calls this process sends to the upstream (the dashboard's, in the live
    server's threads), whatever sends them."""

    def __init__(self, base: str):
        self.base, self.count, self.lock = base, 0, threading.Lock()

    @contextlib.contextmanager
    def counting(self):
        original = requests.Session.request
        calls = self

        def request(session, method, url, *args, **kwargs):
            if str(url).startswith(calls.base):
                with calls.lock:
                    calls.count += 1
            return original(session, method, url, *args, **kwargs)

        requests.Session.request = request
        try:
            yield self
        finally:
            requests.Session.request = original


async def _made(factory):
    """Build an async client inside the loop that will use it."""
    return factory()


def sdk_overview_reads(sdk: AsyncSeekrFlow):
    """What the overview reads, as a programmer would ask the SDK for it: each kind's list with
    the largest page the upstream takes, all at once."""
    return [
        sdk.files.list(limit=catalog.FILES.max_page_size, offset=0),
        sdk.fine_tuning.list(),
        sdk.agents.list_agents(),
        sdk.deployments.list(skip=0, limit=catalog.DEPLOYMENTS.max_page_size),
        sdk.vector_database.list(),
        sdk.projects.list(skip=0, limit=catalog.PROJECTS.max_page_size),
        sdk.tools.list(offset=0, limit=catalog.TOOLS.max_page_size),
        sdk.agents.custom_functions.list_functions(
            limit=catalog.PYTHON_FUNCTIONS.max_page_size, offset=0
        ),
        sdk.data_jobs.list(limit=catalog.DATA_JOBS.max_page_size, offset=0),
    ]


def test_overview_against_one_call_and_the_sdk(
    org, alice_web, settings, separate_upstream, event_loop_thread
):
    fill_team(org.team_a, org.alice.sandbox_user, ITEMS_PER_KIND)
    user = get_user_model().objects.get(username="alice")
    client = client_for_key(active_key(user), str(org.team_a.pk))
    kinds = [kind for kind in catalog.team_kinds() if kind.in_overview]
    sdk = event_loop_thread.run(_made(lambda: sdk_for(settings, org, org.team_a)))

    def overview() -> None:
        response = alice_web.get(team_url(org.team_a))
        assert response.status_code == 200, response.status_code
        assert response.text.count('data-testid="count-') == len(kinds), "a panel failed"

    async def gather() -> None:
        answers = await asyncio.gather(*sdk_overview_reads(sdk))
        assert len(answers) == len(kinds), "not one read per panel"

    async def sdk_one_call() -> None:
        await sdk.files.list(limit=50, offset=0)

    figures = {
        "one call (dashboard client, 50 files)": measured(
            lambda: client.resources.list_page(catalog.FILES, limit=50)
        ),
        "one call (SDK async, 50 files)": measured(lambda: event_loop_thread.run(sdk_one_call())),
        "SDK async: gather of the same reads": measured(lambda: event_loop_thread.run(gather())),
        "overview page": measured(overview),
        "the same reads one after another": measured(
            lambda: [selectors.overview_panel_call(client, kind)() for kind in kinds], rounds=3
        ),
    }
    assert_latency(figures["one call (dashboard client, 50 files)"])
    print()
    print(f"Overview: sandbox latency {LATENCY_MS} ms, {len(kinds)} panels, "
          f"{ITEMS_PER_KIND} items of each kind")
    for label, seconds in figures.items():
        show(label, seconds, width=40)
    one = figures["one call (dashboard client, 50 files)"]
    page, sdk = figures["overview page"], figures["SDK async: gather of the same reads"]
    show_ratio("RATIO overview / one call", page, one, "<= 1.15; was 1.33", width=40)
    show_ratio("RATIO overview / SDK gather", page, sdk, "<= 1.03; was 1.08", width=40)
    show_ratio("ratio SDK gather / one call", sdk, one, width=40)
    show_ratio("ratio one after another / one call", figures["the same reads one after another"],
               one, width=40)


def test_searching_a_long_list(org, alice_web, settings, separate_upstream, event_loop_thread):
    bulk_files(org.team_a, org.alice.sandbox_user, SEARCH_FILES)
    user = get_user_model().objects.get(username="alice")
    client = client_for_key(active_key(user), str(org.team_a.pk))
    listing = team_url(org.team_a, "r/files/")
    calls = UpstreamCalls(settings.UPSTREAM_BASE_URL)
    sdk = event_loop_thread.run(_made(lambda: sdk_for(settings, org, org.team_a)))
    needle, found = "doc-01234", ["file-doc-01234"]

    def search(query: str = needle, expect=found) -> None:
        response = alice_web.get(f"{listing}?q={query}")
        assert response.status_code == 200, response.status_code
        assert row_ids(response.text) == expect, "the search did not find what it should"

    def nothing_known() -> None:
        caches["lists"].clear()

    def list_page_first() -> None:
        caches["lists"].clear()
        assert len(row_ids(alice_web.get(listing).text)) == 50

    async def sdk_search() -> None:
        """The whole list with the SDK, its pages side by side (knowing it has two), then
        searched: what a programmer who knows the list's length would write."""
        size = catalog.FILES.max_page_size
        pages = await asyncio.gather(
            *(sdk.files.list(limit=size, offset=offset) for offset in range(0, SEARCH_FILES, size))
        )
        matches = [f.id for page in pages for f in page.data if needle in f.filename]
        assert matches == found

    figures = {
        "one call (50 files)": measured(
            lambda: client.resources.list_page(catalog.FILES, limit=50)
        ),
        "SDK async: both pages gathered, searched": measured(
            lambda: event_loop_thread.run(sdk_search())
        ),
        "search, nothing known of the list": measured(search, before=nothing_known),
        "search, after the list's first page": measured(search, before=list_page_first),
        "search, list changed, length known": measured(search, before=listcache.forget_everything),
    }
    assert_latency(figures["one call (50 files)"])
    search()
    with calls.counting():
        follow_ups = measured(lambda: search("doc-0199", [f"file-doc-0199{n}" for n in
                                                         range(9, -1, -1)]))
    assert calls.count == 0, f"a follow-up search asked the upstream {calls.count} times"
    figures["follow-up search (0 upstream calls)"] = follow_ups

    print()
    print(f"Search over {SEARCH_FILES} files: sandbox latency {LATENCY_MS} ms, "
          f"pages of {catalog.FILES.max_page_size}")
    for label, seconds in figures.items():
        show(label, seconds, width=44)
    one = figures["one call (50 files)"]
    for label in ("search, nothing known of the list", "search, after the list's first page",
                  "search, list changed, length known"):
        show_ratio(f"RATIO {label.removeprefix('search, ')} / one call", figures[label], one,
                   "<= 2; was 6.9", width=44)
    show_ratio("ratio SDK gathered / one call", figures["SDK async: both pages gathered, searched"],
               one, width=44)
    print(f"  follow-up search: {calls.count} upstream calls, median "
          f"{median(follow_ups) * 1000:.1f} ms (was 21 calls)")
