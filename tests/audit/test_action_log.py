"""The action log: every mutation made through the dashboard, with its team; append-only;
staff see everyone's entries, others their own; filters, pages and a streamed CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from dashboard.audit.models import ActionLog
from dashboard.audit.services import Action, Outcome, record_action
from dashboard.sandbox import factories
from dashboard.teams.models import SavedTeam
from dashboard.teams.workspace import personal
from tests.audit.html import table_rows
from tests.conftest import Web, make_dashboard_user, team_url

pytestmark = pytest.mark.django_db(transaction=True)


def entries(username: str) -> list[tuple[str, str, str]]:
    """(action, team id, outcome) of a user's entries, oldest first."""
    log = ActionLog.objects.filter(username=username).order_by("created_at", "id")
    return list(log.values_list("action", "team_id", "outcome"))


def test_every_kind_of_mutation_is_logged_with_its_team(org, bob_web):
    team_a, team_b = str(org.team_a.pk), str(org.team_b.pk)
    bob = org.bob.sandbox_user
    bob_web.get(team_url(org.team_a))  # opening a team is navigation: not logged

    upload_page = team_url(org.team_a, "files/upload/")
    bob_web.get(upload_page)
    upload = {"files": ("train.jsonl", b'{"prompt": "a", "completion": "b"}\n')}
    bob_web.post(upload_page, {"purpose": "fine-tune"}, files=upload)

    doomed = factories.create_file(org.team_a, bob, filename="old.jsonl")
    path = team_url(org.team_a, f"r/files/{doomed.pk}/delete/")
    bob_web.get(path)
    bob_web.post(path)

    job = factories.create_fine_tune(org.team_a, bob, status="running")
    path = team_url(org.team_a, f"r/fine-tunes/{job.pk}/action/cancel/")
    bob_web.get(path)
    bob_web.post(path)

    agent = factories.create_agent(org.team_a, bob, name="Helper")
    thread_page = bob_web.post("/threads/", {"message": "Hello"})
    thread_id = thread_page.url.rstrip("/").rsplit("/", 1)[-1]
    bob_web.get(f"/threads/{thread_id}/?team={team_a}")
    bob_web.post(f"/threads/{thread_id}/run/", {"agent_id": agent.pk, "team": team_a})
    bob_web.post(f"/threads/{thread_id}/delete/")

    renamed = SavedTeam.objects.get(user__username="bob", team_id=team_b)
    bob_web.post(f"/teams/{renamed.pk}/rename/", {"label": "Bravo"})

    ok = Outcome.SUCCESS
    assert entries("bob") == [
        (Action.KEY_ADDED, "", ok),
        (Action.TEAM_ADDED, team_a, ok),
        (Action.TEAM_ADDED, team_b, ok),
        (Action.FILE_UPLOADED, team_a, ok),
        (Action.RESOURCE_DELETED, team_a, ok),
        (Action.RESOURCE_ACTION, team_a, ok),
        (Action.THREAD_CREATED, "", ok),  # threads are personal, whatever the team
        (Action.MESSAGE_POSTED, "", ok),
        (Action.RUN_STARTED, team_a, ok),  # the agent's team
        (Action.THREAD_DELETED, "", ok),
        (Action.TEAM_RENAMED, team_b, ok),
    ]
    logged = {e.action: e for e in ActionLog.objects.filter(username="bob", team_id=team_a)}
    assert logged[Action.RESOURCE_DELETED].resource_id == doomed.pk
    assert logged[Action.RESOURCE_ACTION].resource_id == job.pk

    page = bob_web.get("/audit/log/").text
    shown = table_rows(page, "log-table")
    assert [row.attrs["data-action"] for row in shown] == [a for a, _, _ in entries("bob")][::-1]
    deleted = next(row for row in shown if row.attrs["data-action"] == Action.RESOURCE_DELETED)
    assert deleted.cells[2] == "Succeeded" and team_a in deleted.cells[3]
    assert doomed.pk in deleted.cells


def test_entries_cannot_be_changed_or_removed():
    entry = record_action(None, Action.KEY_ADDED, detail="first")
    entry.detail = "rewritten"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()
    with pytest.raises(PermissionDenied):
        ActionLog.objects.filter(pk=entry.pk).update(detail="rewritten")
    with pytest.raises(PermissionDenied):
        ActionLog.objects.all().delete()
    assert ActionLog.objects.get(pk=entry.pk).detail == "first"


