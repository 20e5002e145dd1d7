"""Rendering of the ownership audit's tables: the rows of the table of every resource, of each
team's counts and creators, of people × teams and of the teams × kinds matrix, and the chart's
bars.

The audit's one request holds every team's section and the combined part. Rendered row by row
in templates (the creator cell an include of its own), those tables cost the request several
times what everything else in it does, so each table's rows are one tag that builds plain
strings, as the resource tables' rows are (``resources.table_rows``): every value put into the
HTML goes through ``esc`` (Django's ``conditional_escape``), the whole is marked safe once, and
what repeats from row to row (a creator's cell, a team, a kind's links, a failure's badge) is
worked out once per table. The markup is what the templates wrote, white space included:
``tests/audit/test_render_identical.py`` holds the audit byte for byte as they rendered it.
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.conf import settings
from django.template.defaultfilters import (
    add,
    capfirst,
    date,
    filesizeformat,
    truncatechars,
    urlencode,
)
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone, is_aware, template_localtime

from dashboard.converters import link_maker, url_for
from dashboard.ownership.collect import Failure, TeamStatus
from dashboard.ownership.presentation import status_text
from dashboard.people.directory import Creator
from dashboard.resources.templatetags.resources import count_text, creator_html, shortened
from dashboard.text import esc, reveal

register = template.Library()

DASH = '<span class="muted">—</span>'  # no creation time; nothing in a team
DOT = '<span class="muted">·</span>'  # nothing of a kind
UNREADABLE = (TeamStatus.FORBIDDEN, TeamStatus.FAILED)  # a team of which nothing was read


class CreatorCells(dict):
    """Each creator's cell, worked out once: the creator as a person reads it, linking to all
    they own, and the id of someone known by name (shown short, whole on hover)."""

    def __missing__(self, person: Creator) -> str:
        shown = creator_html(person)
        if person.known and not person.is_you:
            shown += (
                f' <span class="muted id-cell" title="Upstream user {esc(person.id)}">'
                f"{esc(shortened(person.id))}</span>"
            )
        self[person] = shown = f"{shown}\n"
        return shown


def failure_title(failure: Failure) -> str:
    """What went wrong reading a kind, for a badge's ``title``."""
    return f"{esc(failure.title)}: {esc(failure.message)}"


def failure_status(failure: Failure, context) -> str:
    """The status the upstream answered a failed read with, or "error" where it gave none."""
    return count_text(failure.status or "error", context)


def created_html(moment, zone) -> str:
    """When a resource was created, in the current time zone (``zone``), as the ``date``
    filter shows it: its ISO form in ``datetime``, to the minute in the text."""
    if not moment:
        return DASH
    if type(moment) is datetime and settings.USE_TZ and is_aware(moment):
        local = moment.astimezone(zone)
        iso = local.isoformat()  # the ``c`` format
        minute = (
            f"{local.year:04d}-{local.month:02d}-{local.day:02d} "
            f"{local.hour:02d}:{local.minute:02d}"
        )
    else:
        local = template_localtime(moment)
        iso, minute = date(local, "c"), date(local, "Y-m-d H:i")
    return f'<time datetime="{esc(iso)}">{esc(minute)}</time>'


