"""Random and hostile values posted to every form: a 4xx or a form error, never a 500, and no
row created from an invalid submission."""

from __future__ import annotations

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.accounts.models import ApiKey
from dashboard.audit.models import CreatorName
from dashboard.teams.models import SavedTeam
from tests.uploads.conftest import send_file

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


@RUN
@given(team_id=HOSTILE, next_url=HOSTILE)
def test_switch_form(alice_web, team_id, next_url):
    response = alice_web.post(
        "/teams/switch/", {"team_id": team_id, "next": next_url}, allow_redirects=False
    )
    assert response.status_code < 500
    location = response.headers.get("Location", "")
    assert not location.startswith(("http://169", "//")), location  # never an open redirect


@RUN
@given(label=HOSTILE)
def test_rename_form(alice_web, label):
    team = SavedTeam.objects.get(user__username="alice")
    ok_status(alice_web.post(f"/teams/{team.pk}/rename/", {"label": label}))
    team.refresh_from_db()
    assert team.label.strip() and len(team.label) <= 100


@RUN
@given(
    purpose=HOSTILE,
    guard=HOSTILE,
    name=st.text(min_size=1, max_size=80),
    body=st.binary(max_size=200),
)
def test_upload_form(alice_web, org, purpose, guard, name, body):
    from dashboard.sandbox.models import SandboxFile

    before = SandboxFile.objects.count()
    response = alice_web.post(
        "/files/upload/",
        {"purpose": purpose, "team_guard": guard},
        files={"files": (name, body, "application/octet-stream")},
    )
    ok_status(response)
    if (
        purpose
        not in (
            "fine-tune",
            "preference-fine-tune",
            "reinforcement-fine-tune",
            "pre-train",
            "alignment",
        )
        or guard != "personal"
    ):
        assert SandboxFile.objects.count() == before


def as_header(value: str) -> str:
    """A hostile value as a header can carry it: its UTF-8 bytes, line breaks and NUL out."""
    cleaned = value.replace("\r", "").replace("\n", "").replace("\x00", "")
    return cleaned.encode("utf-8").decode("latin-1")


@RUN
@given(
    purpose=HOSTILE,
    guard=HOSTILE,
    name=HOSTILE,
    length=st.one_of(st.none(), st.sampled_from(["", "-1", "abc", "99999999999999999999"])),
    body=st.binary(max_size=200),
)
def test_scripted_upload(alice_web, org, purpose, guard, name, length, body):
    """The page script's way (the file as the body, the rest in headers), hostile throughout."""
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
            purpose=as_header(purpose),
            guard=as_header(guard),
            headers=headers,
        )
    except requests.RequestException:
        return  # a length the client itself cannot send by
    ok_status(response)
    if guard != "personal":
        assert SandboxFile.objects.count() == before


@RUN
@given(text=HOSTILE)
def test_thread_message_and_new_thread_forms(alice_web, org, text):
    from dashboard.sandbox import services
    from dashboard.sandbox.models import SandboxMessage

    thread = services.create_thread(org.alice.sandbox_user)
    before = SandboxMessage.objects.count()
    ok_status(alice_web.post(f"/threads/{thread.pk}/messages/", {"text": text}))
    if not text.strip():
        assert SandboxMessage.objects.count() == before
    ok_status(alice_web.post("/threads/", {"message": text}))


@RUN
@given(q=HOSTILE, sort=HOSTILE, page=HOSTILE, mine=HOSTILE, kind=HOSTILE, start=HOSTILE)
def test_filters(alice_web, q, sort, page, mine, kind, start):
    params = {"q": q, "sort": sort, "page": page, "mine": mine}
    ok_status(alice_web.get("/r/files/", params=params))
    audit = {"in_team": q, "kind": kind, "creator": mine, "start": start, "end": page, "sort": sort}
    ok_status(alice_web.get("/audit/?wait=1", params=audit))
    ok_status(alice_web.get("/audit/export.csv", params=audit))
    ok_status(alice_web.get("/audit/log/", params={"action": kind, "outcome": q, "start": start}))


@RUN
@given(creator=HOSTILE, name=HOSTILE)
def test_creator_names_form_for_staff_only(alice_web, creator, name):
    before = CreatorName.objects.count()
    response = alice_web.post("/audit/creators/", {"creator_id": creator, "display_name": name})
    assert response.status_code < 500
    assert CreatorName.objects.count() == before  # alice is not staff
