"""Threads, messages and runs as the upstream sends them, read into typed values (see
``docs/upstream.md``, "Threads"). Anything of an unexpected shape is a BadResponseError."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashboard.upstream import errors
from dashboard.upstream.values import parse_timestamp

ACTIVE_RUN_STATUSES = frozenset({"queued", "running"})


def text_of(value: Any) -> str:
    return value if isinstance(value, str) else ""


def object_of(payload: Any, what: str) -> dict:
    if not isinstance(payload, dict):
        raise errors.BadResponseError(
            f"The upstream answered with a {what} of an unexpected shape."
        )
    return payload


def array_of(payload: Any, what: str) -> list[dict]:
    if not isinstance(payload, list) or not all(isinstance(item, dict) for item in payload):
        raise errors.BadResponseError(
            f"The upstream answered a {what} list with data of an unexpected shape."
        )
    return payload


@dataclass(frozen=True)
class ContentPart:
    """One typed part of a message (``docs/upstream.md``, "Threads"); ``text`` is the type for
    plain string content."""

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
            type=text_of(part.get("type")) or "unknown",
            text=text_of(part.get("text")),
            annotations=tuple(str(a) for a in annotations) if isinstance(annotations, list) else (),
            guardrail=tuple(g for g in guardrail if isinstance(g, dict))
            if isinstance(guardrail, list)
            else (),
            file_id=text_of(part.get("file_id")),
            image_url=text_of(part.get("image_url")),
            detail=text_of(part.get("detail")),
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
        data = object_of(payload, "message")
        content = data.get("content")
        parts = content if isinstance(content, list) else [content if content is not None else ""]
        return cls(
            id=str(data.get("id") or ""),
            thread_id=str(data.get("thread_id") or ""),
            role=text_of(data.get("role")) or "unknown",
            parts=tuple(ContentPart.from_api(p) for p in parts),
            agent_id=text_of(data.get("agent_id")),
            run_id=text_of(data.get("run_id")),
            created_at=parse_timestamp(data.get("created_at")),
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
        data = object_of(payload, "thread")
        meta = data.get("meta_data")
        return cls(
            id=str(data.get("id") or ""),
            created_at=parse_timestamp(data.get("created_at")),
            status=text_of(data.get("status")) or "available",
            active_run_id=text_of(data.get("active_run_id")),
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
        data = object_of(payload, "run")
        return cls(
            id=str(data.get("id") or ""),
            thread_id=str(data.get("thread_id") or ""),
            agent_id=text_of(data.get("agent_id")),
            status=text_of(data.get("status")) or "unknown",
            created_at=parse_timestamp(data.get("created_at")),
            model=text_of(data.get("model")),
            completed_at=parse_timestamp(data.get("completed_at")),
        )


@dataclass(frozen=True)
class ThreadPage:
    """The newest ``limit`` threads; ``has_more`` when a larger limit would show more."""

    threads: list[Thread]
    limit: int
    has_more: bool
