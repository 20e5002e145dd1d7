"""A thread's title: the one the person gave it, else the one the upstream keeps in the thread's
``meta_data`` (set from the first message when the dashboard creates the thread), else the start
of its first message. A thread with no messages and no title is "Untitled thread"."""

from __future__ import annotations

import re

from dashboard.threads.models import TITLE_MAX_LENGTH, ThreadTitle
from dashboard.upstream.threads import Message, Thread

META_KEY = "title"  # the key of the title in a thread's meta_data
UNTITLED = "Untitled thread"
DERIVED_LENGTH = 80  # a title made from a message: its first line, this long at most


def from_text(text: str, *, length: int = DERIVED_LENGTH) -> str:
    """A title made from a message: its first non-blank line, spaces tidied, shortened."""
    line = next((line for line in str(text or "").splitlines() if line.strip()), "")
    line = re.sub(r"\s+", " ", line).strip()
    if len(line) > length:
        line = line[: length - 1].rstrip() + "…"
    return line


def from_meta(thread: Thread) -> str:
    value = thread.meta_data.get(META_KEY)
    return from_text(value, length=TITLE_MAX_LENGTH) if isinstance(value, str) else ""


def chosen(user, thread_ids) -> dict[str, str]:
    """The titles the person gave to these threads in the dashboard."""
    rows = ThreadTitle.objects.filter(user=user, thread_id__in=list(thread_ids))
    return dict(rows.values_list("thread_id", "title"))


def title_of(thread: Thread, *, given: str = "", first: Message | None = None) -> str:
    return given or from_meta(thread) or (from_text(first.text) if first else "") or UNTITLED


def save(user, thread_id: str, title: str) -> str:
    """Keep the title the person typed; a blank one brings back the automatic title."""
    title = from_text(title, length=TITLE_MAX_LENGTH)
    if not title:
        ThreadTitle.objects.filter(user=user, thread_id=thread_id).delete()
        return ""
    ThreadTitle.objects.update_or_create(user=user, thread_id=thread_id, defaults={"title": title})
    return title


def forget(user, thread_id: str) -> None:
    ThreadTitle.objects.filter(user=user, thread_id=thread_id).delete()
