"""Personal threads, their messages and agent runs: typed calls over the upstream client.

Every call is sent with the scope :data:`~dashboard.upstream.catalog.THREAD_CALLS` gives it:
threads, messages and run listings are the user's own (``USER``: never an ``x-team-id``), while
starting, streaming and cancelling a run name a team-owned agent (``TEAM``: the client's team,
which is the active team whose agents the person picked from). Paths, bodies and list shapes
follow ``upstream-contract.md`` §4.4, §4.5 and §5.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import urllib3
from django.conf import settings
from django.utils.dateparse import parse_datetime

from dashboard.upstream import errors
from dashboard.upstream.catalog import THREAD_CALLS, THREADS
from dashboard.upstream.client import StreamedResponse, UpstreamClient, expand, segment
from dashboard.upstream.fanout import Outcome, fan_out

logger = logging.getLogger(__name__)

NEWEST_FIRST = "desc"
MAX_LIST_LIMIT = THREADS.max_page_size  # the largest limit the dashboard asks for
ACTIVE_RUN_STATUSES = frozenset({"queued", "running"})
# An agent may think (or call tools) for a while between two events of its stream.
RUN_STREAM_READ_TIMEOUT = 300.0
STREAM_READ_SIZE = 64 * 1024
DONE_MARKER = "[DONE]"
STREAM_BROKEN_TEXT = "The connection to the upstream broke while the agent was answering."
# What a 404 means for each family of calls: threads are per person, so "not found" is also
# what another person's thread answers.
NOT_FOUND_MESSAGES = {
    "threads": (
        "There is no such thread among yours (404). Threads are personal: another person's "
        "thread cannot be opened, even by a member of the same team."
    ),
    "messages": "There is no such message among your threads (404).",
    "runs": "There is no such agent run among your threads, or no such agent in this team (404).",
}


# --- What the upstream sends, as the dashboard uses it ------------------------------------
def _timestamp(value: Any) -> datetime | None:
    """An ISO-8601 text or epoch seconds (both are valid upstream timestamps) as a datetime."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _object(payload: Any, what: str) -> dict:
    if not isinstance(payload, dict):
        raise errors.BadResponseError(
            f"The upstream answered with a {what} of an unexpected shape."
        )
    return payload


def _array(payload: Any, what: str) -> list[dict]:
    if not isinstance(payload, list) or not all(isinstance(item, dict) for item in payload):
        raise errors.BadResponseError(
            f"The upstream answered a {what} list with data of an unexpected shape."
        )
    return payload


@dataclass(frozen=True)
class ContentPart:
    """One typed part of a message (§4.4); ``text`` is the type for plain string content."""

    type: str
    text: str = ""
    annotations: tuple[str, ...] = ()
    guardrail: tuple[dict, ...] = ()
    file_id: str = ""
    image_url: str = ""
    detail: str = ""
    raw: dict = field(default_factory=dict)  # the part as sent, shown for unknown types

    @property
    def link_url(self) -> str:
        """The image URL when it is safe to link to (web addresses only, never scripts)."""
        return self.image_url if self.image_url.startswith(("https://", "http://")) else ""

    @classmethod
    def from_api(cls, part: Any) -> ContentPart:
        if isinstance(part, str):
            return cls(type="text", text=part)
        if not isinstance(part, dict):
            return cls(type="unknown", raw={"value": part})
        annotations = part.get("annotations") or ()
        guardrail = part.get("guardrail") or ()
        return cls(
            type=_text(part.get("type")) or "unknown",
            text=_text(part.get("text")),
            annotations=tuple(str(a) for a in annotations) if isinstance(annotations, list) else (),
            guardrail=tuple(g for g in guardrail if isinstance(g, dict))
            if isinstance(guardrail, list)
            else (),
            file_id=_text(part.get("file_id")),
            image_url=_text(part.get("image_url")),
            detail=_text(part.get("detail")),
            raw=part,
        )


