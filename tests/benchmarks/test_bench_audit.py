"""The ownership audit: 10 saved teams plus the personal workspace, every kind with a few items,
the sandbox answering each call after 100 ms.

Prints (measured in this one run):
- the time until the audit data is complete with the parallel collection, against the same
  calls made one after another (ratio; the target is 0.2 or less);
- the same through the pages, fetched the way a browser does (the page, then the team
  sections six at a time, then the combined part);
- the CSV export of 10,000 rows: its size, time, and the process's memory growth while it is
  streamed (tracemalloc peak; the live server runs in this process).

Nothing about speed is asserted, only that every run completed with every team read.
"""

from __future__ import annotations

import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache

from dashboard.accounts.services import active_key, client_for_key
from dashboard.ownership.collect import collect
from dashboard.sandbox import factories, identity
from dashboard.sandbox.models import SandboxProject
from dashboard.teams.models import SavedTeam
from dashboard.teams.workspace import Team, personal
from tests.conftest import Member, Web, make_dashboard_user

pytestmark = pytest.mark.django_db(transaction=True)

TEAMS = 10
ITEMS_PER_KIND = 3
LATENCY_MS = 100
BROWSER_CONNECTIONS = 6  # what a browser opens per host over HTTP/1.1
EXPORT_ROWS = 10_000


def fill_team(team, user) -> None:
    for n in range(ITEMS_PER_KIND):
        factories.create_file(team, user, filename=f"data-{n}.jsonl")
        factories.create_fine_tune(team, user, experiment_name=f"run-{n}")
        factories.create_agent(team, user, name=f"agent-{n}")
        factories.create_deployment(team, user, name=f"deployment-{n}")
        factories.create_vector_db(team, user, name=f"kb-{n}")
        factories.create_project(team, user, name=f"project-{n}")
        factories.create_tool(team, user, name=f"tool-{n}")
        factories.create_data_job(team, user, name=f"job-{n}")


@pytest.fixture
def organisation(upstream, settings, tmp_path):
    """One upstream user in 10 teams with every kind, and their dashboard login."""
    settings.SANDBOX_STORAGE_DIR = tmp_path
    user, api_key = identity.create_user("auditor")
    teams = [identity.create_team(f"Team {n:02}", [(user, "Admin")]) for n in range(TEAMS)]
    for team in [identity.personal_team(user), *teams]:
        fill_team(team, user)

    member = Member("auditor", user, api_key, str(identity.personal_team(user).pk))
    dashboard_user = make_dashboard_user(
        "auditor", member=member, teams=[(team, team.name) for team in teams]
    )
    return dashboard_user, user, teams


def audit_teams(user) -> list[Team]:
    saved = SavedTeam.objects.filter(user=user)
    return [personal(), *(Team(t.team_id, t.label) for t in saved)]


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def assert_complete(collection) -> int:
    assert all(not audit.failures for audit in collection.teams.values())
    return sum(len(audit.rows) for audit in collection.teams.values())


def test_audit_collection_and_export(organisation, live_server, settings):
    user, upstream_user, teams = organisation
    settings.SANDBOX_LATENCY_MS = LATENCY_MS
    client = client_for_key(active_key(user))
    targets = audit_teams(user)
    calls = len(targets) * 8

    parallel_s, parallel = timed(lambda: collect(client, targets))
    sequential_s, sequential = timed(lambda: collect(client, targets, max_workers=1))
    rows = assert_complete(parallel)
    assert rows == assert_complete(sequential) == len(targets) * 8 * ITEMS_PER_KIND

    web = Web(live_server.url)
    web.login("auditor")
    cache.clear()

    def through_the_pages():
        page = web.get("/audit/")
        keys = [t.key for t in targets]
        with ThreadPoolExecutor(BROWSER_CONNECTIONS) as pool:
            sections = list(pool.map(lambda key: web.get(f"/audit/team/{key}/"), keys))
        combined = web.get("/audit/combined/")
        return page, sections, combined

    pages_s, (page, sections, combined) = timed(through_the_pages)
    assert page.status_code == 200 and all(s.status_code == 200 for s in sections)
    assert "No longer a member" not in combined.text and f"{rows} of {rows}" in combined.text
    cache.clear()
    first_paint_s, _ = timed(lambda: web.get("/audit/"))

    print(
        f"\naudit of {len(targets)} teams x 8 kinds = {calls} list calls, {rows} resources, "
        f"sandbox latency {LATENCY_MS} ms"
        f"\n  collection, parallel:        {parallel_s:6.2f} s"
        f"\n  collection, one by one:      {sequential_s:6.2f} s"
        f"\n  ratio parallel/sequential:   {parallel_s / sequential_s:6.3f}  (target <= 0.2)"
        f"\n  page shell (no upstream):    {first_paint_s:6.3f} s"
        f"\n  page + {len(targets)} sections ({BROWSER_CONNECTIONS} at a time) + combined: "
        f"{pages_s:6.2f} s; ratio to one by one {pages_s / sequential_s:6.3f}"
    )

    # --- The CSV export of 10,000 rows ---------------------------------------------------
    settings.SANDBOX_LATENCY_MS = 0
    extra, remainder = divmod(EXPORT_ROWS - rows, TEAMS)
    for index, team in enumerate(teams):
        SandboxProject.objects.bulk_create(
            SandboxProject(team=team, creator=upstream_user, name=f"bulk {n}", description="")
            for n in range(extra + (remainder if index == 0 else 0))
        )
    cache.clear()
    web.get("/audit/?wait=1")  # the snapshot the export reads, as after a visit

    def stream_export():
        response = web.http.get(live_server.url + "/audit/export.csv", stream=True, timeout=120)
        size = lines = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            lines += chunk.count(b"\n")
        return response, size, lines

    def table_page():  # the same snapshot read and sorted, without the CSV
        return web.get("/audit/?kind=projects"), 0, 0

    export_s, (response, size, lines), export_growth = measured(stream_export)
    _, _, page_growth = measured(table_page)
    assert response.status_code == 200
    assert lines - 1 == EXPORT_ROWS

    print(
        f"CSV export: {lines - 1} rows, {size / 1024:.0f} KiB in {export_s:.2f} s "
        f"(tracemalloc on)"
        f"\n  memory growth while it streams (tracemalloc peak): {export_growth / 1024**2:.1f} MiB"
        f" = {export_growth / size:.2f}x the CSV's size"
        f"\n  the table page over the same snapshot, for comparison: "
        f"{page_growth / 1024**2:.1f} MiB (so the CSV itself adds "
        f"{(export_growth - page_growth) / 1024**2:+.1f} MiB)"
    )


def measured(action):
    """(seconds, result, peak memory growth in bytes) of ``action``, this process's threads
    (the live server's included) traced by tracemalloc."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        seconds, result = timed(action)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seconds, result, peak - before
