"""An in-memory record of every request the sandbox received, for tests and benchmarks.

Tests use it to check what a client really sent (which path, which team header, whether a key
was present) without the sandbox ever keeping the key itself. The deque is bounded, so a long
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
    path: str  # relative to /sandbox/, e.g. "v1/flow/files"
    query: dict = field(default_factory=dict)
    team_header: str | None = None
    authorization: bool = False  # whether an Authorization header was present
    user_agent: str = ""
    user_id: int | None = None  # the sandbox user the key belonged to, if any


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
