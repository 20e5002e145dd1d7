"""One deadline for all the upstream calls a page makes.

A page opens a deadline (:func:`page_deadline`, used by the dashboard's middleware); every
client built while it is open takes it. Each call then waits at most what is left of it: its
connect and read timeouts shrink with the time left (:class:`DeadlineTimeout`), a retry is not
started once it has passed and a back-off never sleeps past it (:class:`DeadlineRetry`), and a
call asked for after it is refused at once. So a page whose upstream does not answer answers
itself a little after its deadline, with the parts that missed it saying so, instead of
waiting a read timeout per retry per call.

Streams and uploads, which pass their own timeouts, are not bound by it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from urllib3.util.retry import Retry
from urllib3.util.timeout import Timeout

MIN_CONNECT_TIMEOUT = 0.05  # a zero timeout would make the socket non-blocking, not quick

_page: ContextVar[float | None] = ContextVar("upstream_page_deadline", default=None)
_call = threading.local()  # the deadline of the call running in this thread, for its retries


@contextmanager
def page_deadline(seconds: float | None) -> Iterator[float | None]:
    """Clients built inside the block share a deadline ``seconds`` from now (None: none)."""
    at = time.monotonic() + seconds if seconds else None
    token = _page.set(at)
    try:
        yield at
    finally:
        _page.reset(token)


def current_page_deadline() -> float | None:
    return _page.get()


def seconds_left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


@contextmanager
def call_deadline(deadline: float | None) -> Iterator[None]:
    """The deadline of the call made in this thread inside the block (read by its retries)."""
    previous = getattr(_call, "deadline", None)
    _call.deadline = deadline
    try:
        yield
    finally:
        _call.deadline = previous


class DeadlineTimeout(Timeout):
    """Connect and read timeouts that never reach past a deadline, worked out anew for each
    attempt (urllib3 clones the timeout for every try)."""

    def __init__(self, *, connect: float, read: float, deadline: float):
        super().__init__(connect=connect, read=read)
        self.deadline = deadline

    def clone(self) -> DeadlineTimeout:
        return DeadlineTimeout(connect=self._connect, read=self._read, deadline=self.deadline)

    def _left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    @property
    def connect_timeout(self):
        return max(MIN_CONNECT_TIMEOUT, min(self._connect, self._left()))

    @property
    def read_timeout(self):
        return min(self._read, self._left())  # 0: urllib3 times the read out at once


class DeadlineRetry(Retry):
    """urllib3's Retry, which also stops retrying at the running call's deadline."""

    def is_exhausted(self) -> bool:
        left = seconds_left(getattr(_call, "deadline", None))
        return super().is_exhausted() or (left is not None and left <= 0)

    def sleep(self, response=None) -> None:
        left = seconds_left(getattr(_call, "deadline", None))
        if left is None:
            super().sleep(response)
            return
        wait = None
        if response is not None and self.respect_retry_after_header:
            wait = self.get_retry_after(response)
        if wait is None:
            wait = self.get_backoff_time()
        time.sleep(max(0.0, min(wait, left)))
