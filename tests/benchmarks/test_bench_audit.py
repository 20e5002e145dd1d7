"""The ownership audit against the strongest baseline: the official SDK's async client
(``AsyncSeekrFlow``, one per team with its ``x-team-id``) listing every kind of every team with
one ``asyncio.gather``. 10 saved teams plus the personal workspace, every kind with a few items;
the sandbox runs in its own gunicorn process, with threads enough for every call at once, and
answers each call after 100 ms, like a remote upstream.

Run with ``make bench`` (or ``.venv/bin/python -m pytest tests/benchmarks/test_bench_audit.py
-s -q -p no:randomly``). Figures are min / median / max over several rounds of one run, and
ratios are of medians of that run; each round runs the gather, the collection and the browser
one after another, so that all three meet the machine alike. Printed:

- SDK async: every kind of every team in one ``asyncio.gather`` (the strong baseline);
- SDK, one after another: the same calls awaited one by one (the weak baseline);
- the dashboard's collection (``ownership.collect``) in this process, nothing cached;
- the audit complete in headless Chromium: from the start of the navigation to ``/audit/``
  until every team's section and the combined part (matrix and table) are filled in and shown
  (the frame showing them rendered), nothing cached; the browser opens at most 6 connections
  to the dashboard, as it does to any host;
  and the CPU time Chromium's own processes spent meanwhile: the browser runs on the machine
  the sandbox and the dashboard run on (and share its cores with them), as a person's browser
  would not;
- the same two requests without a browser (``/audit/`` and its one htmx request, over HTTP
  with ``requests``): what the dashboard itself adds to the upstream's time;
- the CSV export of 10,000 rows: its size, time, and the process's memory growth while it is
  streamed (tracemalloc peak; the live server runs in this process).

The SDK's clients are made once and kept across rounds (their connections too), as a
long-lived script would keep them. Nothing about speed is asserted, only that the setup is what
it claims: every answer a 200, every kind of every team read with the items it holds, nothing
shown as failed.
"""

from __future__ import annotations

import asyncio
import os
import time
import tracemalloc
from collections.abc import Callable

import pytest
from django.core.cache import cache
from seekrai import AsyncSeekrFlow

from dashboard.accounts.services import active_key, client_for_key
from dashboard.ownership.collect import collect
from dashboard.sandbox import factories, identity
from dashboard.sandbox.models import SandboxProject
from dashboard.teams.models import SavedTeam
from dashboard.teams.workspace import Team, personal
from dashboard.upstream import catalog
from tests.benchmarks.conftest import fill_team
from tests.benchmarks.measure import ROUNDS, measured, show, show_ratio
from tests.benchmarks.test_bench_overview import sdk_overview_reads
from tests.browser.conftest import chromium as chromium  # noqa: F401  (the browser fixture)
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, Member, Web, make_dashboard_user

pytestmark = pytest.mark.django_db(transaction=True)

TEAMS = 10
ITEMS_PER_KIND = 3
LATENCY_MS = 100
# Threads per sandbox worker (it has two): a round's every call at once, however the two
# workers share the connections, so threads are never what either side waits for.
SANDBOX_THREADS = 128
EXPORT_ROWS = 10_000
KINDS = catalog.team_kinds()


def fill(team, user) -> None:
    fill_team(team, user, ITEMS_PER_KIND)
    for n in range(ITEMS_PER_KIND):  # the audit reads every team kind, functions too
        factories.create_python_function(team, user, name=f"fn-{n}", code="def main():\n  pass\n")


@pytest.fixture
def organisation(upstream, settings, tmp_path):
    """One upstream user in 10 teams with every kind, and their dashboard login."""
    settings.SANDBOX_STORAGE_DIR = tmp_path
    user, api_key = identity.create_user("auditor")
    teams = [identity.create_team(f"Team {n:02}", [(user, "Admin")]) for n in range(TEAMS)]
    for team in [identity.personal_team(user), *teams]:
        fill(team, user)

    member = Member("auditor", user, api_key, str(identity.personal_team(user).pk))
    dashboard_user = make_dashboard_user(
        "auditor", member=member, teams=[(team, team.name) for team in teams]
    )
    return dashboard_user, user, api_key, teams


@pytest.fixture
def separate_upstream(organisation, settings):
    from tests.benchmarks.servers import separate_sandbox

    with separate_sandbox(settings, LATENCY_MS, threads=SANDBOX_THREADS):
        yield


def audit_teams(user) -> list[Team]:
    saved = SavedTeam.objects.filter(user=user)
    return [personal(), *(Team(t.team_id, t.label) for t in saved)]


