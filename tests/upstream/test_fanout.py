"""Fan-outs share one bounded pool per process: each outcome kept apart, at most the asked
number of calls at once (a page may ask for all of its calls at once, up to a limit and the
pool), and a fan-out inside a task (or a pool busy with other pages) never stalls, however small
the pool."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

from dashboard.upstream import fanout
from dashboard.upstream.errors import UpstreamError


@contextlib.contextmanager
def fresh_pool():
    """A shared pool made afresh (as the settings of the moment say), dropped afterwards."""
    old, fanout._pool = fanout._pool, None
    try:
        yield
    finally:
        if fanout._pool is not None:
            fanout._pool.shutdown(wait=True)
        fanout._pool = old


@pytest.fixture
def small_pool(settings):
    """A fresh shared pool of two threads."""
    settings.UPSTREAM_POOL_SIZE = 2
    with fresh_pool():
        yield


def finishes(fn, seconds: float = 10.0):
    """What ``fn`` returns, failing (not hanging) if it takes longer than ``seconds``."""
    box: dict = {}
    worker = threading.Thread(target=lambda: box.setdefault("value", fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "the fan-out stalled"
    return box["value"]


def test_each_outcome_is_kept_apart_in_the_order_asked(small_pool):
    def broken():
        raise UpstreamError("no")

    outcomes = fanout.fan_out({"b": lambda: 2, "a": broken, "c": lambda: 3})

    assert list(outcomes) == ["b", "a", "c"]
    assert outcomes["b"].value == 2 and outcomes["c"].value == 3
    assert not outcomes["a"].ok and outcomes["a"].error.message == "no"


def most_at_once(calls: int, max_workers: int | None = None) -> int:
    """The most of ``calls`` short calls a fan-out ran at once, in a fresh pool."""
    running, most = [0], [0]
    lock = threading.Lock()

    def call():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    with fresh_pool():
        fanout.fan_out({n: call for n in range(calls)}, max_workers=max_workers)
    return most[0]


def test_no_more_than_the_asked_number_run_at_once(settings):
    settings.UPSTREAM_POOL_SIZE = 16
    assert most_at_once(12, max_workers=3) == 3


def test_a_page_may_ask_for_all_its_calls_at_once(settings):
    """Every call waits until all of them have started: in waves, they never all would."""
    settings.UPSTREAM_FANOUT_WORKERS, settings.UPSTREAM_PAGE_WORKERS = 4, 40
    everyone = threading.Barrier(40, timeout=10)

    with fresh_pool():
        outcomes = fanout.fan_out({n: everyone.wait for n in range(40)}, max_workers=40)

    assert [n for n, outcome in outcomes.items() if not outcome.ok] == []


def test_no_page_goes_wider_than_the_page_limit_or_the_pool(settings):
    settings.UPSTREAM_PAGE_WORKERS, settings.UPSTREAM_POOL_SIZE = 6, 64
    assert most_at_once(30, max_workers=30) == 6
    settings.UPSTREAM_PAGE_WORKERS, settings.UPSTREAM_POOL_SIZE = 100, 4
    assert most_at_once(30, max_workers=30) == 5  # the pool's four threads and the page's own


def test_a_fan_out_inside_a_task_never_stalls_a_small_pool(small_pool):
    def inner(n):
        return lambda: sum(
            o.value for o in fanout.fan_out({i: (lambda i=i: i) for i in range(n)}).values()
        )

    def outer():
        return fanout.fan_out({n: inner(n) for n in range(2, 8)}, max_workers=8)

    outcomes = finishes(outer)

    assert {n: o.value for n, o in outcomes.items()} == {n: n * (n - 1) // 2 for n in range(2, 8)}


def test_pages_share_the_pool_rather_than_making_their_own(small_pool):
    names: set[str] = set()

    def call():
        names.add(threading.current_thread().name)
        time.sleep(0.01)

    pages = [
        threading.Thread(target=lambda: fanout.fan_out({n: call for n in range(6)}))
        for _ in range(5)
    ]
    for page in pages:
        page.start()
    for page in pages:
        page.join(10)

    assert len({name for name in names if name.startswith("upstream")}) <= 2
