"""Fan-outs share one bounded pool per process: each outcome kept apart, at most the asked
number of calls at once, and a fan-out inside a task (or a pool busy with other pages) never
stalls, however small the pool."""

from __future__ import annotations

import threading
import time

import pytest

from dashboard.upstream import fanout
from dashboard.upstream.errors import UpstreamError


@pytest.fixture
def small_pool(settings):
    """A fresh shared pool of two threads."""
    settings.UPSTREAM_POOL_SIZE = 2
    old, fanout._pool = fanout._pool, None
    yield
    if fanout._pool is not None:
        fanout._pool.shutdown(wait=True)
    fanout._pool = old


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


def test_no_more_than_the_asked_number_run_at_once(settings):
    settings.UPSTREAM_POOL_SIZE = 16
    running, most = [0], [0]
    lock = threading.Lock()

    def call():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1

    fanout.fan_out({n: call for n in range(12)}, max_workers=3)

    assert most[0] == 3


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
