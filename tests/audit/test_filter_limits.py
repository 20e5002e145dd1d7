"""Values at and past the edge of what the audit's filters and forms can take: days no time zone
or database can turn into a boundary, and names with control characters. Each is a form error
the page explains and the export refuses, never a 500 and never a stored row."""

from __future__ import annotations

import csv
import io
import re

import pytest

from dashboard.audit.forms import EARLIEST_DAY, LATEST_DAY, ActionLogFilterForm
from dashboard.audit.models import ActionLog
from dashboard.ownership.forms import OwnershipFilterForm
from dashboard.people.forms import CreatorNameForm
from dashboard.people.models import CreatorName
from tests.audit.html import table_rows
from tests.conftest import Web, make_dashboard_user

pytestmark = pytest.mark.django_db(transaction=True)

OUT_OF_RANGE = "Give a date from 0001-01-02 to 9999-12-30."
NOT_A_DATE = "Enter a date as YYYY-MM-DD."
BEYOND = ["9999-12-31", "0001-01-01", "10000-01-01", "0000-01-01", "-1-01-01", "12/31/9999"]
GARBLED = ["-1", "9999-12-31\x00", "2024-01-01\x01", "\x7f", "2024-02-30", "0" * 5000]

# (page, its export, the filter form's data-testid, its two date fields)
OWNERSHIP = ("/audit/?wait=1", "/audit/export.csv", "audit-filters", "created_from", "created_to")
ACTION_LOG = ("/audit/log/", "/audit/log/export.csv", "log-filters", "date_from", "date_to")


def ownership_form(data: dict) -> OwnershipFilterForm:
    return OwnershipFilterForm(data, teams=[], kinds=[], creators=[])


def log_form(data: dict) -> ActionLogFilterForm:
    return ActionLogFilterForm(data, teams=[], staff=True)


FORMS = [
    pytest.param(ownership_form, "created_from", id="created_from"),
    pytest.param(ownership_form, "created_to", id="created_to"),
    pytest.param(log_form, "date_from", id="date_from"),
    pytest.param(log_form, "date_to", id="date_to"),
]


@pytest.mark.parametrize(("make_form", "field"), FORMS)
@pytest.mark.parametrize("value", BEYOND)
def test_a_day_out_of_range_is_a_form_error_saying_the_range(make_form, field, value):
    form = make_form({field: value})
    assert not form.is_valid()
    assert form.errors[field] == [OUT_OF_RANGE]


@pytest.mark.parametrize(("make_form", "field"), FORMS)
@pytest.mark.parametrize("value", GARBLED)
def test_a_value_that_is_no_day_is_a_form_error(make_form, field, value):
    form = make_form({field: value})
    assert not form.is_valid()
    assert form.errors[field] == [NOT_A_DATE]


@pytest.mark.parametrize(("make_form", "field"), FORMS)
@pytest.mark.parametrize("value", ["0001-01-02", "9999-12-30", "2024-02-29"])
def test_the_days_at_the_edges_of_the_range_are_accepted(make_form, field, value):
    form = make_form({field: value})
    assert form.is_valid(), form.errors
    assert form.cleaned_data[field].isoformat() == value


def filter_errors(html: str, testid: str) -> list[str]:
    """The error texts shown in the filter form with ``data-testid=testid``."""
    start = html.index(f'data-testid="{testid}"')
    form = html[start : html.index("</form>", start)]
    errors = re.findall(r'role="alert">(.*?)</(?:ul|div)>', form, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", e).split()) for e in errors]


def count_shown(html: str, page: str) -> int:
    """How many resources (audit) or entries (log) the page says it lists."""
    if page.startswith("/audit/log/"):
        return int(re.search(r'data-testid="log-count">(\d+) entr', html).group(1))
    return int(re.search(r'data-testid="audit-count">(\d+) of \d+ resource', html).group(1))


@pytest.mark.parametrize("target", [OWNERSHIP, ACTION_LOG], ids=["ownership", "action-log"])
@pytest.mark.parametrize("end", ["from", "to"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "10000-01-01"])
def test_pages_explain_and_exports_refuse_a_day_out_of_range(holdings, bob_web, target, end, day):
    page, export, testid, start_field, end_field = target
    field = start_field if end == "from" else end_field
    everything = count_shown(bob_web.get(page).text, page)
    assert everything > 0

    shown = bob_web.get(page, params={field: day})
    assert shown.status_code == 200
    assert filter_errors(shown.text, testid) == [OUT_OF_RANGE]
    assert count_shown(shown.text, page) == everything  # an invalid filter filters nothing

    refused = bob_web.get(export, params={field: day})
    assert refused.status_code == 400
    assert refused.headers["Content-Type"].startswith("text/plain")
    assert f"{field}: {OUT_OF_RANGE}" in refused.text


@pytest.mark.parametrize("zone", ["Etc/GMT-14", "UTC", "Etc/GMT+12"])
def test_the_widest_range_filters_in_any_time_zone(holdings, bob_web, settings, zone):
    """The first and last accepted days become datetimes (start of day, day after the end)
    that fit both Python and the database, whatever the offset."""
    settings.TIME_ZONE = zone
    first, last = EARLIEST_DAY.isoformat(), LATEST_DAY.isoformat()
    widest = {"date_from": first, "date_to": last}
    page = bob_web.get(ACTION_LOG[0], params=widest)
    assert page.status_code == 200
    assert filter_errors(page.text, "log-filters") == []
    logged = ActionLog.objects.filter(username="bob").count()
    assert count_shown(page.text, ACTION_LOG[0]) == logged
    export = bob_web.get(ACTION_LOG[1], params=widest)
    assert export.status_code == 200
    assert len(list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))) == logged + 1

    every_row = table_rows(bob_web.get(OWNERSHIP[0]).text, "audit-table")
    dated = [row for row in every_row if row.cells[-1] != "—"]  # a date filter needs a date
    widest = {"created_from": first, "created_to": last}
    audit = bob_web.get(OWNERSHIP[0], params=widest)
    assert audit.status_code == 200 and filter_errors(audit.text, "audit-filters") == []
    assert count_shown(audit.text, OWNERSHIP[0]) == len(dated) > 0
    assert bob_web.get(OWNERSHIP[1], params=widest).status_code == 200


