"""Rendering of table cells, creators, teams and timestamps.

Tables hold up to 50 rows of about eight cells; rendering each cell through nested template
includes cost more than the upstream call behind the page, so cells are built here with
``format_html`` (as Django admin builds its change-list cells).
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date, filesizeformat, truncatechars
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from dashboard.converters import link_to
from dashboard.people.directory import Creator
from dashboard.resources.presentation import Cell, Row, TeamName, status_label
from dashboard.text import reveal
from dashboard.upstream.catalog import Format

register = template.Library()

NOTHING = mark_safe('<span class="muted">—</span>')  # noqa: S308 - a constant


register.simple_tag(link_to, name="link_to")
register.filter("revealed", reveal)  # upstream text with its invisible characters shown


@register.simple_tag
def timestamp(moment, fallback: str = "") -> SafeString:
    if moment:
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            date(moment, "c"),
            date(moment, "Y-m-d H:i:s e"),
            date(moment, "Y-m-d H:i"),
        )
    return format_html("{}", fallback) if fallback else NOTHING


UNKNOWN_HINT = (
    "Nobody in the dashboard acts as upstream user {} yet. The name appears once its owner adds "
    "their API key here, or staff name it on the Creator names page."
)


@register.simple_tag
def creator(person: Creator | None) -> SafeString:
    """A creator as a person reads it, linking to everything they own across your teams."""
    if person is None or not person.id:
        return mark_safe('<span class="muted">unknown</span>')  # noqa: S308 - a constant
    if person.is_you:
        shown = format_html(
            '<span class="badge badge-you" data-testid="creator-you" title="You: upstream user {}">'
            "you</span>",
            person.id,
        )
    elif person.known:
        shown = format_html('<span title="Upstream user {}">{}</span>', person.id, person.name)
    else:
        shown = format_html(
            '<span class="creator-unknown" data-testid="creator-unknown" title="{}">{}</span>',
            UNKNOWN_HINT.format(person.id),
            person.name,
        )
    url = link_to("person", person.id)
    return format_html('<a class="creator-link" href="{}">{}</a>', url, shown) if url else shown


@register.simple_tag
def team(name: TeamName | None) -> SafeString:
    if name is None or not name.id:
        return NOTHING
    if not name.label:
        return format_html(
            '<code class="id-cell" title="Team ID (not saved in the dashboard)">{}</code>', name.id
        )
    return format_html(
        '<span class="team-name">{}</span> <code class="id-cell" title="Team ID {}">{}</code>',
        name.label,
        name.id,
        truncatechars(name.id, 9),
    )


@register.simple_tag
def status(text: str, badge: str) -> SafeString:
    if not text:
        return NOTHING
    return format_html(
        '<span class="badge {}" data-status="{}">{}</span>', badge, text, status_label(text)
    )


register.filter("status_word", status_label)  # "ready_to_start" as "Ready to start"


def cell_content(cell: Cell) -> SafeString:
    if cell.format is Format.DATETIME:
        return timestamp(cell.value, cell.fallback)
    if cell.format is Format.STATUS:
        return status(cell.value, cell.badge)
    if cell.format is Format.OWNER:
        return creator(cell.value)
    if cell.format is Format.TEAM:
        return team(cell.value)
    if cell.value is None or cell.value == "":
        return NOTHING
    if cell.format is Format.BYTES:
        return format_html("{}", filesizeformat(cell.value))
    if cell.format is Format.ID:
        return short_id(cell.value)
    return format_html("{}", cell.value)


@register.filter
def shortened(value) -> str:
    """An id as tables show it: its start and its end, enough to tell rows apart."""
    value = str(value)
    return value if len(value) <= 16 else f"{value[:10]}…{value[-4:]}"


@register.simple_tag
def short_id(value) -> SafeString:
    """An id shown short, whole on hover."""
    full = str(value)
    short = shortened(full)
    if short == full:
        return format_html('<code class="id-cell">{}</code>', full)
    return format_html('<code class="id-cell" title="{}">{}</code>', full, short)


COPY_ICON = mark_safe(  # noqa: S308 - a constant
    '<svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true" focusable="false">'
    '<rect x="5" y="5" width="9" height="9" rx="1.5"/><path d="M3 11H2.5A1.5 1.5 0 0 1 1 9.5v-7'
    'A1.5 1.5 0 0 1 2.5 1h7A1.5 1.5 0 0 1 11 2.5V3"/></svg>'
)


@register.simple_tag
def copy_button(value, what: str = "ID") -> SafeString:
    """A button copying ``value``; shown only where ``app.js`` runs, as it needs a script."""
    return format_html(
        '<button type="button" class="copy-btn" data-copy="{}" title="Copy {}" '
        'aria-label="Copy {} {}">{}</button>',
        value,
        what,
        what,
        value,
        COPY_ICON,
    )


@register.simple_tag
def row_cells(row: Row, team_key: str, link_kind: str | None = None) -> SafeString:
    """The ``<td>`` cells of a row; cells marked as links open the row's detail page in the
    team ``team_key``. Each cell names its column (``data-label``) and its format (a class), so
    a phone can show the row as a card and a laptop can keep dates and ids on one line."""
    url = link_to("resource-detail", team_key, link_kind, row.id) if link_kind else ""
    cells = []
    for cell in row.cells:
        content = cell_content(cell)
        if cell.link and url:
            content = format_html('<a href="{}">{}</a>', url, content)
        if cell.format is Format.ID and cell.value:
            content = format_html(
                '<span class="id-chip">{}{}</span>', content, copy_button(cell.value)
            )
        classes = f"cell-{cell.format} num" if cell.format.numeric else f"cell-{cell.format}"
        cells.append(
            format_html('<td class="{}" data-label="{}">{}</td>', classes, cell.label, content)
        )
    return format_html_join("", "{}", ((cell,) for cell in cells))
