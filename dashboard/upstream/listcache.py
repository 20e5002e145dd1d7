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
import logging
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

logger = logging.getLogger(__name__)

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


def _filters(params: dict | None) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted((params or {}).items()))


def _list_key(client: UpstreamClient, kind: ResourceKind, params: dict | None, generation: str):
    return "list:" + _digest(
        client.key_fingerprint, _scope(client), kind.slug, _filters(params), generation
    )


def _hint_key(client: UpstreamClient, kind: ResourceKind, params: dict | None) -> str:
    return "size:" + _digest(client.key_fingerprint, _scope(client), kind.slug, _filters(params))


def recall(
    client: UpstreamClient,
    kind: ResourceKind,
    params: dict | None,
    *,
    generation: str | None = None,
) -> Remembered | None:
    """The list as last read, if it is recent and nothing changed the team since: since
    ``generation``, the team's generation taken earlier in the same page (see
    :func:`generation`), or now."""
    if not seconds():
        return None
    now = _generation_now(client) if generation is None else generation
    try:
        found = _store().get(_list_key(client, kind, params, now))
    except Exception:  # noqa: BLE001 - a cache that fails is a cache that is empty
        logger.warning("a kept list could not be read")
        return None
    if not isinstance(found, Remembered) or found.age > seconds():
        return None
    return found


def remember(
    client: UpstreamClient,
    kind: ResourceKind,
    params: dict | None,
    read: Remembered,
    *,
    generation: str,
) -> None:
    """Keep a list read while the team was at ``generation`` (see :func:`generation`): if the
    team changed while it was being read, it is kept under a generation no one asks for."""
    store = _store()
    hint = len(read.items) if read.complete else read.total  # a partial read keeps the last
    try:
        if hint is not None:
            store.set(_hint_key(client, kind, params), hint, HINT_SECONDS)
        if seconds():
            store.set(_list_key(client, kind, params, generation), read, seconds())
    except Exception:  # noqa: BLE001 - the list was read; only keeping it failed
        logger.warning("a list could not be kept")


def generation(client: UpstreamClient) -> str:
    """The team's generation now: take it before a read, to remember the read under it. A page
    that reads several lists of one team (the overview) takes it once, before all of them, and
    passes it to each (its marks are then read once, not once per list).

    A mark that is missing (never set, or evicted) is set to a new one first, so a list kept
    under a mark that was lost can never match again. With the marks unreadable, lists are
    neither reused nor kept (a generation of its own each time)."""
    if not seconds():
        return "0"
    keys = [EVERYTHING, _generation_key(client)]
    try:
        store = _changes()
        found = store.get_many(keys)
        for key in keys:
            if key not in found:
                store.add(key, uuid.uuid4().hex, GENERATION_SECONDS)
                found[key] = store.get(key)
    except Exception:  # noqa: BLE001 - any cache failure: nothing is reused
        logger.warning("list change marks could not be read; lists are not reused")
        return uuid.uuid4().hex
    if None in (found[keys[0]], found[keys[1]]):
        return uuid.uuid4().hex
    return f"{found[keys[0]]}.{found[keys[1]]}"


def _generation_now(client: UpstreamClient) -> str:
    return generation(client)  # for recall, whose argument of that name hides the function


def size_hint(client: UpstreamClient, kind: ResourceKind, params: dict | None) -> int | None:
    """How long the list was when last read whole (or its total), if within a day."""
    try:
        value = _store().get(_hint_key(client, kind, params))
    except Exception:  # noqa: BLE001
        return None
    return value if isinstance(value, int) else None


def changed(client: UpstreamClient) -> None:
    """The dashboard sent a change to the client's team: forget every list read of it.

    Never raises: a change that reached the upstream is not reported as failed because its mark
    could not be written (lists of that team may then stay up to their age limit)."""
    try:
        _changes().set(_generation_key(client), uuid.uuid4().hex, GENERATION_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("a list change mark could not be written")


def forget_everything() -> None:
    """Forget every list of every team (the upstream was changed in ways no one was told)."""
    try:
        _changes().set(EVERYTHING, uuid.uuid4().hex, GENERATION_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("the list change marks could not be written")