@dataclass(frozen=True)
class Message:
    id: str
    thread_id: str
    role: str
    parts: tuple[ContentPart, ...]
    agent_id: str = ""
    run_id: str = ""
    created_at: datetime | None = None

    @property
    def text(self) -> str:
        """The message's readable text, for previews."""
        return " ".join(part.text for part in self.parts if part.text).strip()

    @classmethod
    def from_api(cls, payload: Any) -> Message:
        data = _object(payload, "message")
        content = data.get("content")
        parts = content if isinstance(content, list) else [content if content is not None else ""]
        return cls(
            id=str(data.get("id") or ""),
            thread_id=str(data.get("thread_id") or ""),
            role=_text(data.get("role")) or "unknown",
            parts=tuple(ContentPart.from_api(p) for p in parts),
            agent_id=_text(data.get("agent_id")),
            run_id=_text(data.get("run_id")),
            created_at=_timestamp(data.get("created_at")),
        )


@dataclass(frozen=True)
class Thread:
    id: str
    created_at: datetime | None
    status: str = "available"
    active_run_id: str = ""
    meta_data: dict = field(default_factory=dict)

    @classmethod
    def from_api(cls, payload: Any) -> Thread:
        data = _object(payload, "thread")
        meta = data.get("meta_data")
        return cls(
            id=str(data.get("id") or ""),
            created_at=_timestamp(data.get("created_at")),
            status=_text(data.get("status")) or "available",
            active_run_id=_text(data.get("active_run_id")),
            meta_data=meta if isinstance(meta, dict) else {},
        )


@dataclass(frozen=True)
class Run:
    id: str
    thread_id: str
    agent_id: str
    status: str
    created_at: datetime | None = None
    model: str = ""
    completed_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    @classmethod
    def from_api(cls, payload: Any) -> Run:
        data = _object(payload, "run")
        return cls(
            id=str(data.get("id") or ""),
            thread_id=str(data.get("thread_id") or ""),
            agent_id=_text(data.get("agent_id")),
            status=_text(data.get("status")) or "unknown",
            created_at=_timestamp(data.get("created_at")),
            model=_text(data.get("model")),
            completed_at=_timestamp(data.get("completed_at")),
        )


@dataclass(frozen=True)
class ThreadPage:
    """The newest ``limit`` threads; ``has_more`` when a larger limit would show more."""

    threads: list[Thread]
    limit: int
    has_more: bool


# --- The agent run stream (§5) ----------------------------------------------------------------
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
            self.error_text = _text(event.get("errorText")) or "The agent run failed."
        return event

    def close(self) -> None:
        self._streamed.close()


# --- The calls --------------------------------------------------------------------------------
def run_request_body(agent_id: str, *, group: str | None = "default_group") -> dict:
    """The RunRequest body the official SDK sends to start (and, with no group, cancel) a run."""
    return {
        "agent_id": agent_id,
        "model_settings": {
            "temperature": 1.0,
            "top_p": 1.0,
            "frequency_penalty": 0.0,
            "presence_penalty": 0.0,
            "max_tokens": None,
        },
        "response_format": None,
        "group": group,
        "metadata": None,
    }


