"""The kinds of job, registered by the apps that do the work (as Django admin's models are).

An app declares its kinds in its ``AppConfig.ready()``::

    from dashboard.jobs import registry

    registry.register("copy", copy_resources, label="Copy to another team")

``handler`` is called by the worker with a :class:`~dashboard.jobs.runner.JobRun`; it does the
job's steps (see ``runner`` for what it may call). The ``jobs`` app itself knows no kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from dashboard.jobs.runner import JobRun

Handler = Callable[["JobRun"], None]


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler
    label: str


_kinds: dict[str, JobKind] = {}


def register(kind: str, handler: Handler, *, label: str) -> Handler:
    """Make ``kind`` a kind of job run by ``handler``; returns the handler. Registering the same
    kind again with the same handler is harmless (a ``ready()`` run twice); with another, an
    error."""
    if not kind or len(kind) > 60:
        raise ImproperlyConfigured(f"A job kind is 1 to 60 characters: {kind!r}")
    if not callable(handler):
        raise ImproperlyConfigured(f"The handler of job kind {kind!r} is not callable")
    known = _kinds.get(kind)
    if known is not None and known.handler is not handler:
        raise ImproperlyConfigured(f"The job kind {kind!r} is already registered")
    _kinds[kind] = JobKind(kind, handler, label)
    return handler


def unregister(kind: str) -> None:
    _kinds.pop(kind, None)


def get(kind: str) -> JobKind | None:
    return _kinds.get(kind)


def label_of(kind: str) -> str:
    """The kind's label, or the kind itself for one no longer registered."""
    known = _kinds.get(kind)
    return known.label if known else kind


def all_kinds() -> list[JobKind]:
    return sorted(_kinds.values(), key=lambda k: k.name)