@register.simple_tag
def audit_rows(lines) -> SafeString:
    """The rows of the table of every resource (``presentation.ResourceLine``s): each names
    its kind, its resource (opening it in its team, where its id can be linked), its team,
    its creator and when it was created."""
    creators, zone = CreatorCells(), get_current_timezone()
    openings: dict[tuple, tuple] = {}  # (team, kind slug) -> the row up to its name, link, team
    parts = []
    for line in lines:
        team, kind, row = line.team, line.kind, line.row
        opening = openings.get((team, kind.slug))
        if opening is None:
            opening = openings[team, kind.slug] = (
                f'\n        <tr data-kind="{esc(kind.slug)}" data-team="{esc(team.key)}">'
                f'\n          <td data-label="Kind">{esc(capfirst(kind.singular))}</td>'
                '\n          <td class="cell-name">',
                link_maker("resource-detail", team.key, kind.slug),
                esc(team.label),
            )
        start, link, label = opening
        name, url = esc(reveal(row.name)), link(row.resource_id)
        parts += (
            start,
            f'<a href="{esc(url)}">{name}</a>' if url else name,
            f'</td>\n          <td class="id-cell" data-label="ID">{esc(row.resource_id)}</td>'
            f'\n          <td data-label="Team">{label}</td>'
            f'\n          <td data-label="Creator">{creators[line.creator]}</td>'
            f'\n          <td data-label="Created">{created_html(row.created, zone)}</td>'
            "\n        </tr>\n        ",
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


@register.simple_tag(takes_context=True)
def kind_counts(context, counts) -> SafeString:
    """A team's count of each kind (``TeamSection.kind_counts``), or why it is unknown."""
    parts = []
    for kind, count, failure in counts:
        label = esc(kind.label)
        if failure:
            shown = (
                f'<span class="badge badge-bad" title="{failure_title(failure)}">{label}: not '
                f"read ({failure_status(failure, context)})</span>"
            )
        else:
            shown = (
                f'<span class="muted">{label}</span> <strong>{count_text(count, context)}</strong>'
            )
        parts.append(f"\n        <li>{shown}</li>\n      ")
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


@register.simple_tag(takes_context=True)
def creator_rows(context, summaries, is_staff) -> SafeString:
    """The rows of a team's creators (``presentation.CreatorCounts``): how many of each kind
    the team holds each created; for staff, a link to name the creator."""
    creators = CreatorCells()
    naming = esc(url_for("audit-creators")) if is_staff else ""
    parts = []
    for summary in summaries:
        person = summary.creator
        counts = "".join(
            f'<td class="num">{count_text(count, context) if count else DOT}</td>'
            for count in summary.counts
        )
        name = ""
        if is_staff:
            link = (
                f'<a class="btn btn-small btn-ghost" href="{naming}?creator_id='
                f'{esc(urlencode(person.id))}">Name…</a>'
                if person.id
                else ""
            )
            name = f"<td>{link}</td>"
        parts.append(
            f"\n          <tr>\n            <td>{creators[person]}</td>\n            {counts}"
            f'\n            <td class="num"><strong>{count_text(summary.total, context)}'
            f"</strong></td>\n            {name}\n          </tr>\n          "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


def size_html(size) -> str:
    return f' <span class="muted small">· {esc(filesizeformat(size))}</span>' if size else ""


@register.simple_tag(takes_context=True)
def people_rows(context, people) -> SafeString:
    """The rows of people × teams (``people.PeopleRow``): what each creator owns in each team,
    and the storage of their files."""
    parts = []
    for row in people:
        cells = "".join(
            f'<td class="num">{count_text(cell.count, context)}{size_html(cell.size)}</td>'
            if cell.count
            else f'<td class="num">{DASH}</td>'
            for cell in row.cells
        )
        parts.append(
            f'\n        <tr data-creator="{esc(row.creator.id)}">'
            f'\n          <th scope="row">{creator_html(row.creator)}</th>\n          {cells}'
            f'\n          <td class="num"><strong>{count_text(row.total, context)}</strong>'
            f"{size_html(row.size)}</td>\n        </tr>\n        "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


@register.simple_tag(takes_context=True)
def matrix_rows(context, matrix) -> SafeString:
    """The rows of the teams × kinds matrix (``presentation.Matrix``): a team's count of each
    kind, or why it is unknown."""
    badges: dict[Failure, str] = {}
    parts = []
    for row in matrix.rows:
        label = esc(row.team.label)
        if row.status in UNREADABLE:
            label += f' <span class="badge badge-bad">{esc(status_text(row.status))}</span>'
        parts.append(
            f'\n        <tr data-team="{esc(row.team.key)}">'
            f'\n          <th scope="row">{label}</th>\n          '
        )
        for cell in row.cells:
            if cell.count is None:
                shown = badges.get(cell.failure)
                if shown is None:
                    failure = cell.failure
                    shown = badges[failure] = (
                        f'<span class="badge badge-bad" title="{failure_title(failure)}">'
                        f"{failure_status(failure, context)}</span>"
                    )
            else:
                shown = count_text(cell.count, context)
            parts.append(f'\n          <td class="num">{shown}</td>\n          ')
        parts.append(
            f'\n          <td class="num"><strong>{count_text(row.total, context)}</strong></td>'
            "\n        </tr>\n        "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


@register.simple_tag
def chart_bars(chart) -> SafeString:
    """The chart's bars (``presentation.Chart``): a team's label, a segment per kind it holds,
    its total (or why there is none). Numbers as ``{% localize off %}`` writes them."""
    label_x = esc(add(chart.bar_x, -10))
    parts = []
    for bar in chart.bars:
        label, text_y, y = esc(bar.label), esc(bar.text_y), esc(bar.y)
        parts.append(
            f'\n      <g>\n        <text x="{label_x}" y="{text_y}" text-anchor="end" '
            f'class="audit-chart-label">{esc(truncatechars(bar.label, 26))}</text>\n        '
        )
        for segment in bar.segments:
            parts.append(
                f'\n        <rect x="{esc(segment.x)}" y="{y}" width="{esc(segment.width)}" '
                f'height="18" class="audit-seg audit-seg-{esc(segment.colour)}"><title>{label} · '
                f"{esc(segment.label)}</title></rect>\n        "
            )
        if bar.status == TeamStatus.FORBIDDEN:
            total = "403"
        elif bar.status == TeamStatus.FAILED:
            total = "error"
        else:
            total = esc(bar.total)
        bad = " audit-chart-bad" if bar.status in UNREADABLE else ""
        parts.append(
            f'\n        <text x="{esc(bar.end_x)}" y="{text_y}" class="audit-chart-total{bad}">'
            f"{total}</text>\n      </g>\n      "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above