def items_in(answer) -> int:
    return len(answer if isinstance(answer, list) else answer.data)


# Run in every page the browser opens: the moment (ms since the navigation started) the audit is
# complete on screen, i.e. every team's section with its status badge and the combined part's
# table are in the page and the frame showing them has been rendered (style, layout and paint:
# the task after the next animation frame), is kept in ``window.auditComplete``.
COMPLETE_WHEN = """
(() => {
  const complete = () => {
    const sections = document.querySelectorAll('[data-testid="audit-team"]');
    if (sections.length !== TEAMS) return false;
    for (const section of sections) {
      if (!section.querySelector('.audit-team-head .badge')) return false;
    }
    return !!document.querySelector('#audit-combined [data-testid="audit-table"]');
  };
  const observer = new MutationObserver(() => {
    if (complete()) {
      observer.disconnect();
      requestAnimationFrame(() => setTimeout(() => { window.auditComplete = performance.now(); }));
    }
  });
  observer.observe(document, {childList: true, subtree: true});
})();
"""


def test_audit_against_the_sdk(
    organisation, live_server, settings, separate_upstream, event_loop_thread, chromium
):
    user, upstream_user, api_key, teams = organisation
    client = client_for_key(active_key(user))
    targets = audit_teams(user)
    calls, rows = len(targets) * len(KINDS), len(targets) * len(KINDS) * ITEMS_PER_KIND

    async def made() -> list[AsyncSeekrFlow]:
        """One client per team with its team header (none for the personal workspace), made
        inside the loop that uses them."""
        return [
            AsyncSeekrFlow(
                base_url=settings.UPSTREAM_BASE_URL,
                api_key=api_key,
                max_retries=0,
                supplied_headers={} if team.is_personal else {"x-team-id": team.id},
            )
            for team in targets
        ]

    sdks = event_loop_thread.run(made())

    def check_answers(answers: list) -> None:
        assert len(answers) == calls, "not one call per team and kind"
        assert [items_in(answer) for answer in answers] == [ITEMS_PER_KIND] * calls, (
            "a team's kind did not list what it holds"
        )

    async def sdk_gather() -> None:
        check_answers(await asyncio.gather(*(r for sdk in sdks for r in sdk_overview_reads(sdk))))

    async def sdk_one_by_one() -> None:
        check_answers([await read for sdk in sdks for read in sdk_overview_reads(sdk)])

    async def closed() -> None:
        await asyncio.gather(*(sdk.aclose() for sdk in sdks))

    def collection() -> None:
        collected = collect(client, targets)
        assert [key for key, audit in collected.teams.items() if audit.failures] == []
        assert sum(len(audit.rows) for audit in collected.teams.values()) == rows

    # --- The audit in a real browser -----------------------------------------------------
    context = chromium.new_context(viewport={"width": 1366, "height": 850})
    context.set_default_timeout(30_000)
    context.add_init_script(COMPLETE_WHEN.replace("TEAMS", str(len(targets))))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server.url, "auditor", PASSWORD)

    def audit_in_the_browser() -> float:
        """Seconds from the start of the navigation until the audit is complete."""
        cache.clear()  # the audit's snapshots: every team is asked again
        response = page.goto(live_server.url + "/audit/", wait_until="commit")
        assert response.status == 200, response.status
        page.wait_for_function("() => window.auditComplete !== undefined", polling=50)
        seconds = page.evaluate("() => window.auditComplete") / 1000
        assert page.get_by_test_id("audit-team").count() == len(targets)
        assert page.get_by_test_id("audit-count").inner_text().startswith(f"{rows} of {rows}")
        shown = page.locator("main").inner_text()
        assert "not read" not in shown and "No longer a member" not in shown, "a team failed"
        assert not errors, errors
        return seconds

    browser_cpu: list[float] = []

    def audit_in_the_browser_cpu() -> float:
        before = browser_cpu_seconds()
        seconds = audit_in_the_browser()
        if before is not None:
            browser_cpu.append(browser_cpu_seconds() - before)
        return seconds

    web = Web(live_server.url)
    web.login("auditor")

    def without_a_browser() -> None:
        """The page and its one request, as the browser asks for them, over HTTP."""
        cache.clear()
        page_html = web.get("/audit/").text
        assert 'data-testid="audit-combined-waiting"' in page_html, "the page was complete"
        answer = web.get("/audit/combined/", headers={"HX-Request": "true"})
        assert answer.status_code == 200, answer.status_code
        assert answer.text.count('data-testid="audit-team"') == len(targets)
        assert "not read" not in answer.text, "a team failed"

    figures = interleaved(
        {
            "SDK async: gather of every call": lambda: timed(
                lambda: event_loop_thread.run(sdk_gather())
            ),
            "dashboard collection, in process": lambda: timed(collection),
            "page and its request, no browser": lambda: timed(without_a_browser),
            "audit complete in Chromium": audit_in_the_browser_cpu,
        }
    )
    context.close()
    figures["SDK async: one call after another"] = measured(
        lambda: event_loop_thread.run(sdk_one_by_one()), rounds=1
    )
    event_loop_thread.run(closed())
    gather = figures["SDK async: gather of every call"]
    print()
    print(
        f"Ownership audit: {len(targets)} teams x {len(KINDS)} kinds = {calls} list calls, "
        f"{rows} resources, sandbox latency {LATENCY_MS} ms, {ROUNDS} rounds, "
        f"{os.cpu_count()} cores for the browser, the sandbox and the dashboard"
    )
    for label, seconds in figures.items():
        show(label, seconds, width=40)
    show_ratio(
        "RATIO browser / SDK gather",
        figures["audit complete in Chromium"],
        gather,
        "<= 1.1; was 1.35 to 1.93 with a request per team, then counted to the DOM, not the frame",
        width=40,
    )
    show_ratio(
        "ratio no browser / SDK gather",
        figures["page and its request, no browser"],
        gather,
        width=40,
    )
    if browser_cpu:
        show("Chromium's own CPU in each audit", browser_cpu[-ROUNDS:], width=40)
    else:
        print("  Chromium's own CPU: not measured (no /proc here)")
    show_ratio(
        "ratio collection / SDK gather",
        figures["dashboard collection, in process"],
        gather,
        "about 1; was 1.08 to 1.99 in waves of 16",
        width=40,
    )
    show_ratio(
        "ratio one after another / SDK gather",
        figures["SDK async: one call after another"],
        gather,
        width=40,
    )

    # --- The CSV export of 10,000 rows ---------------------------------------------------
    extra, remainder = divmod(EXPORT_ROWS - rows, TEAMS)
    for index, team in enumerate(teams):
        SandboxProject.objects.bulk_create(
            SandboxProject(team=team, creator=upstream_user, name=f"bulk {n}", description="")
            for n in range(extra + (remainder if index == 0 else 0))
        )
    cache.clear()
    assert web.get("/audit/?wait=1").status_code == 200  # the snapshot the export reads

    def stream_export():
        response = web.http.get(live_server.url + "/audit/export.csv", stream=True, timeout=120)
        size = lines = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            lines += chunk.count(b"\n")
        return response, size, lines

    def table_page():  # the same snapshot read and sorted, without the CSV
        return web.get("/audit/?kind=projects"), 0, 0

    export_s, (response, size, lines), export_growth = traced(stream_export)
    _, (page_response, _, _), page_growth = traced(table_page)
    assert response.status_code == 200 and page_response.status_code == 200
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