@pytest.fixture
def staff_web(live_server, org):
    make_dashboard_user("sam", member=org.alice, teams=[(org.team_a, "Team A")], staff=True)
    session = Web(live_server.url)
    session.login("sam")
    return session


# NUL and the other C0 controls may be refused for the whole request before any form sees them.
C0_CONTROLS = [
    ("user-1\x00", "Alice", "creator_id"),
    ("user-1", "Ali\x00ce", "display_name"),
    ("user\x01-1", "Alice", "creator_id"),
    ("user-1", "Alice\x1b[31m", "display_name"),
]
# These reach the form whatever the request's other checks: line breaks, tabs, C1 controls,
# and the bidirectional overrides that make a name read as something else.
OTHER_CONTROLS = [
    ("user-1", "Alice\x9b31m", "display_name"),
    ("user-1", "Alice\nBob", "display_name"),
    ("user\t1", "Alice", "creator_id"),
    ("user-1", "\u202eecilA", "display_name"),
    ("\u202euser-1", "Alice", "creator_id"),
]


@pytest.mark.parametrize(("creator_id", "display_name", "problem"), C0_CONTROLS + OTHER_CONTROLS)
def test_the_creator_form_refuses_control_characters_in_either_value(
    creator_id, display_name, problem
):
    form = CreatorNameForm({"creator_id": creator_id, "display_name": display_name})
    assert not form.is_valid()
    assert list(form.errors) == [problem]


def post_name(web, creator_id: str, display_name: str):
    return web.post("/audit/creators/", {"creator_id": creator_id, "display_name": display_name})


@pytest.mark.parametrize(("creator_id", "display_name", "problem"), C0_CONTROLS)
def test_a_creator_name_with_nul_or_escapes_is_refused(
    staff_web, creator_id, display_name, problem
):
    response = post_name(staff_web, creator_id, display_name)
    assert response.status_code == 400 and 'role="alert"' in response.text
    assert not CreatorName.objects.exists()


@pytest.mark.parametrize(("creator_id", "display_name", "problem"), OTHER_CONTROLS)
def test_a_creator_name_with_other_controls_is_a_form_error(
    staff_web, creator_id, display_name, problem
):
    response = post_name(staff_web, creator_id, display_name)
    assert response.status_code == 400
    form = response.text[response.text.index('data-testid="creator-form"') :]
    field = form[form.index(f'name="{problem}"') :]
    assert 'class="field-error"' in field[: field.index("</div>")]
    assert not CreatorName.objects.exists()


def test_a_name_in_any_script_is_accepted(staff_web):
    named = post_name(staff_web, "user-7", "Zoë 李 مریم")
    assert named.status_code == 200 and "is now shown as" in named.text
    assert CreatorName.objects.get(creator_id="user-7").display_name == "Zoë 李 مریم"


@pytest.mark.parametrize("sort", ["zzz", "<script>", "-", ""])
def test_an_order_the_audit_does_not_know_is_the_usual_one_shown_as_such(sort):
    """As on the lists: the other filters still apply, and the form shows the order the
    table is in."""
    from dashboard.ownership.presentation import DEFAULT_SORT
    from dashboard.upstream import catalog

    form = OwnershipFilterForm(
        {"sort": sort, "kind": "files"}, teams=[], kinds=catalog.team_kinds(), creators=[]
    )
    assert form.filters().sort == DEFAULT_SORT and form.filters().kind == "files"
    assert form["sort"].value() == DEFAULT_SORT and not form.errors


@pytest.mark.parametrize(("asked", "page"), [("-1", 1), ("0", 1), ("abc", 1), (None, 1), ("3", 3)])
def test_the_audits_page_number_is_read_as_the_lists_read_it(asked, page):
    from dashboard.ownership.views import _page_number

    assert _page_number(asked) == page
