"""Personal threads, messages and agent runs: the wire types, the run stream and the calls."""

from dashboard.upstream.threads.api import (
    MAX_LIST_LIMIT,
    NEWEST_FIRST,
    ThreadsApi,
    run_request_body,
)
from dashboard.upstream.threads.stream import DONE_MARKER, RunStream, run_id_of, sse_frame
from dashboard.upstream.threads.wire import (
    ACTIVE_RUN_STATUSES,
    ContentPart,
    Message,
    Run,
    Thread,
    ThreadPage,
)

__all__ = [
    "ACTIVE_RUN_STATUSES",
    "DONE_MARKER",
    "MAX_LIST_LIMIT",
    "NEWEST_FIRST",
    "ContentPart",
    "Message",
    "Run",
    "RunStream",
    "Thread",
    "ThreadPage",
    "ThreadsApi",
    "run_id_of",
    "run_request_body",
    "sse_frame",
]
