"""Random and hostile values posted to every form: a 4xx or a form error, never a 500, and no
row created from an invalid submission."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dashboard.accounts.models import ApiKey
from dashboard.audit.models import ActionLog
from dashboard.people.models import CreatorName
from dashboard.teams.models import SavedTeam
from dashboard.upstream import catalog
from tests.conftest import Web, make_dashboard_user, team_url
from tests.uploads.conftest import send_file, upload_url

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "'; DROP TABLE accounts_apikey; --",
            "<script>alert(1)</script>",
            "../../etc/passwd",
            "personal",
            "null",
            "0" * 5000,
            "%00",
            "{{ 7*7 }}",
            "\u202e",
            "124cb1bb-d8d3-4e9b-9c96-2039fba43e78",
            "http://169.254.169.254/latest/meta-data/",
        ]
    ),
)
# Days no filter can take (beyond what a datetime holds, or not days at all) among real ones.
DATES = st.one_of(
    HOSTILE,
    st.dates().map(date.isoformat),
    st.sampled_from(
        [
            "9999-12-31",
            "9999-12-30",
            "0001-01-01",
            "0001-01-02",
            "10000-01-01",
            "0000-01-01",
            "-1",
            "-0001-01-01",
            "2024-02-30",
            "12/31/9999",
            "2024-01-01\x00",
            "2024-01-01\x1b",
            "\x07",
            "99999999999999999999-01-01",
        ]
    ),
)
RUN = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def ok_status(response) -> None:
    assert response.status_code < 500, response.status_code
    assert "Traceback" not in response.text


@RUN
@given(label=HOSTILE, key=HOSTILE)
def test_keys_form(alice_web, label, key):
    before = ApiKey.objects.count()
    ok_status(alice_web.post("/keys/", {"label": label, "api_key": key}))
    assert ApiKey.objects.count() == before


@RUN
@given(team_id=HOSTILE, label=HOSTILE)
def test_teams_form(alice_web, team_id, label):
    before = SavedTeam.objects.count()
    ok_status(alice_web.post("/teams/", {"team_id": team_id, "label": label}))
    assert SavedTeam.objects.count() == before


def assert_local_redirect(response) -> str:
    """Never an open redirect: wherever the answer leads, it is a page of the dashboard."""
    assert response.status_code < 500, response.status_code
    location = response.headers.get("Location", "")
    if location:
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    return location


@pytest.fixture
def team_c(org):
    """A team Alice is in but has not saved: the form saving it leads back to ``next``."""
    from dashboard.sandbox import identity

    return identity.create_team("Team C", [(org.alice.sandbox_user, "Creator")])


@RUN
@given(team=HOSTILE, next_url=HOSTILE)
def test_team_links_and_the_save_team_form_lead_only_within_the_dashboard(
    alice_web, team_c, team, next_url
):
    """Where a team or a page to go back to comes from the person (an old link's ``?team=``,
    the "save this team" form's ``next``), the answer stays on the dashboard."""
    old_link = alice_web.get("/r/files/", params={"team": team}, allow_redirects=False)
    location = assert_local_redirect(old_link)
    if old_link.status_code == 302:
        assert location.startswith("/t/") and location.split("?")[0].endswith("/r/files/")

    saved = alice_web.post(
        "/teams/",
        {"team_id": str(team_c.pk), "label": "Team C", "next": next_url},
        allow_redirects=False,
    )
    assert_local_redirect(saved)
    SavedTeam.objects.filter(team_id=str(team_c.pk)).delete()


@RUN
@given(label=HOSTILE)
def test_rename_form(alice_web, label):
    team = SavedTeam.objects.get(user__username="alice")
    ok_status(alice_web.post(f"/teams/{team.pk}/rename/", {"label": label}))
    team.refresh_from_db()
    assert team.label.strip() and len(team.label) <= 100


PURPOSES = (
    "fine-tune",
    "preference-fine-tune",
    "reinforcement-fine-tune",
    "pre-train",
    "alignment",
)


def as_segment(team: str) -> str:
    """A hostile team as a URL can name it: one path segment. A "/" would make it several
    (a 404 by the dashboard's routes, but Django's test server looks every path up as a file
    first, and fails there on a path that climbs out of its folder or a segment longer than a
    file name can be), so it is left out, and the segment cut to 255 bytes."""
    return team.replace("/", "").encode()[:255].decode(errors="ignore")


def in_path(team: str) -> str:
    """``team``'s segment with every byte percent-encoded, so nothing on the way reads it."""
    return "".join(f"%{byte:02X}" for byte in as_segment(team).encode())


def names_personal(team: str) -> bool:
    """Whether the URL naming ``team`` is Alice's personal workspace (as the dashboard reads a
    team key: case and surrounding spaces aside)."""
    return as_segment(team).strip().lower() in ("", "personal")


@RUN
@given(
    purpose=HOSTILE,
    team=HOSTILE,
    name=st.text(min_size=1, max_size=80),
    body=st.binary(max_size=200),
)
def test_upload_form(alice_web, org, purpose, team, name, body):
    """The upload form, posted to the upload page of a hostile team: only the personal
    workspace (the one team among these values Alice can upload to) may store anything."""
    from dashboard.sandbox.models import SandboxFile

    before = SandboxFile.objects.count()
    response = alice_web.post(
        upload_url(in_path(team)),
        {"purpose": purpose},
        files={"files": (name, body, "application/octet-stream")},
    )
    ok_status(response)
    if purpose not in PURPOSES or not names_personal(team):
        assert SandboxFile.objects.count() == before


def as_header(value: str) -> str:
    """A hostile value as a header can carry it: its UTF-8 bytes, line breaks and NUL out."""
    cleaned = value.replace("\r", "").replace("\n", "").replace("\x00", "")
    return cleaned.encode("utf-8").decode("latin-1")


@RUN
@given(
    purpose=HOSTILE,
    team=HOSTILE,
    name=HOSTILE,
    length=st.one_of(st.none(), st.sampled_from(["", "-1", "abc", "99999999999999999999"])),
    body=st.binary(max_size=200),
)
def test_scripted_upload(alice_web, org, purpose, team, name, length, body):
    """The page script's way (the file as the body, the rest in headers), hostile throughout,
    to the upload page of a hostile team."""
    from dashboard.sandbox.models import SandboxFile

    before = SandboxFile.objects.count()
    headers = {"X-Upload-Filename": as_header(name)}
    if length is not None:
        headers["Content-Length"] = length
    try:
        response = send_file(
            alice_web,
            "x",
            body,
            team=in_path(team),
            purpose=as_header(purpose),
            headers=headers,
        )
    except requests.exceptions.InvalidHeader:
        return  # a value the client itself will not put in a header: nothing was sent
    except requests.RequestException:
        # Only a false length may cut the exchange short (the server stops reading where the
        # length says); with the true one, a broken connection is a failure like a 500.
        assert length is not None, "the upload broke off although its length was true"
        return
    ok_status(response)
    if not names_personal(team):
        assert SandboxFile.objects.count() == before


@RUN
@given(text=HOSTILE)
def test_thread_message_and_new_thread_forms(alice_web, org, text):
    from dashboard.sandbox import conversations
    from dashboard.sandbox.models import SandboxMessage

    thread = conversations.create_thread(org.alice.sandbox_user)
    before = SandboxMessage.objects.count()
    ok_status(alice_web.post(f"/threads/{thread.pk}/messages/", {"text": text}))
    if not text.strip():
        assert SandboxMessage.objects.count() == before
    ok_status(alice_web.post("/threads/", {"message": text}))


@RUN
@given(q=HOSTILE, sort=HOSTILE, page=HOSTILE, mine=HOSTILE)
def test_resource_list_filters(alice_web, q, sort, page, mine):
    params = {"q": q, "sort": sort, "page": page, "mine": mine}
    ok_status(alice_web.get(team_url(None, "r/files/"), params=params))


def filter_form_errors(html: str, testid: str) -> bool:
    """Whether the filter form with ``data-testid=testid`` shows an error (it must be there)."""
    start = html.index(f'data-testid="{testid}"')
    return 'role="alert"' in html[start : html.index("</form>", start)]


def filtered_alike(web, page: str, export: str, testid: str, params: dict) -> None:
    """The page and its export take the same query: where the page explains an invalid filter
    (and filters nothing), the export refuses it and says so; otherwise the export is sent."""
    shown = web.get(page, params=params)
    ok_status(shown)
    exported = web.get(export, params=params)
    ok_status(exported)
    if shown.status_code == 400:  # the query refused before any form saw it (control characters)
        assert 'role="alert"' in shown.text
        assert exported.status_code == 400, exported.status_code
        return
    assert shown.status_code == 200, shown.status_code
    if filter_form_errors(shown.text, testid):
        assert exported.status_code == 400, exported.status_code
        assert "The filters are not valid" in exported.text
    else:
        assert exported.status_code == 200, exported.text[:200]


OWNERSHIP = ("/audit/?wait=1", "/audit/export.csv", "audit-filters")
OWNERSHIP_JSON = ("/audit/?wait=1", "/audit/export.json", "audit-filters")
ACTION_LOG = ("/audit/log/", "/audit/log/export.csv", "log-filters")


def or_valid(*values: str) -> st.SearchStrategy[str]:
    """Hostile values, or ones the field takes: a form with one bad value and the rest valid
    reaches the code that uses the values, not only the form's refusal."""
    return st.one_of(st.sampled_from(["", *values]), HOSTILE)


FILTERS = st.fixed_dictionaries(
    {
        "team": or_valid("personal"),
        "kind": or_valid(*(kind.slug for kind in catalog.team_kinds())),
        "creator": HOSTILE,
        "start": st.one_of(st.just(""), DATES),
        "end": st.one_of(st.just(""), DATES),
        "sort": or_valid("name", "-created"),
        "page": HOSTILE,
        "action": or_valid(*ActionLog.Action.values),
        "outcome": or_valid(*ActionLog.Outcome.values),
        "user": or_valid("alice"),
    }
)
BLANK = dict.fromkeys(
    ["team", "kind", "creator", "start", "end", "sort", "page", "action", "outcome", "user"], ""
)


def with_filters(test):
    """Each day no filter can take, alone in otherwise valid filters, then Hypothesis's own."""
    for start, end in [
        ("", "9999-12-31"),
        ("9999-12-31", ""),
        ("0001-01-01", ""),
        ("", "0001-01-01"),
        ("10000-01-01", "-1"),
        ("2024-01-01\x00", "2024-01-01\x1b"),
    ]:
        test = example(values={**BLANK, "start": start, "end": end})(test)
    test = example(values={**BLANK, "user": "alice\x00"})(test)
    return given(values=FILTERS)(test)


def fuzz_filters(web, v: dict) -> None:
    """The same values in every field of the ownership audit's and the action log's filters."""
    ownership = {
        "in_team": v["team"],
        "kind": v["kind"],
        "creator": v["creator"],
        "created_from": v["start"],
        "created_to": v["end"],
        "sort": v["sort"],
        "page": v["page"],
    }
    filtered_alike(web, *OWNERSHIP, ownership)
    filtered_alike(web, *OWNERSHIP_JSON, ownership)
    log = {
        "action": v["action"],
        "outcome": v["outcome"],
        "in_team": v["team"],
        "date_from": v["start"],
        "date_to": v["end"],
        "user": v["user"],  # a field for staff only; others' pages ignore it
        "page": v["page"],
    }
    filtered_alike(web, *ACTION_LOG, log)


@RUN
@with_filters
def test_filters(alice_web, values):
    fuzz_filters(alice_web, values)


@pytest.fixture
def staff_web(org, live_server):
    """Sam, staff, signed in with Alice's key and Team A: the staff-only fields are there."""
    make_dashboard_user("sam", member=org.alice, teams=[(org.team_a, "Team A")], staff=True)
    session = Web(live_server.url)
    session.login("sam")
    return session


@RUN
@with_filters
def test_filters_as_staff(staff_web, values):
    assert 'name="user"' in staff_web.get("/audit/log/").text
    fuzz_filters(staff_web, values)


@RUN
@given(creator=HOSTILE, name=HOSTILE)
def test_creator_names_form_for_staff_only(alice_web, creator, name):
    before = CreatorName.objects.count()
    response = alice_web.post("/audit/creators/", {"creator_id": creator, "display_name": name})
    assert response.status_code < 500
    assert CreatorName.objects.count() == before  # alice is not staff


def has_control(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


@RUN
@given(creator=HOSTILE, name=HOSTILE)
def test_creator_names_form_as_staff(staff_web, creator, name):
    ok_status(staff_web.get("/audit/creators/", params={"creator_id": creator}))
    before = set(CreatorName.objects.values_list("creator_id", "display_name"))
    response = staff_web.post("/audit/creators/", {"creator_id": creator, "display_name": name})
    ok_status(response)
    # The form strips the ends of both values, as a person's stray spaces or line breaks.
    if has_control(creator.strip()) or has_control(name.strip()):
        assert response.status_code == 400
        assert set(CreatorName.objects.values_list("creator_id", "display_name")) == before
    for creator_id, display_name in CreatorName.objects.values_list("creator_id", "display_name"):
        assert not has_control(creator_id) and not has_control(display_name)
