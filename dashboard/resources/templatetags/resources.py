"""Rendering of table cells, creators, teams and timestamps.

Tables hold up to 50 rows of about eight cells; rendering each cell through nested template
includes cost more than the upstream call behind the page, so cells are built here with
``format_html`` (as Django admin builds its change-list cells).
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date, filesizeformat, truncatechars
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from dashboard.people.directory import Creator
from dashboard.resources.presentation import Cell, Row, TeamName, status_label
from dashboard.text import reveal
from dashboard.upstream.catalog import Format

register = template.Library()

NOTHING = mark_safe('<span class="muted">—</span>')  # noqa: S308 - a constant


def link_to(name: str, *ids: str) -> str:
    """The URL of a page named by ids, or "" when one of them cannot be a path segment (an
    upstream id holding ``/``, say): such an id is shown as text, never linked."""
    try:
        return reverse(name, args=[str(value) for value in ids])
    except NoReverseMatch:
        return ""


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
        return format_html('<code class="id-cell">{}</code>', cell.value)
    return format_html("{}", cell.value)


@register.simple_tag
def row_cells(row: Row, team_key: str, link_kind: str | None = None) -> SafeString:
    """The ``<td>`` cells of a row; cells marked as links open the row's detail page in the
    team ``team_key``."""
    url = link_to("resource-detail", team_key, link_kind, row.id) if link_kind else ""
    cells = []
    for cell in row.cells:
        content = cell_content(cell)
        if cell.link and url:
            content = format_html('<a href="{}">{}</a>', url, content)
        numeric = cell.format.numeric
        cells.append(format_html('<td class="num">{}</td>' if numeric else "<td>{}</td>", content))
    return format_html_join("", "{}", ((cell,) for cell in cells))
