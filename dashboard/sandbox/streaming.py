"""A streamed agent run, framed as the SDK's SSE reader needs (see ``docs/upstream.md``).

Only ``data: {json}`` lines, each followed by a blank line, ending with ``data: [DONE]``: no
``event:`` lines and no ``:`` heartbeats, which crash the SDK's parser. The reply goes out word
by word with a small pause (``SANDBOX_STREAM_DELAY_MS``) so clients can watch it arrive, and
the run is checked before each word so a cancel made meanwhile stops the stream.

Besides the Vercel UI-message events the SDK knows (start, text-*, finish…), a ``data-run``
event (a Vercel custom data part) carries the run's id early, so a client can cancel it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from django.conf import settings
from django.http import StreamingHttpResponse

from dashboard.sandbox import conversations
from dashboard.sandbox.models import SandboxRun

DONE = b"data: [DONE]\n\n"


def sse(event: dict) -> bytes:
    return b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


def _delay_seconds() -> float:
    return max(0, int(getattr(settings, "SANDBOX_STREAM_DELAY_MS", 30))) / 1000


def run_events(run: SandboxRun, reply: str) -> Iterator[bytes]:
    """The events of one run; the run ends completed, cancelled, or failed if abandoned."""
    text_id = f"text-{run.pk}"
    finished = False
    try:
        yield sse({"type": "start", "messageMetadata": {"metadata": {"agent_id": run.agent_id}}})
        yield sse({"type": "data-run", "data": {"run_id": run.pk, "thread_id": run.thread_id}})
        yield sse({"type": "start-step"})
        yield sse({"type": "text-start", "id": text_id})
        for index, word in enumerate(reply.split(" ")):
            time.sleep(_delay_seconds())
            if conversations.is_cancelled(run):
                break
            yield sse(
                {"type": "text-delta", "id": text_id, "delta": word if index == 0 else f" {word}"}
            )
        yield sse({"type": "text-end", "id": text_id})
        yield sse({"type": "finish-step"})
        if conversations.is_cancelled(run) or conversations.complete_run(run, reply) is None:
            yield sse({"type": "error", "errorText": "The run was cancelled."})
        else:
            yield sse({"type": "finish"})
        yield DONE
        finished = True
    finally:
        if not finished:
            conversations.fail_run(run)


def stream_response(run: SandboxRun, reply: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(run_events(run, reply), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # a proxy in front must not hold the events back
    return response
