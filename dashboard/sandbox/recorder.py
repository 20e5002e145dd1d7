"""An in-memory record of every request the sandbox received, for tests and benchmarks.

Tests use it to check what a client really sent (which path, which team header, whether a key
was present) without the sandbox ever keeping the key itself. Each dialect records under its
own header names: ``team_header`` is the value of whichever header carries the team there
(``SANDBOX_TEAM_HEADER`` at ``/sandbox/``, ``x-team-id`` at ``/rungen/``), ``authorization``
whether the header that carries the key was present. The deque is bounded, so a long
benchmark cannot grow it without end.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

MAX_RECORDS = 10_000

_lock = threading.Lock()
_records: deque[RecordedRequest] = deque(maxlen=MAX_RECORDS)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # relative to its mount, e.g. "v1/flow/files" (/sandbox/) or "app" (/rungen/)
    query: dict = field(default_factory=dict)
    team_header: str | None = None  # the value of the dialect's team header
    authorization: bool = False  # whether the dialect's key header was present
    user_agent: str = ""
    user_id: int | None = None  # the sandbox user the key belonged to, if any
    mount: str = "sandbox"  # the dialect's mount: "sandbox" or "rungen"


def record(entry: RecordedRequest) -> None:
    with _lock:
        _records.append(entry)


def recorded() -> list[RecordedRequest]:
    """A snapshot of the records, oldest first."""
    with _lock:
        return list(_records)


def clear() -> None:
    with _lock:
        _records.clear()
