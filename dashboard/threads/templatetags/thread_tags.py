"""Tags of the threads pages. The list's rows, and the titles and latest messages its previews
fragment swaps in, are built here as plain strings, every value escaped and the whole marked
safe once, like the resource tables' rows (``resources.table_rows``): a template loop with two
partials per row cost the page more CPU than everything else on it.
"""

import hashlib
from datetime import datetime
from functools import lru_cache

from django import template
from django.conf import settings
from django.template.defaultfilters import capfirst, date, truncatechars
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone, is_aware, template_localtime
from django.utils.translation import get_language

from dashboard import text
from dashboard.converters import link_maker
from dashboard.resources.presentation import badge_class
from dashboard.text import esc
from dashboard.threads.agents import AgentName

register = template.Library()

LOADING = (
    '<span class="spinner" aria-hidden="true"></span> <span class="muted small">Loading…</span>'
)
NO_THREADS = (
    '\n      <tr><td colspan="4" class="empty">No threads yet. Create one above to talk with an '
    "agent.</td></tr>\n    "
)


@register.filter
def status_badge(status: str) -> str:
    """The badge colour of a thread or run status, as the rest of the dashboard colours it."""
    return badge_class(status)


@register.filter
def pretty_json(value) -> str:
    """A part of a message the dashboard has no special view for, as readable JSON."""
    return text.pretty_json(value)


@register.filter
def agent_named(names: dict | None, agent_id: str) -> AgentName:
    """The agent an id names, from the page's ``agent_names`` (its id alone when unknown)."""
    return (names or {}).get(str(agent_id)) or AgentName(str(agent_id))


@register.filter
def row_key(thread_id: str) -> str:
    """A short HTML id for a thread's row on the list, whatever characters its id holds (the
    previews fragment swaps the row's title and preview in by it)."""
    return hashlib.sha256(str(thread_id).encode()).hexdigest()[:16]


def _local(moment, format_string: str, zone=None) -> str:
    """A timestamp as the ``date`` filter shows it in a template: in the current time zone
    (``zone``, when the caller looked it up already). The two formats the list uses are
    written out for a datetime (what ``date`` gives for them: its ISO form, and its fields)."""
    if type(moment) is datetime and zone is not None:
        local = moment.astimezone(zone) if settings.USE_TZ and is_aware(moment) else moment
    else:
        local = template_localtime(moment)
    if type(local) is datetime and format_string in ("c", "Y-m-d H:i"):
        if format_string == "c":
            return local.isoformat()
        day = f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
        return f"{day} {local.hour:02d}:{local.minute:02d}"
    return date(local, format_string)


@lru_cache(maxsize=8192)
def _truncated(text: str, length: int, language: str) -> str:
    """``truncatechars``, remembered: the list shows the same ids and messages again and again
    (the text it cuts short with depends on the language)."""
    return truncatechars(text, length)


def truncated(value, length: int):
    if type(value) is str:
        return _truncated(value, length, get_language())
    return truncatechars(value, length)


def thread_link_html(url: str, key: str, title, created_at, oob, zone=None) -> str:
    """A row's title, linked to its thread (``url``; "" for an id no link can hold)."""
    swap = ' hx-swap-oob="true"' if oob else ""
    if not url:
        return f'<span id="title-{key}"{swap}>{esc(title) if title else "Thread"}</span>'
    if title:
        shown = esc(title)
    elif created_at:
        shown = f"Thread of {esc(_local(created_at, 'Y-m-d H:i', zone))}"
    else:
        shown = "Thread"
    return f'<a href="{esc(url)}" id="title-{key}" data-testid="thread-link"{swap}>{shown}</a>'


def thread_preview_html(key: str, preview, oob) -> str:
    """A row's latest message: loading (None), failed, the message, or none yet."""
    swap = ' hx-swap-oob="true"' if oob else ""
    if preview is None:
        shown = LOADING
    elif preview.error:
        shown = f'<span class="muted small">Could not load: {esc(preview.error.title)}</span>'
    elif preview.value:
        role = esc(preview.value.role)
        words = esc(truncated(preview.value.text or mark_safe("(no text)"), 120))
        shown = f'<span class="role role-{role}">{role}</span> {words}'
    else:
        shown = '<span class="muted">No messages yet</span>'
    return f'<div id="preview-{key}" class="thread-preview-text"{swap}>{shown}</div>'


@register.simple_tag
def thread_link(thread_id, title, created_at, oob) -> SafeString:
    url = link_maker("thread-detail")(thread_id)
    html = thread_link_html(url, row_key(thread_id), title, created_at, oob)
    return mark_safe(html)  # noqa: S308 - escaped in thread_link_html


@register.simple_tag
def thread_preview(thread_id, preview, oob) -> SafeString:
    return mark_safe(thread_preview_html(row_key(thread_id), preview, oob))  # noqa: S308


@register.simple_tag
def thread_rows(rows) -> SafeString:
    """The ``<tr>`` rows of the threads list (``selectors.ListedThread``), or its empty row."""
    if not rows:
        return mark_safe(NO_THREADS)  # noqa: S308 - a constant
    link, zone = link_maker("thread-detail"), get_current_timezone()
    parts = []
    for row in rows:
        thread = row.thread
        key, moment = row_key(thread.id), thread.created_at
        if moment:
            created = (
                f'<time datetime="{esc(_local(moment, "c", zone))}">'
                f"{esc(_local(moment, 'Y-m-d H:i', zone))}</time>"
            )
        else:
            created = '<span class="muted">unknown</span>'
        parts.append(
            '\n      <tr>\n        <td class="thread-title-cell">'
            f"{thread_link_html(link(thread.id), key, row.title, moment, False, zone)}"
            f'\n          <br><code class="id-cell muted small" title="{esc(thread.id)}">'
            f"{esc(truncated(thread.id, 18))}</code></td>"
            f'\n        <td data-label="Created">{created}</td>'
            f'\n        <td data-label="Status"><span class="badge '
            f'{esc(badge_class(thread.status))}">{esc(capfirst(thread.status))}</span></td>'
            '\n        <td class="thread-preview" data-label="Latest message">'
            f"{thread_preview_html(key, row.preview, False)}</td>\n      </tr>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above
