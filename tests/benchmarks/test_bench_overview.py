"""The overview's cost in upstream round trips, and the time to render one list page of a
1,000-item upstream list. The sandbox answers every call after 100 ms, like a remote upstream.

Run with ``.venv/bin/python -m pytest tests/benchmarks/test_bench_overview.py -s -q``. Figures
are measured in one run and printed; only completion is asserted.

The test live server (Python's ``http.server`` underneath) sends a response in several small
writes; with keep-alive connections, Nagle's algorithm and delayed ACKs then hold each answer
back by about 40 ms. That is a property of the test server, not of the dashboard or of a real
upstream, so it is switched off here (TCP_NODELAY) for every connection the server accepts.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.accounts.services import active_key, client_for_key
from dashboard.resources import selectors
from dashboard.sandbox.models import SandboxFineTune
from dashboard.upstream import catalog
from tests.conftest import team_url
from tests.resources.helpers import bulk_files, row_ids

pytestmark = pytest.mark.django_db(transaction=True)

LATENCY_MS = 100
REPEATS = 7


@pytest.fixture(autouse=True)
def no_delayed_acks(monkeypatch):
    from django.core.servers.basehttp import WSGIRequestHandler

    monkeypatch.setattr(WSGIRequestHandler, "disable_nagle_algorithm", True)


def median_seconds(action, repeats: int = REPEATS) -> float:
    action()  # warm up: templates, connections
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def bulk_fine_tunes(team, user, count: int) -> None:
    start = timezone.now() - timedelta(days=1)
    SandboxFineTune.objects.bulk_create(
        [
            SandboxFineTune(
                id=f"ft-bench-{n:05d}",
                team=team,
                creator=user,
                status="completed",
                model="base",
                experiment_name=f"run-{n:05d}",
                created_at=start + timedelta(seconds=n),
                updated_at=start + timedelta(seconds=n),
            )
            for n in range(count)
        ],
        batch_size=500,
    )


@pytest.fixture
def separate_upstream(org, settings):
    """The sandbox in its own gunicorn process: its CPU work does not compete with the
    dashboard's for one process."""
    from tests.benchmarks.servers import separate_sandbox

    with separate_sandbox(settings, LATENCY_MS):
        yield


def test_overview_costs_about_one_upstream_round_trip(org, alice_web, settings, separate_upstream):
    from django.contrib.auth import get_user_model

    key = active_key(get_user_model().objects.get(username="alice"))
    client = client_for_key(key, str(org.team_a.pk))
    kinds = [kind for kind in catalog.team_kinds() if kind.in_overview]

    one_call = median_seconds(lambda: client.resources.list_page(catalog.FILES, limit=50))
    sequential = median_seconds(
        lambda: [selectors.overview_panel_call(client, kind)() for kind in kinds], repeats=3
    )
    overview = median_seconds(lambda: alice_web.get(team_url(org.team_a)).raise_for_status())

    print()
    print(f"Overview benchmark: sandbox latency {LATENCY_MS} ms, {len(kinds)} panels")
    print(f"  one upstream list call           {one_call * 1000:8.1f} ms")
    print(f"  overview page (parallel panels)  {overview * 1000:8.1f} ms")
    print(f"  one call per kind in sequence    {sequential * 1000:8.1f} ms")
    print(f"  RATIO overview / one call        {overview / one_call:8.2f}   (target <= 1.3)")
    print(f"  ratio sequence / one call        {sequential / one_call:8.2f}")
    assert overview > 0


def test_one_list_page_of_a_thousand_item_upstream_list(org, alice_web, settings):
    bulk_files(org.team_a, org.alice.sandbox_user, 1_000)
    bulk_fine_tunes(org.team_a, org.alice.sandbox_user, 1_000)
    files, fine_tunes = team_url(org.team_a, "r/files/"), team_url(org.team_a, "r/fine-tunes/")
    pages = {
        "files, page 1 (the upstream pages: 1 call)": files,
        "files, page 20 (the upstream pages: 1 call)": files + "?page=20",
        "files, search (whole list here: 10 calls)": files + "?q=doc-009",
        "files, sort by creator (whole list here)": files + "?sort=created_by&page=7",
        "fine-tunes, page 1 (no upstream paging: 1 call)": fine_tunes,
        "fine-tunes, page 20, sorted here": fine_tunes + "?sort=-experiment_name&page=20",
    }
    for path in pages.values():
        assert row_ids(alice_web.get(path).text), path

    print()
    for latency in (0, LATENCY_MS):
        settings.SANDBOX_LATENCY_MS = latency
        print(f"List page of a 1,000-item upstream list, sandbox latency {latency} ms:")
        for label, path in pages.items():
            seconds = median_seconds(lambda path=path: alice_web.get(path).raise_for_status(), 5)
            print(f"  {label:<50} {seconds * 1000:8.1f} ms")
