"""What the thread list cannot tell about a thread: its latest message (the preview) and, for a
thread without a title, the title made from its first message. Each is one upstream call per
thread, so both are remembered, per person and thread, and asked for only when missing.

The upstream's threads carry no time of last change (``docs/upstream.md``, "Threads"), so a
preview is remembered under what stands for one:

* the thread's *change mark*, a token the dashboard renews whenever it changes the thread (a
  message posted or deleted, an agent run started, ended or cancelled): a preview read before
  the change is never shown after it, in any process sharing the cache;
* the thread's active run as the list gives it, so a run started elsewhere (a script, the SDK)
  that the list shows, or one that ended since, is read anew;
* and for at most ``PREVIEW_SECONDS``, the bound on how stale a change made outside the
  dashboard can show (the page offers to read them all again now).

A title made from a first message is remembered for a day (a first message changes only when it
is deleted; the dashboard forgets the title when it deletes a message). A thread with no
message yet is not remembered as untitled: once its remembered preview says it has a message,
its first message is asked for.

Keys name the dashboard user and the thread, so nothing read for one person is shown to another.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache, partial

from django.core.cache import cache

from dashboard.threads import titles
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.fanout import Outcome, fan_out
from dashboard.upstream.threads import Message, Thread

PREVIEW_SECONDS = 300
TITLE_SECONDS = 24 * 3600
MARK_SECONDS = 7 * 24 * 3600  # far longer than any preview is kept
PREVIEW_LENGTH = 200  # the start of the latest message kept (the list shows 120 characters)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preview:
    """The start of a thread's latest message and who wrote it."""

    role: str
    text: str

    @classmethod
    def of(cls, message: Message | None) -> Preview | None:
        """None for a thread with no message."""
        if message is None:
            return None
        return cls(message.role, message.text[:PREVIEW_LENGTH])


@lru_cache(maxsize=4096)
def _digest(thread_id: str) -> str:
    """A thread id in a cache key; the list asks for three keys of each thread (remembered)."""
    return hashlib.sha256(str(thread_id).encode()).hexdigest()[:32]


def _key(what: str, user_id, thread_id: str) -> str:
    return f"threads:{what}:{user_id}:{_digest(thread_id)}"


def mark_key(user_id, thread_id: str) -> str:
    return _key("mark", user_id, thread_id)


def preview_key(user_id, thread_id: str) -> str:
    return _key("preview", user_id, thread_id)


def title_key(user_id, thread_id: str) -> str:
    return _key("title", user_id, thread_id)


def keys_of(user_id, thread_ids: Iterable[str]) -> list[str]:
    """Every key kept for these threads of this person."""
    return [
        key(user_id, thread_id)
        for thread_id in thread_ids
        for key in (mark_key, preview_key, title_key)
    ]


@dataclass
class Known:
    """What is remembered for a person's threads: previews still valid, titles made from first
    messages."""

    previews: dict[str, Preview | None] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)


def known(user_id, threads: list[Thread]) -> Known:
    """What is remembered for ``threads`` and still valid (one cache read for them all)."""
    wanted = {}
    for thread in threads:
        for what, key in (
            ("mark", mark_key(user_id, thread.id)),
            ("preview", preview_key(user_id, thread.id)),
            ("title", title_key(user_id, thread.id)),
        ):
            wanted[key] = (what, thread)
    found = cache.get_many(list(wanted))
    marks = {thread.id: found.get(mark_key(user_id, thread.id)) for thread in threads}
    result = Known()
    for key, value in found.items():
        what, thread = wanted[key]
        if what == "preview" and isinstance(value, dict):
            if value.get("stamp") == _stamp(marks[thread.id], thread.active_run_id):
                result.previews[thread.id] = value.get("preview")
        elif what == "title" and isinstance(value, str) and value:
            result.titles[thread.id] = value
    return result


def _stamp(mark, active_run_id: str) -> tuple:
    return (mark, active_run_id or "")


@dataclass
class Asked:
    previews: dict[str, Outcome] = field(default_factory=dict)  # of Preview | None
    titles: dict[str, str] = field(default_factory=dict)


def ask(
    client: UpstreamClient,
    user_id,
    *,
    latest: dict[str, str],
    first: Iterable[str] = (),
) -> Asked:
    """Ask the upstream, side by side, for the latest message of each thread in ``latest``
    (thread id -> its active run as listed) and the first message of each in ``first``, and
    remember what it answers. A thread the person cannot see (404) is just a failed preview."""
    first = list(dict.fromkeys(first))
    # The marks are read before asking: a change made while the answers come in renews them,
    # so what is remembered now is not taken for the thread as it is after that change.
    marks = cache.get_many([mark_key(user_id, thread_id) for thread_id in latest])
    calls = {
        ("latest", thread_id): partial(client.threads.latest_message, thread_id)
        for thread_id in latest
    }
    calls.update(
        {
            ("first", thread_id): partial(client.threads.first_message, thread_id)
            for thread_id in first
        }
    )
    answers = fan_out(calls)
    asked = Asked()
    remember = {}
    for thread_id, active_run_id in latest.items():
        outcome = answers[("latest", thread_id)]
        if outcome.ok:
            outcome = Outcome(value=Preview.of(outcome.value))
            remember[preview_key(user_id, thread_id)] = {
                "stamp": _stamp(marks.get(mark_key(user_id, thread_id)), active_run_id),
                "preview": outcome.value,
            }
        asked.previews[thread_id] = outcome
    titled = {}
    for thread_id in first:
        outcome = answers[("first", thread_id)]
        if outcome.ok and outcome.value is not None:  # a message with no text (a file) too
            title = titles.from_text(outcome.value.text) or titles.UNTITLED
            titled[title_key(user_id, thread_id)] = title
        asked.titles[thread_id] = titled.get(title_key(user_id, thread_id), titles.UNTITLED)
    if remember:
        cache.set_many(remember, PREVIEW_SECONDS)
    if titled:
        cache.set_many(titled, TITLE_SECONDS)
    return asked


def remember_title(user_id, thread_id: str, first: Message | None) -> None:
    """Keep the title made from a first message read elsewhere (the thread's own page)."""
    if first is not None:
        title = titles.from_text(first.text) or titles.UNTITLED
        cache.set(title_key(user_id, thread_id), title, TITLE_SECONDS)


def changed(user_id, thread_id: str, *, first: bool = False) -> None:
    """The dashboard changed the thread: its preview goes (and its title made from its first
    message, when ``first``: a message was deleted). Never raises: the change reached the
    upstream whether or not the cache could be told."""
    stale = [preview_key(user_id, thread_id)]
    if first:
        stale.append(title_key(user_id, thread_id))
    try:
        cache.set(mark_key(user_id, thread_id), uuid.uuid4().hex, MARK_SECONDS)
        cache.delete_many(stale)
    except Exception:  # noqa: BLE001 - a cache that fails must not fail the change
        logger.warning("a thread's kept preview could not be dropped")


def forget(user_id, thread_id: str) -> None:
    """The thread is gone: nothing of it is kept."""
    cache.delete_many(keys_of(user_id, [thread_id]))
