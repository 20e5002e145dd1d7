"""No change upstream goes unrecorded: its entry is written before it is sent, and if that is
not possible nothing is sent; any value can be stored (PostgreSQL refuses NUL in text)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from dashboard.audit.models import ActionLog
from dashboard.audit.services import Action, Outcome, record_action, recording
from dashboard.sandbox import factories, recorder
from dashboard.sandbox.models import SandboxFile
from dashboard.upstream.errors import ForbiddenError
from tests.conftest import team_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_any_value_can_be_recorded():
    entry = record_action(
        None,
        Action.RESOURCE_DELETED,
        team=type("Team", (), {"id": "t\x00", "label": "L\x01" * 80})(),
        kind="files\x00",
        resource_id="id\x00#" + "x" * 300,
        detail="a\x00b\r\n\tc\x7f",
    )
    entry.refresh_from_db()
    assert entry.resource_id.startswith("id\\x00#") and len(entry.resource_id) == 128
    assert entry.detail == "a\\x00b\r\n\tc\\x7f"
    assert entry.team_id == "t\\x00" and len(entry.team_label) == 100
    assert entry.kind == "files\\x00"


def test_a_change_is_written_as_started_and_completed_once():
    with recording(None, Action.THREAD_CREATED, kind="thread") as recorded:
        assert ActionLog.objects.get(pk=recorded.pk).outcome == Outcome.STARTED
        recorded.resource_id = "thread-1"
    entry = ActionLog.objects.get(pk=recorded.pk)
    assert (entry.outcome, entry.resource_id) == (Outcome.SUCCESS, "thread-1")
    recorded.finish(Outcome.FAILURE, "rewritten")  # a finished entry never changes again
    assert ActionLog.objects.get(pk=recorded.pk).outcome == Outcome.SUCCESS


def test_a_refused_change_is_completed_with_the_upstreams_reason():
    with (
        pytest.raises(ForbiddenError),
        recording(None, Action.RESOURCE_DELETED, kind="files", detail="Delete file") as recorded,
    ):
        raise ForbiddenError(status=403)
    entry = ActionLog.objects.get(pk=recorded.pk)
    assert entry.outcome == Outcome.FAILURE and "(403)" in entry.detail


def test_if_the_log_cannot_be_written_nothing_is_sent(org, alice_web, monkeypatch):
    made = factories.create_file(org.team_a, org.alice.sandbox_user, filename="keep.jsonl")
    confirm = team_url(org.team_a, f"r/files/{made.pk}/delete/")
    assert alice_web.get(confirm).status_code == 200

    def refuse(*args, **kwargs):
        raise DatabaseError("the log is unavailable")

    monkeypatch.setattr(ActionLog.objects, "create", refuse)
    recorder.clear()
    response = alice_web.post(confirm)

    assert response.status_code == 500 and "Nothing you entered was sent" in response.text
    assert [r for r in recorder.recorded() if r.method == "DELETE"] == []
    assert SandboxFile.objects.filter(pk=made.pk).exists()


def test_an_entry_that_cannot_be_completed_stays_started(org, alice_web, monkeypatch):
    """The change happened; its entry says it started, never nothing at all."""
    made = factories.create_file(org.team_a, org.alice.sandbox_user, filename="gone.jsonl")
    confirm = team_url(org.team_a, f"r/files/{made.pk}/delete/")
    assert alice_web.get(confirm).status_code == 200

    def refuse(*args, **kwargs):
        raise DatabaseError("the log went away")

    monkeypatch.setattr(type(ActionLog.objects), "complete", refuse)
    response = alice_web.post(confirm)

    assert response.url.endswith(team_url(org.team_a, "r/files/"))
    assert not SandboxFile.objects.filter(pk=made.pk).exists()
    entry = ActionLog.objects.get(action=Action.RESOURCE_DELETED)
    assert entry.outcome == Outcome.STARTED and entry.resource_id == made.pk