def test_no_page_edits_the_log_and_the_admin_only_shows_it(live_server, org, bob_web):
    entry = ActionLog.objects.filter(username="bob").first()
    assert bob_web.post("/audit/log/", {"detail": "x"}).status_code == 405
    assert bob_web.post("/audit/log/export.csv").status_code == 405

    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.org", "root password 42!")
    admin = Web(live_server.url)
    admin.get("/admin/login/")
    admin.post("/admin/login/?next=/admin/", {"username": "root", "password": "root password 42!"})
    change = admin.get(f"/admin/audit/actionlog/{entry.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.text
    assert admin.post(f"/admin/audit/actionlog/{entry.pk}/change/", {}).status_code == 403
    assert admin.get(f"/admin/audit/actionlog/{entry.pk}/delete/").status_code == 403
    assert admin.get("/admin/audit/actionlog/add/").status_code == 403
    assert ActionLog.objects.filter(pk=entry.pk).exists()


def test_staff_see_everyones_entries_others_their_own(live_server, org, alice_web, bob_web):
    make_dashboard_user("sam", staff=True)
    sam = Web(live_server.url)
    sam.login("sam")
    bobs = table_rows(bob_web.get("/audit/log/").text, "log-table")
    assert len(bobs) == ActionLog.objects.filter(username="bob").count()
    sneaky = bob_web.get("/audit/log/?user=alice").text  # the user filter is staff's only
    assert len(table_rows(sneaky, "log-table")) == len(bobs)
    assert 'name="user"' not in sneaky

    everyone = table_rows(sam.get("/audit/log/").text, "log-table")
    assert len(everyone) == ActionLog.objects.count()
    assert {row.cells[1] for row in everyone} == {"alice", "bob"}
    only_alice = table_rows(sam.get("/audit/log/?user=alice").text, "log-table")
    assert {row.cells[1] for row in only_alice} == {"alice"}
    exported = list(
        csv.reader(io.StringIO(bob_web.get("/audit/log/export.csv").content.decode("utf-8-sig")))
    )
    assert {row[1] for row in exported[1:]} == {"bob"}


def test_filters_narrow_the_log_and_its_export(org, bob_web):
    team_a = str(org.team_a.pk)
    record_action(None, Action.KEY_ADDED)  # someone else's entry, never Bob's
    bob = ActionLog.objects.filter(username="bob").first().user
    record_action(bob, Action.RESOURCE_DELETED, team=personal(), outcome=Outcome.FAILURE)
    record_action(bob, Action.THREAD_CREATED, team=personal())

    def actions(query: str) -> list[str]:
        page = bob_web.get(f"/audit/log/?{query}").text
        rows = table_rows(page, "log-table")
        return [row.attrs["data-action"] for row in rows if "data-action" in row.attrs]

    assert actions("action=team.added") == [Action.TEAM_ADDED, Action.TEAM_ADDED]
    assert actions("outcome=failure") == [Action.RESOURCE_DELETED]
    assert set(actions(f"in_team={team_a}")) == {Action.TEAM_ADDED}
    assert actions("in_team=personal&action=thread.created") == [Action.THREAD_CREATED]
    today = timezone.localdate()
    assert len(actions(f"date_from={today}&date_to={today}")) == 5
    assert actions(f"date_from={today + timedelta(days=1)}") == []
    bad = bob_web.get(f"/audit/log/?date_from={today}&date_to={today - timedelta(days=1)}")
    assert "The start of the date range is after its end." in bad.text

    export = bob_web.get("/audit/log/export.csv?outcome=failure")
    assert export.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "when",
        "user",
        "action",
        "outcome",
        "team",
        "team_id",
        "kind",
        "resource_id",
        "detail",
    ]
    assert [(r[1], r[2], r[3], r[4]) for r in rows[1:]] == [
        ("bob", Action.RESOURCE_DELETED, Outcome.FAILURE, "Personal workspace")
    ]
    assert bob_web.get("/audit/log/export.csv?date_from=nonsense").status_code == 400


def test_the_log_is_paged(org, bob_web):
    bob = ActionLog.objects.filter(username="bob").first().user
    for number in range(60):
        record_action(bob, Action.MESSAGE_POSTED, resource_id=f"msg-{number}")
    total = ActionLog.objects.filter(username="bob").count()
    first = bob_web.get("/audit/log/").text
    assert len(table_rows(first, "log-table")) == 50 and f"{total} entries" in first
    second = bob_web.get("/audit/log/?action=message.posted&page=2").text
    assert len(table_rows(second, "log-table")) == 10
    assert 'href="/audit/log/?action=message.posted&amp;page=1" rel="prev"' in second
