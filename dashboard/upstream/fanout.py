"""Run several upstream calls at once, with bounded concurrency, keeping each outcome apart.

Tasks are plain callables over already-built clients: no ORM access happens in the workers.
One failing task never hides the others' results.

Every call shares one bounded pool of threads per process (``UPSTREAM_POOL_SIZE``), created on
first use, instead of a pool per page. A call hands its tasks to at most ``max_workers`` - 1
pool threads and works through them itself too, so it never waits for a thread that another
call is holding: a fan-out inside a task, or a pool busy with other pages, slows a page down
but cannot stall it.

A call is ``UPSTREAM_FANOUT_WORKERS`` wide unless it asks for more: a page whose calls should go
out in one wave (the audit's, one per team and kind) asks for as many as it has, and gets up to
``UPSTREAM_PAGE_WORKERS``, never more than the pool and the caller's own thread.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections

from dashboard.upstream.errors import UpstreamError

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    value: Any = None
    error: UpstreamError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_one(task: Callable[[], Any]) -> Outcome:
    try:
        return Outcome(value=task())
    except UpstreamError as exc:
        return Outcome(error=exc)
    except Exception:  # a bug in one panel must not take the page down
        logger.exception("upstream task failed unexpectedly")
        return Outcome(error=UpstreamError("This part could not be loaded because of an error."))


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def shared_pool() -> ThreadPoolExecutor:
    """The process's pool of upstream workers (made on first use, so after a server forks)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=settings.UPSTREAM_POOL_SIZE, thread_name_prefix="upstream"
            )
        return _pool


class _Batch:
    """One call's tasks: taken one at a time by whoever is free (pool threads, the caller)."""

    def __init__(self, tasks: Mapping[Hashable, Callable[[], Any]]):
        self.pending = deque(tasks.items())
        self.results: dict[Hashable, Outcome] = {}
        self.left = len(self.pending)
        self.changed = threading.Condition()

    def work(self, *, pooled: bool = False) -> None:
        while True:
            with self.changed:
                if not self.pending:
                    return
                key, task = self.pending.popleft()
            outcome = run_one(task)
            if pooled:  # a pool thread outlives the request: it keeps no database connection
                connections.close_all()
            with self.changed:
                self.results[key] = outcome
                self.left -= 1
                self.changed.notify_all()

    def wait(self) -> None:
        """Until every task taken by a pool thread is done (none is left untaken)."""
        with self.changed:
            self.changed.wait_for(lambda: self.left == 0)


def fan_out(
    tasks: Mapping[Hashable, Callable[[], Any]], max_workers: int | None = None
) -> dict[Hashable, Outcome]:
    """Run ``tasks`` at most ``max_workers`` at a time (``UPSTREAM_FANOUT_WORKERS`` unless
    asked; bounded by ``UPSTREAM_PAGE_WORKERS`` and the pool): each key's outcome, in the order
    of ``tasks``."""
    if not tasks:
        return {}
    widest = min(settings.UPSTREAM_PAGE_WORKERS, settings.UPSTREAM_POOL_SIZE + 1)
    workers = min(len(tasks), max_workers or settings.UPSTREAM_FANOUT_WORKERS, widest)
    batch = _Batch(tasks)
    helpers = [shared_pool().submit(batch.work, pooled=True) for _ in range(workers - 1)]
    batch.work()
    batch.wait()
    for helper in helpers:
        helper.cancel()  # one still queued behind other pages has nothing left to do
    return {key: batch.results[key] for key in tasks}
