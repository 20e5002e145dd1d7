"""An agent run's event stream: server-sent events as the upstream frames them (see
``docs/upstream.md``, "Agent run streams"), parsed as they arrive."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

import urllib3

from dashboard.upstream.threads.wire import text_of

if TYPE_CHECKING:
    from dashboard.upstream.client import StreamedResponse

logger = logging.getLogger(__name__)

STREAM_READ_SIZE = 64 * 1024
DONE_MARKER = "[DONE]"
STREAM_BROKEN_TEXT = "The connection to the upstream broke while the agent was answering."


def run_id_of(event: dict) -> str:
    """The run id an event names, if any: on the event, in its ``messageMetadata`` (as a
    ``start`` event may carry it) or its ``data`` (a ``data-run`` event), or their ``metadata``.
    """
    for holder in (event, event.get("messageMetadata"), event.get("data")):
        if not isinstance(holder, dict):
            continue
        for place in (holder, holder.get("metadata")):
            if not isinstance(place, dict):
                continue
            for key in ("runId", "run_id"):
                if isinstance(place.get(key), str) and place[key]:
                    return place[key]
    return ""


def sse_frame(event: dict | str) -> bytes:
    """One server-sent event as the upstream frames it: a ``data:`` line and a blank line."""
    payload = event if isinstance(event, str) else json.dumps(event, separators=(",", ":"))
    return f"data: {payload}\n\n".encode()


class RunStream:
    """An agent run's event stream, parsed as it arrives (never collected first).

    The upstream's body is read with ``read1`` so each event is handed on as soon as its bytes
    arrive, whatever the framing (chunked or until-close). A broken connection ends the stream
    with an ``error`` event rather than an exception, so a relay can always finish cleanly.
    """

    def __init__(self, streamed: StreamedResponse):
        self._streamed = streamed
        self.run_id = ""
        self.finished = False  # a finish event or the done marker arrived
        self.broken = False  # the connection broke before the stream's end
        self.error_text = ""

    def _arrived(self) -> Iterator[bytes]:
        raw = self._streamed.response.raw
        try:
            while chunk := raw.read1(STREAM_READ_SIZE):
                yield chunk
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            logger.warning("agent run stream broke: %s", type(exc).__name__)
            self.broken = True
            self.error_text = STREAM_BROKEN_TEXT

    def _lines(self) -> Iterator[str]:
        pending = b""
        for chunk in self._arrived():
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for line in complete:
                yield line.rstrip(b"\r").decode("utf-8", errors="replace")
        if pending:
            yield pending.rstrip(b"\r").decode("utf-8", errors="replace")
        yield ""  # a final blank line emits whatever is still buffered

    def events(self) -> Iterator[dict]:
        """The stream's events as dicts, in order; ends at ``data: [DONE]`` or at close."""
        buffered: list[str] = []
        try:
            for line in self._lines():
                if line.startswith(":") or line.split(":", 1)[0] in ("event", "id", "retry"):
                    continue  # SSE fields the upstream's format does not use
                payload = line[5:].strip() if line.startswith("data:") else line.strip()
                if payload == DONE_MARKER:
                    self.finished = True
                    return
                if payload:
                    buffered.append(payload)
                    continue
                if not buffered:
                    continue
                text, buffered = "\n".join(buffered), []
                event = self._parse(text)
                if event is not None:
                    yield event
            if self.broken:
                yield {"type": "error", "errorText": self.error_text}
        finally:
            self.close()

    def _parse(self, text: str) -> dict | None:
        try:
            event = json.loads(text)
        except ValueError:
            logger.warning("skipped an unreadable event in an agent run stream")
            return None
        if not isinstance(event, dict):
            return None
        self.run_id = self.run_id or run_id_of(event)
        kind = event.get("type")
        if kind in ("finish", "done"):
            self.finished = True
        elif kind == "error":
            self.error_text = text_of(event.get("errorText")) or "The agent run failed."
        return event

    def close(self) -> None:
        self._streamed.close()
