"""Run several upstream calls at once, with bounded concurrency, keeping each outcome apart.

Tasks are plain callables over already-built clients: no ORM access happens in the workers.
One failing task never hides the others' results.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings

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


def fan_out(
    tasks: Mapping[Hashable, Callable[[], Any]], max_workers: int | None = None
) -> dict[Hashable, Outcome]:
    if not tasks:
        return {}
    workers = min(len(tasks), max_workers or settings.UPSTREAM_FANOUT_WORKERS)
    if workers <= 1:
        return {key: run_one(task) for key, task in tasks.items()}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="upstream") as pool:
        futures = {key: pool.submit(run_one, task) for key, task in tasks.items()}
        return {key: future.result() for key, future in futures.items()}
