"""The audit's tags give what the template markup they replaced gave, for the values the stored
pages of ``test_render_identical.py`` do not hold: creation times at other offsets, in other
time zones, naive or missing, and numbers grouped in thousands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone as django_timezone

from dashboard.ownership.collect import AuditRow, Failure, TeamAudit, TeamStatus
from dashboard.ownership.presentation import build_matrix
from dashboard.ownership.templatetags.audit_tags import created_html, matrix_rows
from dashboard.teams.workspace import Team
from dashboard.upstream import catalog

# The created cell of the table of every resource, as ``audit/_combined.html`` wrote it.
CREATED = Template(
    '{% if created %}<time datetime="{{ created|date:\'c\' }}">{{ created|date:"Y-m-d H:i" }}'
    '</time>{% else %}<span class="muted">—</span>{% endif %}'
)

MOMENTS = [
    datetime(2024, 3, 31, 0, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 10, 27, 1, 30, tzinfo=timezone(timedelta(hours=5, minutes=45), "NPT")),
    datetime(2023, 12, 31, 23, 30, tzinfo=timezone(-timedelta(minutes=30))),
    datetime(2024, 3, 10, 2, 30, tzinfo=ZoneInfo("America/New_York")),  # a time that never was
    datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(2024, 5, 6, 7, 8, 9),  # naive
    None,
    "",
]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kathmandu", "America/St_Johns", "Europe/London"])
@pytest.mark.parametrize("moment", MOMENTS, ids=repr)
def test_a_creation_time_is_shown_as_the_date_filter_showed_it(moment, zone):
    with django_timezone.override(ZoneInfo(zone)):
        expected = CREATED.render(Context({"created": moment}))
        assert created_html(moment, django_timezone.get_current_timezone()) == expected


# The matrix's rows as ``audit/_combined.html`` wrote them.
MATRIX_ROWS = Template(
    """{% for row in matrix.rows %}
        <tr data-team="{{ row.team.key }}">
          <th scope="row">{{ row.team.label }}{% if row.status == "forbidden" or row.status == "failed" %} <span class="badge badge-bad">{% if row.status == "forbidden" %}No longer a member (403){% else %}Could not be read{% endif %}</span>{% endif %}</th>
          {% for cell in row.cells %}
          <td class="num">{% if cell.count is None %}<span class="badge badge-bad" title="{{ cell.failure.title }}: {{ cell.failure.message }}">{{ cell.failure.status|default:"error" }}</span>{% else %}{{ cell.count }}{% endif %}</td>
          {% endfor %}
          <td class="num"><strong>{{ row.total }}</strong></td>
        </tr>
        {% endfor %}"""  # noqa: E501 - the template's own lines
)


def test_counts_grouped_in_thousands_are_shown_as_the_template_showed_them(settings):
    settings.USE_THOUSAND_SEPARATOR = True
    kinds = catalog.team_kinds()
    unreadable = {kinds[1].slug: Failure("Unreadable answer", "Said <b>&</b>.")}  # no status
    many = TeamAudit(Team("t-1", "Many <&>"), counts={kinds[0].slug: 1234}, failures=unreadable)
    refused = TeamAudit(Team("t-2", "Left"))
    refused.failures = {kind.slug: Failure("Not allowed", "No.", 403) for kind in kinds}
    assert (many.status, refused.status) == (TeamStatus.PARTIAL, TeamStatus.FORBIDDEN)
    rows = [AuditRow("t-1", kinds[0].slug, f"id-{n}", "n", "", None) for n in range(1234)]
    matrix = build_matrix([many, refused], rows, kinds)
    context = Context({"matrix": matrix})
    rendered = matrix_rows(context, matrix)
    assert "1,234" in rendered and "&lt;b&gt;" in rendered
    assert rendered == MATRIX_ROWS.render(context)