def browser_cpu_seconds() -> float | None:
    """CPU seconds used so far by this run's Chromium: every process descended from this one
    whose program is Chromium's, with what the processes it has reaped used (Linux's /proc)."""
    if not os.path.isdir("/proc"):
        return None
    children: dict[int, list[int]] = {}
    used: dict[int, int] = {}
    for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                text = stat.read()
        except OSError:  # ended meanwhile
            continue
        name, fields = text[text.index("(") + 1 : text.rindex(")")], text.rsplit(")", 1)[1].split()
        children.setdefault(int(fields[1]), []).append(pid)
        if "chrom" in name:
            used[pid] = sum(map(int, fields[11:15]))  # utime, stime, cutime, cstime
    total, pending = 0, [os.getpid()]
    while pending:
        for child in children.get(pending.pop(), []):
            total += used.get(child, 0)
            pending.append(child)
    return total / os.sysconf("SC_CLK_TCK")


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def interleaved(rounds_of: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Seconds of each action (each returns its own) over ``ROUNDS`` rounds, after one to warm
    up; every round runs each action once, so that all of them meet the machine alike (other
    work on it comes and goes)."""
    for action in rounds_of.values():
        action()
    figures: dict[str, list[float]] = {label: [] for label in rounds_of}
    for _ in range(ROUNDS):
        for label, action in rounds_of.items():
            figures[label].append(action())
    return figures


def traced(action):
    """(seconds, result, peak memory growth in bytes) of ``action``, this process's threads
    (the live server's included) traced by tracemalloc."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        started = time.perf_counter()
        result = action()
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seconds, result, peak - before
