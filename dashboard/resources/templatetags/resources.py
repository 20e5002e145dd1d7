"""Rendering of table rows, creators, teams and timestamps.

Tables hold up to 50 rows of about eight cells. Built cell by cell with ``format_html`` (as
Django admin builds its change-list cells) or row by row in the template, they cost the
dashboard more CPU than everything else on the page, so a table's rows are one tag
(``table_rows``) that builds plain strings: every value put into the HTML goes through
``esc`` (Django's ``conditional_escape``), and the whole is marked safe once. What does not
change from row to row (a column's cell opening, the detail link's URL, each creator's badge)
is worked out once per table.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timezone as fixed_offset

from django import template
from django.conf import settings
from django.template.base import render_value_in_context
from django.template.defaultfilters import date, filesizeformat, linebreaksbr, truncatechars
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from dashboard.converters import link_maker, link_to
from dashboard.people.directory import Creator
from dashboard.resources.presentation import Cell, Row, TeamName, status_label
from dashboard.text import esc, reveal
from dashboard.upstream.catalog import Format

register = template.Library()

NOTHING = mark_safe('<span class="muted">—</span>')  # noqa: S308 - a constant


register.simple_tag(link_to, name="link_to")
register.filter("revealed", reveal)  # upstream text with its invisible characters shown


def timestamp_html(moment, fallback: str = "") -> str:
    if not moment:
        return esc(fallback) if fallback else NOTHING
    if type(moment) is not datetime or type(moment.tzinfo) is not fixed_offset:
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            date(moment, "c"),
            date(moment, "Y-m-d H:i:s e"),
            date(moment, "Y-m-d H:i"),
        )
    # What the ``date`` formats above give for a datetime at a fixed offset (upstream times
    # always are: see ``parse_timestamp``), which is never ambiguous: its own ISO form, and
    # its fields in the offset it was given in, named as its ``tzname()``.
    minute = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} "
        f"{moment.hour:02d}:{moment.minute:02d}"
    )
    return (
        f'<time datetime="{esc(moment.isoformat())}" '
        f'title="{minute}:{moment.second:02d} {esc(moment.tzname() or "")}">{minute}</time>'
    )


@register.simple_tag
def timestamp(moment, fallback: str = "") -> SafeString:
    return mark_safe(timestamp_html(moment, fallback))  # noqa: S308 - escaped in timestamp_html


UNKNOWN_HINT = (
    "Nobody in the dashboard acts as upstream user {} yet. The name appears once its owner adds "
    "their API key here, or staff name it on the Creator names page."
)


def creator_html(person: Creator | None) -> str:
    if person is None or not person.id:
        return '<span class="muted">unknown</span>'
    if person.is_you:
        shown = (
            '<span class="badge badge-you" data-testid="creator-you" '
            f'title="You: upstream user {esc(person.id)}">you</span>'
        )
    elif person.known:
        shown = f'<span title="Upstream user {esc(person.id)}">{esc(person.name)}</span>'
    else:
        shown = (
            '<span class="creator-unknown" data-testid="creator-unknown" '
            f'title="{esc(UNKNOWN_HINT.format(person.id))}">{esc(person.name)}</span>'
        )
    url = link_to("person", person.id)
    return f'<a class="creator-link" href="{esc(url)}">{shown}</a>' if url else shown


@register.simple_tag
def creator(person: Creator | None) -> SafeString:
    """A creator as a person reads it, linking to everything they own across your teams."""
    return mark_safe(creator_html(person))  # noqa: S308 - escaped in creator_html


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


def status_html(text: str, badge: str) -> str:
    if not text:
        return NOTHING
    return (
        f'<span class="badge {esc(badge)}" data-status="{esc(text)}">'
        f"{esc(status_label(text))}</span>"
    )


@register.simple_tag
def status(text: str, badge: str) -> SafeString:
    return mark_safe(status_html(text, badge))  # noqa: S308 - escaped in status_html


register.filter("status_word", status_label)  # "ready_to_start" as "Ready to start"


@register.filter
def shortened(value) -> str:
    """An id as tables show it: its start and its end, enough to tell rows apart."""
    value = str(value)
    return value if len(value) <= 16 else f"{value[:10]}…{value[-4:]}"


def short_id_html(value, escaped: str | None = None) -> str:
    """``escaped``: ``esc(value)``, when the caller has it already."""
    full = str(value)
    escaped = esc(full) if escaped is None else escaped
    short = shortened(full)
    if short == full:
        return f'<code class="id-cell">{escaped}</code>'
    return f'<code class="id-cell" title="{escaped}">{esc(short)}</code>'


@register.simple_tag
def short_id(value) -> SafeString:
    """An id shown short, whole on hover."""
    return mark_safe(short_id_html(value))  # noqa: S308 - escaped in short_id_html


COPY_ICON = mark_safe(  # noqa: S308 - a constant
    '<svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true" focusable="false">'
    '<rect x="5" y="5" width="9" height="9" rx="1.5"/><path d="M3 11H2.5A1.5 1.5 0 0 1 1 9.5v-7'
    'A1.5 1.5 0 0 1 2.5 1h7A1.5 1.5 0 0 1 11 2.5V3"/></svg>'
)


def copy_button_html(value, what: str = "ID", escaped: str | None = None) -> str:
    """``escaped``: ``esc(value)``, when the caller has it already."""
    value, what = esc(value) if escaped is None else escaped, esc(what)
    return (
        f'<button type="button" class="copy-btn" data-copy="{value}" title="Copy {what}" '
        f'aria-label="Copy {what} {value}">{COPY_ICON}</button>'
    )


@register.simple_tag
def copy_button(value, what: str = "ID") -> SafeString:
    """A button copying ``value``; shown only where ``app.js`` runs, as it needs a script."""
    return mark_safe(copy_button_html(value, what))  # noqa: S308 - escaped in copy_button_html


class TableRows:
    """The ``<tr>`` rows of one table, each cell opening the row's detail page in the team
    ``team_key`` where it is a link. Each cell names its column (``data-label``) and its format
    (a class), so a phone can show the row as a card and a laptop can keep dates and ids on one
    line. With ``selectable`` a row has a checkbox for the bulk form; with ``remove`` (a
    function of a row's id giving the URL of its removal, and its label) a remove link.

    What repeats from row to row is escaped once: a column's cell opening, each creator, each
    status, the row's id wherever it appears."""

    def __init__(
        self,
        team_key: str,
        link_kind: str | None,
        *,
        selectable: bool = False,
        remove: tuple | None = None,
    ):
        self.detail_url = link_maker("resource-detail", team_key, link_kind) if link_kind else None
        self.selectable = selectable
        self.remove = remove
        self.openings: dict[tuple, str] = {}  # a column's "<td …>"
        self.creators: dict[Creator, str] = {}
        self.statuses: dict[tuple[str, str], str] = {}

    def opening(self, cell: Cell) -> str:
        key = (cell.format, cell.label)
        opening = self.openings.get(key)
        if opening is None:
            classes = f"cell-{cell.format} num" if cell.format.numeric else f"cell-{cell.format}"
            opening = f'<td class="{esc(classes)}" data-label="{esc(cell.label)}">'
            self.openings[key] = opening
        return opening

    def creator(self, person: Creator | None) -> str:
        if person is None:
            return creator_html(person)
        shown = self.creators.get(person)
        if shown is None:
            shown = self.creators[person] = creator_html(person)
        return shown

    def status(self, text: str, badge: str) -> str:
        shown = self.statuses.get((text, badge))
        if shown is None:
            shown = self.statuses[text, badge] = status_html(text, badge)
        return shown

    def content(self, cell: Cell, row_id: str, escaped_id: str) -> str:
        """What a cell shows, escaped; an ID cell with its copy button."""
        value, kind = cell.value, cell.format
        if kind is Format.DATETIME:
            return timestamp_html(value, cell.fallback)
        if kind is Format.STATUS:
            return self.status(value, cell.badge)
        if kind is Format.OWNER:
            return self.creator(value)
        if kind is Format.TEAM:
            return team(value)
        if value is None or value == "":
            return NOTHING
        if kind is Format.BYTES:
            return esc(filesizeformat(value))
        if kind is Format.ID:
            return short_id_html(value, escaped_id if value == row_id else None)
        return esc(value)

    def row(self, row: Row) -> str:
        row_id = escaped_id = esc(row.id)
        url = esc(self.detail_url(row.id)) if self.detail_url else ""
        parts = [f'\n<tr data-id="{row_id}"', ' class="row-mine">' if row.is_mine else ">"]
        for cell in row.cells:
            content = self.content(cell, row.id, escaped_id)
            if cell.link and url:
                content = f'<a href="{url}">{content}</a>'
            if cell.format is Format.ID and cell.value:
                same = escaped_id if cell.value == row.id else None
                content = (
                    f'<span class="id-chip">{content}'
                    f"{copy_button_html(cell.value, escaped=same)}</span>"
                )
            parts += (self.opening(cell), content, "</td>")
        if self.remove is not None:
            remove_url, label = self.remove
            parts.append('<td class="actions cell-actions">')
            url = remove_url(row.id)
            if url:
                parts.append(
                    f'<a class="btn btn-small btn-ghost" href="{esc(url)}" '
                    f'data-testid="sub-remove">{esc(label)}…</a>'
                )
            parts.append("</td>")
        if self.selectable:
            parts.append(
                f'<td class="select-cell" data-label="Select"><input type="checkbox" name="id" '
                f'value="{escaped_id}" form="bulk-form" aria-label="Select {esc(row.name)}" '
                'data-testid="row-select"></td>'
            )
        parts.append("</tr>")
        return "".join(parts)

    def html(self, rows: list[Row]) -> SafeString:
        return mark_safe("".join(self.row(row) for row in rows))  # noqa: S308 - all escaped


@register.simple_tag(takes_context=True)
def table_rows(context, rows, link_kind: str | None = None, selectable=False, removable=False):
    """The rows of a table in the page's team. A removable row (a sub-list's, on a detail page)
    links to its removal from ``resource_id`` of ``kind``, its ``remove_index``-th sub-list,
    labelled as ``section.sub`` says."""
    team_key = context["active_team"].key
    remove = None
    if removable:
        remove = (
            link_maker(
                "resource-sub-remove",
                team_key,
                context["kind"].slug,
                context["resource_id"],
                context["remove_index"],
            ),
            context["section"]["sub"].remove_label,
        )
    return TableRows(team_key, link_kind, selectable=bool(selectable), remove=remove).html(rows)


@register.simple_tag(takes_context=True)
def detail_fields(context, fields) -> SafeString:
    """A detail page's fields, each labelled and shown as its format says: built as strings,
    each value as ``{{ }}`` and the tags named below would show it, like the tables' rows (a
    template of one ``{% if %}`` per format, per field, cost a detail page as much as a
    50-row list)."""
    shown = [
        f'<dt>{esc(f.label)}</dt><dd data-field="{esc(f.key)}">{_field_html(context, f)}\n</dd>'
        for f in fields
    ]
    return mark_safe("".join(shown))  # noqa: S308 - every value escaped in _field_html


def _field_html(context, f) -> str:
    value = f.value
    match f.format:
        case "links":
            return f'<ul class="inline-list">{_links_html(context, f.links)}</ul>'
        case "empty":
            return NOTHING
        case "owner":
            return creator_html(value)
        case "team":
            return team(value)
        case "status":
            return status_html(value, f.badge)
        case "bool":  # {{ value|yesno:"yes,no" }}
            return "yes" if value else "no"
        case "bytes":
            size = esc(filesizeformat(value))
            if value < 1024:
                return size
            exact = render_value_in_context(value, context)
            return f'{size} <span class="muted small">({exact} bytes)</span>'
        case "datetime":
            return timestamp_html(value)
        case "list":
            items = "".join(f"<li><code>{esc(v)}</code></li>" for v in value)
            return f'<ul class="inline-list">{items}</ul>'
        case "json":
            return f'<pre class="json json-small">{esc(value)}</pre>'
    return linebreaksbr(value, autoescape=True)


def _links_html(context, links) -> str:
    """Each related resource: a link to it in the page's team (if it can be linked), and its
    id unless that is what it is called."""
    shown = []
    for link in links:
        text = esc(link.text)
        if link.kind:
            url = link_to("resource-detail", context["active_team"].key, link.kind, link.id)
            text = f'<a href="{esc(url)}">{text}</a>'
        if link.text != link.id:
            text += f' <code class="id-cell">{esc(link.id)}</code>'
        shown.append(f"<li>{text}</li>")
    return "".join(shown)


PANEL_COUNT_TITLE = (
    "At least {}: the dashboard stops counting there; open the list to page through all of them"
)


@register.simple_tag(takes_context=True)
def overview_cards(context, cards) -> SafeString:
    """The overview's panels: each kind's count and newest rows, or what went wrong reading
    them (``errors/_upstream.html``), or that there are none yet. Built as strings, each value
    as ``{{ }}`` would show it, like the tables' rows (a template loop of nine panels cost the
    page more than the rest of it)."""
    team_key = context["active_team"].key
    list_url = link_maker("resource-list", team_key)
    shown = [_panel_html(context, card, team_key, list_url) for card in cards]
    return mark_safe("".join(shown))  # noqa: S308 - every value escaped in _panel_html


def count_text(count, context) -> str:
    """``{{ count }}``: a whole number is its digits unless numbers are grouped in thousands
    (then, or for anything else, as the template engine shows it)."""
    if type(count) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(count)
    return render_value_in_context(count, context)


def _panel_html(context, card, team_key: str, list_url) -> str:
    panel = card["panel"]
    kind, rows = panel.kind, card["rows"]
    slug, url = esc(kind.slug), esc(list_url(kind.slug))
    label, lower = esc(kind.label), esc(kind.label.lower())
    count = ""
    if not panel.error:
        number = count_text(panel.count, context)
        if panel.count_is_lower_bound:
            title, shown = PANEL_COUNT_TITLE.format(number), f"at least {number}"
        else:
            title, shown = f"{number} in this team", number
        count = (
            f'<span class="panel-count" data-testid="count-{slug}" title="{title}">{shown}</span>'
        )
    if panel.error:
        error = context.template.engine.get_template("errors/_upstream.html")
        with context.push(error=panel.error):
            body = f"\n      {error.render(context)}\n    "
    elif rows:
        headings = "".join(
            '<th scope="col">'
            + ("Name" if index == 0 else "Status" if cell.format == "status" else "Created")
            + "</th>"
            for index, cell in enumerate(rows[0].cells)
        )
        body = (
            '\n      <table class="table panel-table">\n'
            f'        <thead class="visually-hidden"><tr>{headings}</tr></thead>\n'
            f"        <tbody>{TableRows(team_key, kind.slug).html(rows)}\n</tbody>\n"
            "      </table>\n    "
        )
    else:
        body = f'\n      <p class="muted empty-panel">No {lower} in this team yet.</p>\n    '
    return (
        f'\n  <section class="card panel" data-testid="panel-{slug}" '
        f'aria-labelledby="panel-{slug}-title">\n'
        '    <div class="panel-head">\n'
        f'      <h2 id="panel-{slug}-title"><a href="{url}">{label}</a></h2>\n'
        f"      {count}\n"
        "    </div>\n"
        f"    {body}\n"
        f'    <p class="panel-foot"><a href="{url}">All {lower} →</a></p>\n'
        "  </section>\n"
    )
