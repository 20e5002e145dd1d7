"""The dashboard's own CPU per page: 50-row lists, the overview, a detail page, and Django's
sign-in page for reference.

Each request goes through Django's test client in this process, and ``time.process_time``
around it counts every CPU second this process spends on it: middleware, the upstream calls'
client side (the overview's worker threads too), building rows and rendering the template. The
sandbox answers from its own gunicorn process with no added latency, so its CPU is not counted.

The test client's own bookkeeping (it keeps a copy of each template's context) is counted too,
as it is on every figure here, the sign-in page's included.

Run with ``make bench`` or ``.venv/bin/python -m pytest tests/benchmarks/test_bench_render.py
-s -q -p no:randomly``; ``BENCH_PROFILE=1`` also prints where files list pages spend their
time (``BENCH_PROFILE=/tmp/list.prof`` keeps the profile too). Figures are printed, not
asserted; what is asserted is that each page rendered what it should (200, 50 rows), so a
broken setup cannot print a fast figure.
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

ROUNDS = 15
ROWS = 50
ITEMS = 60  # more than a page, so each list is paged

# (label, target ms, figure measured before the cheap rendering of issue 19)
TARGETS = {
    "list": (8.0, "16-20"),
    "overview": (10.0, "20"),
}


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

    print()
    print(
        f"Dashboard CPU per request (ms; process time, sandbox in its own process at 0 ms "
        f"latency; {ROUNDS} rounds)"
    )
    print(f"  {'page':<28}{'min':>7}{'median':>8}{'max':>7}   target   before")
    for label, values in timings.items():
        group = pages[label][1] if label in pages else ""
        target, before = TARGETS.get(group, (None, ""))
        median = statistics.median(values)
        verdict = ""
        if target is not None:
            verdict = f"<= {target:<4g}{'' if median <= target else ' MISSED':<7} {before} ms"
        print(f"  {label:<28}{min(values):7.1f}{median:8.1f}{max(values):7.1f}   {verdict}")

    if os.environ.get("BENCH_PROFILE"):
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(10):
            client.get(pages["files list (50 rows)"][0])
        profile.disable()
        if os.environ["BENCH_PROFILE"].endswith(".prof"):
            profile.dump_stats(os.environ["BENCH_PROFILE"])
        print("\nWhere 10 files list pages spend their time:")
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
