"""Whole lists remembered for a short time, so that searching, sorting, filtering and paging a
list again costs no upstream call.

A list read is remembered under the API key that read it, its team (or the key's personal
workspace), its kind and the filters the upstream applied; nothing read with one key is ever
given to another. Every team has a *generation*: any change the dashboard sends to a team (a
call other than GET) starts a new one, and lists remembered under the old one are never used
again, for every key, in every process (the generations live in the ``list-changes`` cache,
which every process shares; the lists in ``lists``, which may be each process's own). How long
a list is reused is ``UPSTREAM_LIST_CACHE_SECONDS`` (0: never); the page says how old it is
and offers a refresh.

The length a list had last time is kept longer (a day): a list read again is then asked for
all its pages at once instead of the first page and then the rest.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import caches

if TYPE_CHECKING:
    from dashboard.upstream.catalog import ResourceKind
    from dashboard.upstream.client import UpstreamClient

ALIAS = "lists"  # the lists read
CHANGES_ALIAS = "list-changes"  # the teams' generations: small, shared by every process
HINT_SECONDS = 24 * 3600
GENERATION_SECONDS = 7 * 24 * 3600  # far longer than any list is kept
EVERYTHING = "gen:*"  # a generation every list key carries too


@dataclass
class Remembered:
    """A list as it was read: all of it (``complete``), or its first ``len(items)`` items."""

    items: list[dict]
    complete: bool
    total: int | None  # the upstream's total, or the length of a complete list
    read_at: float  # time.time() of the read

    @property
    def age(self) -> float:
        return max(0.0, time.time() - self.read_at)


def seconds() -> int:
    return max(0, int(getattr(settings, "UPSTREAM_LIST_CACHE_SECONDS", 0)))


def _store():
    return caches[ALIAS]


def _changes():
    return caches[CHANGES_ALIAS]


@lru_cache(maxsize=4096)
def _digest(*parts: str) -> str:
    """A key's digest; the same few are asked for by every read (remembered: pure)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _scope(client: UpstreamClient) -> str:
    """The workspace a call reaches: a team (shared by its members), or one key's personal one."""
    if client.team_id:
        return "team:" + _digest(client.team_id)
    return "personal:" + _digest("personal", client.key_fingerprint)


def _generation_key(client: UpstreamClient) -> str:
    return f"gen:{_scope(client)}"


def _list_key(client: UpstreamClient, kind: ResourceKind, params: dict | None, generation: str):
    filters = "&".join(f"{k}={v}" for k, v in sorted((params or {}).items()))
    return "list:" + _digest(client.key_fingerprint, _scope(client), kind.slug, filters, generation)


def _hint_key(client: UpstreamClient, kind: ResourceKind, params: dict | None) -> str:
    filters = "&".join(f"{k}={v}" for k, v in sorted((params or {}).items()))
    return "size:" + _digest(client.key_fingerprint, _scope(client), kind.slug, filters)


def recall(client: UpstreamClient, kind: ResourceKind, params: dict | None) -> Remembered | None:
    """The list as last read, if it is recent and nothing changed the team since."""
    if not seconds():
        return None
    found = _store().get(_list_key(client, kind, params, generation(client)))
    if not isinstance(found, Remembered) or found.age > seconds():
        return None
    return found


def remember(
    client: UpstreamClient, kind: ResourceKind, params: dict | None, read: Remembered,
    *, generation: str,
) -> None:
    """Keep a list read while the team was at ``generation`` (see :func:`generation`): if the
    team changed while it was being read, it is kept under a generation no one asks for."""
    store = _store()
    hint = len(read.items) if read.complete else read.total  # a partial read keeps the last
    if hint is not None:
        store.set(_hint_key(client, kind, params), hint, HINT_SECONDS)
    if seconds():
        store.set(_list_key(client, kind, params, generation), read, seconds())


def generation(client: UpstreamClient) -> str:
    """The team's generation now: take it before a read, to remember the read under it."""
    if not seconds():
        return "0"
    found = _changes().get_many([EVERYTHING, _generation_key(client)])
    return f"{found.get(EVERYTHING, '0')}.{found.get(_generation_key(client), '0')}"


def size_hint(client: UpstreamClient, kind: ResourceKind, params: dict | None) -> int | None:
    """How long the list was when last read whole (or its total), if within a day."""
    value = _store().get(_hint_key(client, kind, params))
    return value if isinstance(value, int) else None


def changed(client: UpstreamClient) -> None:
    """The dashboard sent a change to the client's team: forget every list read of it."""
    _changes().set(_generation_key(client), uuid.uuid4().hex, GENERATION_SECONDS)


def forget_everything() -> None:
    """Forget every list of every team (the upstream was changed in ways no one was told)."""
    _changes().set(EVERYTHING, uuid.uuid4().hex, GENERATION_SECONDS)