class ThreadsApi:
    """Thread, message and run calls for one client (its key, and its team for runs)."""

    def __init__(self, client: UpstreamClient):
        self.client = client

    @staticmethod
    @contextmanager
    def _explained_not_found(call: str) -> Iterator[None]:
        try:
            yield
        except errors.NotFoundError as exc:
            message = NOT_FOUND_MESSAGES[call.split(".")[0]]
            if exc.detail:
                message = f"{message} The upstream said: {exc.detail}"
            raise errors.NotFoundError(message, status=exc.status, detail=exc.detail) from exc

    def _call(self, call: str, method: str, path: str, **kwargs) -> Any:
        with self._explained_not_found(call):
            return self.client.request(method, path, scope=THREAD_CALLS[call], **kwargs)

    def _thread_path(self, thread_id: str, *rest: str) -> str:
        return "/".join((expand(THREADS.detail_path, thread_id), *rest))

    # threads
    def list_threads(self, *, limit: int = 20, order: str = NEWEST_FIRST) -> ThreadPage:
        """The newest ``limit`` threads; one more is asked for to learn whether there are more."""
        limit = max(1, min(limit, MAX_LIST_LIMIT))
        asked = min(limit + 1, MAX_LIST_LIMIT)
        payload = self._call(
            "threads.list", "GET", THREADS.list_path, params={"limit": asked, "order": order}
        )
        threads = [Thread.from_api(item) for item in _array(payload, "thread")]
        return ThreadPage(threads[:limit], limit, len(threads) > limit)

    def create_thread(self, meta_data: dict | None = None) -> Thread:
        payload = self._call(
            "threads.create", "POST", THREADS.list_path, json_body={"meta_data": meta_data or {}}
        )
        return Thread.from_api(payload)

    def get_thread(self, thread_id: str) -> Thread:
        return Thread.from_api(self._call("threads.retrieve", "GET", self._thread_path(thread_id)))

    def delete_thread(self, thread_id: str) -> None:
        self._call("threads.delete", "DELETE", self._thread_path(thread_id))

    # messages
    def list_messages(
        self, thread_id: str, *, limit: int = 20, order: str = NEWEST_FIRST
    ) -> list[Message]:
        payload = self._call(
            "messages.list",
            "GET",
            self._thread_path(thread_id, "messages"),
            params={"limit": max(1, min(limit, MAX_LIST_LIMIT)), "order": order},
        )
        return [Message.from_api(item) for item in _array(payload, "message")]

    def latest_message(self, thread_id: str) -> Message | None:
        messages = self.list_messages(thread_id, limit=1)
        return messages[0] if messages else None

    def latest_messages(self, threads: list[Thread]) -> dict[str, Outcome]:
        """Each thread's latest message, asked for in parallel; one failure hides no other."""
        return fan_out({t.id: partial(self.latest_message, t.id) for t in threads})

    def post_message(self, thread_id: str, text: str, *, role: str = "user") -> Message:
        """Post a message; like the SDK, the client gives it its id (a fresh UUID)."""
        body = {
            "id": str(uuid.uuid4()),
            "object": "thread.message",
            "thread_id": thread_id,
            "role": role,
            "content": text,
            "agent_id": None,
            "run_id": None,
            "meta_data": {},
        }
        path = self._thread_path(thread_id, "messages")
        return Message.from_api(self._call("messages.create", "POST", path, json_body=body))

    def get_message(self, thread_id: str, message_id: str) -> Message:
        path = self._thread_path(thread_id, "messages", segment(message_id))
        return Message.from_api(self._call("messages.retrieve", "GET", path))

    def delete_message(self, thread_id: str, message_id: str) -> None:
        path = self._thread_path(thread_id, "messages", segment(message_id))
        self._call("messages.delete", "DELETE", path)

    # runs
    def list_runs(self, thread_id: str) -> list[Run]:
        payload = self._call("runs.list", "GET", self._thread_path(thread_id, "runs"))
        return [Run.from_api(item) for item in _array(payload, "run")]

    def get_run(self, thread_id: str, run_id: str) -> Run:
        path = self._thread_path(thread_id, "runs", segment(run_id))
        return Run.from_api(self._call("runs.retrieve", "GET", path))

    def stream_run(self, thread_id: str, agent_id: str) -> RunStream:
        """Start the agent on the thread and hand back its event stream, open."""
        with self._explained_not_found("runs.stream"):
            streamed = self.client.stream(
                "POST",
                self._thread_path(thread_id, "runs", "stream", "vercel"),
                scope=THREAD_CALLS["runs.stream"],
                json_body=run_request_body(agent_id),
                headers={"Accept": "text/event-stream"},
                timeout=(settings.UPSTREAM_CONNECT_TIMEOUT, RUN_STREAM_READ_TIMEOUT),
            )
        if "text/event-stream" not in streamed.content_type:
            streamed.close()
            raise errors.BadResponseError(
                "The upstream answered the agent run with something other than an event stream."
            )
        return RunStream(streamed)

    def cancel_run(self, thread_id: str, run: Run) -> Any:
        path = self._thread_path(thread_id, "runs", segment(run.id), "cancel")
        return self._call(
            "runs.cancel", "POST", path, json_body=run_request_body(run.agent_id, group=None)
        )
