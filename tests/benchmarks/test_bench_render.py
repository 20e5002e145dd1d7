"""The dashboard's own CPU per page: 50-row lists, the overview, a detail page, and Django's
sign-in page for reference.

Each request goes through Django's test client in this process, and ``time.process_time``
around it counts every CPU second this process spends on it: middleware, the upstream calls'
client side (the overview's worker threads too), building rows and rendering the template. The
sandbox answers from its own gunicorn process with no added latency, so its CPU is not counted.

The test client's own bookkeeping (it keeps a copy of each template's context) is counted too,
as it is on every figure here, the sign-in page's included.

Run with ``make bench`` or ``.venv/bin/python -m pytest tests/benchmarks/test_bench_render.py
-s -q -p no:randomly``. ``BENCH_PROFILE=1`` also prints where a files list page spends its CPU
(``BENCH_PROFILE=/tmp/list.prof`` keeps the profile; ``BENCH_PAGE=overview`` profiles another
page; worker threads are not in the profile). Figures are printed, not asserted; what is
asserted is that each page rendered what it should (200, 50 rows), so a broken setup cannot
print a fast figure.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dashboard.sandbox import factories
from dashboard.sandbox.models import SandboxAgent, SandboxFineTune
from dashboard.upstream import catalog
from tests.conftest import make_dashboard_user, team_url
from tests.resources.helpers import bulk_files, row_ids

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 25
ROWS = 50
ITEMS = 60  # more than a page, so each list is paged

# Issue 19's targets and the figures measured before its cheap rendering, in ms, when Django's
# sign-in page cost SIGN_IN_THEN: as multiples of the sign-in page they hold on any machine.
TARGETS = {"list": (8.0, (16.0, 20.0)), "overview": (10.0, (20.0, 20.0))}
SIGN_IN_THEN = 1.8


@pytest.fixture
def separate_upstream(org, settings):
    from tests.benchmarks.servers import separate_sandbox

    with separate_sandbox(settings, latency_ms=0):
        yield


def bulk_agents(team, users, count: int) -> None:
    start = timezone.now() - timedelta(days=2)
    SandboxAgent.objects.bulk_create(
        [
            SandboxAgent(
                id=f"agent-bench-{n:05d}",
                team=team,
                creator=users[n % len(users)],
                name=f"Agent {n:05d}",
                instructions="You are a helpful assistant.",
                status=("Active", "Inactive", "Pending")[n % 3],
                model_id=factories.DEFAULT_MODEL,
                created_at=start + timedelta(minutes=n),
                updated_at=start + timedelta(minutes=n),
            )
            for n in range(count)
        ]
    )


def bulk_fine_tunes(team, users, count: int) -> None:
    start = timezone.now() - timedelta(days=3)
    SandboxFineTune.objects.bulk_create(
        [
            SandboxFineTune(
                id=f"ft-bench-{n:05d}",
                team=team,
                creator=users[n % len(users)],
                status=("completed", "failed", "cancelled")[n % 3],
                model=factories.DEFAULT_MODEL,
                experiment_name=f"run-{n:05d}",
                created_at=start + timedelta(minutes=n),
                updated_at=start + timedelta(minutes=n),
            )
            for n in range(count)
        ]
    )


@pytest.fixture
def team_with_pages(org, separate_upstream):
    """Team A with more than a page of files, agents and fine-tunes (by Alice and Bob, both
    dashboard users), something of every other kind for the overview; Alice signed in."""
    team, users = org.team_a, [org.alice.sandbox_user, org.bob.sandbox_user]
    bulk_files(team, users[0], ITEMS // 2, prefix="alice")
    bulk_files(team, users[1], ITEMS // 2, prefix="bob")
    bulk_agents(team, users, ITEMS)
    bulk_fine_tunes(team, users, ITEMS)
    factories.create_deployment(team, users[0], name="Serving")
    factories.create_vector_db(team, users[1], name="Knowledge")
    factories.create_project(team, users[0], name="Project")
    factories.create_tool(team, users[1], name="Search")
    factories.create_python_function(team, users[0], name="Add", code="def add(a, b): ...\n")
    factories.create_data_job(team, users[1], name="Principles")
    alice = make_dashboard_user("alice", member=org.alice, teams=[(team, "Team A")])
    make_dashboard_user("bob", member=org.bob, teams=[(team, "Team A")])
    client = Client()
    client.force_login(alice)
    return client


def cpu_ms(client: Client, path: str):
    started = time.process_time()
    response = client.get(path)
    return (time.process_time() - started) * 1000, response


def check_page(label: str, response, *, rows: int | None = None, marker: str = "") -> None:
    """Fail loudly when a page is not what is being measured."""
    html = response.content.decode()
    assert response.status_code == 200, f"{label}: HTTP {response.status_code}"
    assert 'data-testid="upstream-error"' not in html, f"{label}: an upstream error on the page"
    if rows is not None:
        assert len(row_ids(html)) == rows, f"{label}: {len(row_ids(html))} rows, not {rows}"
    if marker:
        assert marker in html, f"{label}: {marker!r} missing"


def test_dashboard_cpu_per_page(org, team_with_pages):
    client = team_with_pages
    team = org.team_a
    overview_kinds = [kind for kind in catalog.team_kinds() if kind.in_overview]
    pages = {
        "files list (50 rows)": (team_url(team, "r/files/"), "list", {"rows": ROWS}),
        "agents list (50 rows)": (team_url(team, "r/agents/"), "list", {"rows": ROWS}),
        "fine-tunes list (50 rows)": (team_url(team, "r/fine-tunes/"), "list", {"rows": ROWS}),
        "overview": (
            team_url(team),
            "overview",
            {"marker": f'data-testid="panel-{overview_kinds[-1].slug}"'},
        ),
        "fine-tune detail": (
            team_url(team, "r/fine-tunes/ft-bench-00007/"),
            "",
            {"marker": 'data-testid="fields"'},
        ),
    }
    anonymous = Client()
    for label, (path, _, expect) in pages.items():  # warm up: templates, connections, caches
        check_page(label, client.get(path), **expect)
    check_page("sign-in", anonymous.get("/accounts/login/"), marker="csrfmiddlewaretoken")

    timings: dict[str, list[float]] = {label: [] for label in [*pages, "Django sign-in page"]}
    for _ in range(ROUNDS):
        for label, (path, _, expect) in pages.items():
            ms, response = cpu_ms(client, path)
            check_page(label, response, **expect)
            timings[label].append(ms)
        ms, response = cpu_ms(anonymous, "/accounts/login/")
        assert response.status_code == 200
        timings["Django sign-in page"].append(ms)

    sign_in = statistics.median(timings["Django sign-in page"])
    print()
    print(
        f"Dashboard CPU per request (ms; process time, sandbox in its own process at 0 ms "
        f"latency; {ROUNDS} rounds); x: median as a multiple of the sign-in page's"
    )
    print(f"  {'page':<28}{'min':>7}{'median':>8}{'max':>7}{'x':>7}   target          before")
    for label, values in timings.items():
        median = statistics.median(values)
        line = f"  {label:<28}{min(values):7.1f}{median:8.1f}{max(values):7.1f}"
        line += f"{median / sign_in:6.1f}x"
        group = pages[label][1] if label in pages else ""
        if group in TARGETS:
            target, (low, high) = TARGETS[group]
            missed = "" if median <= target else " MISSED"
            before, times = f"{low:g}", f"{low / SIGN_IN_THEN:.1f}"
            if high != low:
                before, times = f"{before}-{high:g}", f"{times}-{high / SIGN_IN_THEN:.1f}"
            line += (
                f"   <= {target:g} ms ({target / SIGN_IN_THEN:.1f}x){missed:<7}"
                f" {before} ms ({times}x)"
            )
        print(line)

    if os.environ.get("BENCH_PROFILE"):
        profiled = os.environ.get("BENCH_PAGE", "files list (50 rows)")
        profile = cProfile.Profile(time.process_time)  # CPU, not waiting
        profile.enable()
        for _ in range(10):
            client.get(pages[profiled][0])
        profile.disable()
        if os.environ["BENCH_PROFILE"].endswith(".prof"):
            profile.dump_stats(os.environ["BENCH_PROFILE"])
        print(f"\nWhere 10 requests of the {profiled} spend their CPU time (this thread's):")
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
