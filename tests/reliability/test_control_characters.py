"""Control characters in any posted value or query: a 400 with a message, never a 500, nothing
saved or sent — on SQLite and on PostgreSQL (which refuses NUL in text)."""

from __future__ import annotations

import pytest

from dashboard.accounts.models import ApiKey
from dashboard.audit.models import ActionLog
from dashboard.sandbox import conversations, recorder
from dashboard.sandbox.models import SandboxMessage, SandboxThread
from dashboard.teams.models import SavedTeam
from tests.conftest import team_url

pytestmark = pytest.mark.django_db(transaction=True)

CONTROLS = ["\x00", "a\x00b", "\x01", "x\x1by", "\x7f", "line\x0bbreak"]
REFUSED = 'data-testid="control-characters"'


def refused(response) -> bool:
    return response.status_code == 400 and REFUSED in response.text


def test_every_form_refuses_control_characters_and_keeps_nothing(org, alice_web):
    thread = conversations.create_thread(org.alice.sandbox_user)
    team = SavedTeam.objects.get(user__username="alice")
    before = (ApiKey.objects.count(), SavedTeam.objects.count(), ActionLog.objects.count())
    recorder.clear()
    for value in CONTROLS:
        posts = [
            ("/keys/", {"label": value, "api_key": value}),
            ("/teams/", {"team_id": value, "label": value}),
            ("/teams/", {"team_id": str(org.team_b.pk), "label": "B", "next": value}),
            (f"/teams/{team.pk}/rename/", {"label": value}),
            ("/threads/", {"message": value}),
            (f"/threads/{thread.pk}/messages/", {"text": value}),
            (f"/threads/{thread.pk}/run/", {"agent_id": value, "team": "personal"}),
            (f"/threads/{thread.pk}/run/", {"agent_id": "agent-1", "team": value}),
            (f"/threads/{thread.pk}/run/cancel/", {"run_id": value, "team": "personal"}),
        ]
        for path, data in posts:
            response = alice_web.post(path, data)
            assert refused(response), (path, repr(value), response.status_code)
            assert "Traceback" not in response.text
    team.refresh_from_db()
    assert team.label == "Team A"
    assert (ApiKey.objects.count(), SavedTeam.objects.count(), ActionLog.objects.count()) == before
    assert SandboxThread.objects.count() == 1 and not SandboxMessage.objects.exists()
    assert recorder.recorded() == [], "nothing reached the upstream"


def test_queries_with_control_characters_are_refused_too(alice_web):
    for path in (
        team_url(None, "r/files/?q=a%00b"),
        "/audit/log/?action=%01",
        "/threads/?limit=1%00",
    ):
        response = alice_web.get(path)
        assert refused(response), path


def test_a_control_character_in_a_field_name_is_refused(alice_web):
    response = alice_web.post("/teams/", {"team_id": "x", "lab\x00el": "y"})
    assert refused(response) and "a field name" in response.text


def test_tabs_and_line_breaks_are_text(org, alice_web):
    thread = conversations.create_thread(org.alice.sandbox_user)
    words = "first line\r\n\tsecond line"
    response = alice_web.post(f"/threads/{thread.pk}/messages/", {"text": words})
    assert response.status_code == 200
    (message,) = SandboxMessage.objects.all()
    assert message.content == words.strip()


def test_an_htmx_request_gets_the_refusal_as_a_fragment(alice_web):
    response = alice_web.get(team_url(None, "r/files/?q=%00"), headers={"HX-Request": "true"})
    assert refused(response) and "<html" not in response.text


@pytest.mark.parametrize("path", ["/t/%00/", "/t/%01%1b[31m/r/files/", "/people/a%00b/"])
def test_control_characters_in_the_address_are_refused_not_shown(alice_web, path):
    """A team or id in the address with control characters: refused with a message, and none
    of them written into the page."""
    response = alice_web.get(path)
    assert refused(response), (response.status_code, response.text[:300])
    assert "address holds control characters" in response.text
    assert not any(ch in response.text for ch in "\x00\x01\x1b")
