"""Deleting and cancelling: confirmation naming the team, the upstream's answer, the team
guard, and the action log."""

from __future__ import annotations

import pytest

from dashboard.audit.models import ActionLog
from dashboard.sandbox import faults, recorder, services
from dashboard.sandbox.models import SandboxAgent, SandboxFile, SandboxFineTune
from tests.resources.helpers import row_ids, switch

pytestmark = pytest.mark.django_db(transaction=True)


def log_entries(action: str) -> list[ActionLog]:
    return list(ActionLog.objects.filter(action=action).order_by("id"))


def test_delete_asks_first_naming_the_resource_and_the_team(org, alice_web):
    file = services.create_file(org.team_a, org.alice.sandbox_user, filename="old.jsonl")
    switch(alice_web, org.team_a)

    page = alice_web.get(f"/r/files/{file.pk}/delete/")

    assert page.status_code == 200
    confirm = page.text.split('data-testid="confirm"')[1]
    assert "old.jsonl" in confirm and file.pk in confirm
    assert 'data-testid="confirm-team">Team A<' in confirm and str(org.team_a.pk) in confirm
    assert 'name="team_guard"' in confirm
    assert SandboxFile.objects.filter(pk=file.pk).exists()  # asking deletes nothing


def test_delete_removes_it_upstream_logs_it_and_returns_to_the_list(org, alice_web):
    alice = org.alice.sandbox_user
    doomed = services.create_file(org.team_a, alice, filename="doomed.jsonl")
    kept = services.create_file(org.team_a, alice, filename="kept.jsonl")
    switch(alice_web, org.team_a)
    guard = alice_web.guard(f"/r/files/{doomed.pk}/delete/")

    done = alice_web.post(f"/r/files/{doomed.pk}/delete/", {"team_guard": guard})

    assert done.url.endswith("/r/files/")
    assert "Deleted the file “doomed.jsonl” from Team A." in done.text
    assert row_ids(done.text) == [kept.pk]
    assert not SandboxFile.objects.filter(pk=doomed.pk).exists()
    (entry,) = log_entries("resource.deleted")
    assert (entry.outcome, entry.kind, entry.resource_id) == ("success", "files", doomed.pk)
    assert entry.team_id == str(org.team_a.pk) and entry.team_label == "Team A"


def test_an_agent_can_be_deleted_too(org, alice_web):
    agent = services.create_agent(org.team_a, org.alice.sandbox_user, name="Retired bot")
    switch(alice_web, org.team_a)
    guard = alice_web.guard(f"/r/agents/{agent.pk}/delete/")

    done = alice_web.post(f"/r/agents/{agent.pk}/delete/", {"team_guard": guard})

    assert "Deleted the agent “Retired bot”" in done.text
    assert not SandboxAgent.objects.filter(pk=agent.pk).exists()


def test_a_kind_that_cannot_be_deleted_offers_no_delete(org, alice_web):
    deployment = services.create_deployment(org.team_a, org.alice.sandbox_user, name="Live")
    switch(alice_web, org.team_a)
    assert "Delete…" not in alice_web.get(f"/r/deployments/{deployment.pk}/").text
    assert alice_web.get(f"/r/deployments/{deployment.pk}/delete/").status_code == 404


def test_an_upstream_403_on_delete_is_explained_with_the_team(org, bob_web):
    file = services.create_file(org.team_a, org.alice.sandbox_user, filename="alices.jsonl")
    switch(bob_web, org.team_a)
    guard = bob_web.guard(f"/r/files/{file.pk}/delete/")
    faults.set_faults("DELETE ^v1/flow/files/ 403")

    refused = bob_web.post(f"/r/files/{file.pk}/delete/", {"team_guard": guard})

    assert refused.status_code == 403
    problem = refused.text.split('data-testid="change-problem"')[1].split("</div>")[0]
    assert "Your role in Team A" in problem and str(org.team_a.pk) in problem
    assert "does not allow deleting this file" in problem and "403" in problem
    assert SandboxFile.objects.filter(pk=file.pk).exists()
    (entry,) = log_entries("resource.deleted")
    assert entry.outcome == "failure" and "403" in entry.detail


def test_the_team_guard_refuses_a_delete_rendered_for_another_team(org, alice_web):
    file = services.create_file(org.team_a, org.alice.sandbox_user, filename="safe.jsonl")
    switch(alice_web, org.team_a)
    guard = alice_web.guard(f"/r/files/{file.pk}/delete/")
    switch(alice_web, None)  # in another tab
    recorder.clear()

    refused = alice_web.post(f"/r/files/{file.pk}/delete/", {"team_guard": guard})

    assert "This form was shown for Team A" in refused.text
    assert "your active team is now Personal workspace" in refused.text
    assert not [r for r in recorder.recorded() if r.method == "DELETE"]
    assert SandboxFile.objects.filter(pk=file.pk).exists()
    (entry,) = log_entries("resource.deleted")
    assert entry.outcome == "refused"


def test_deleting_something_already_gone_says_so(org, alice_web):
    file = services.create_file(org.team_a, org.alice.sandbox_user, filename="gone.jsonl")
    switch(alice_web, org.team_a)
    guard = alice_web.guard(f"/r/files/{file.pk}/delete/")
    services.delete_file(file)  # someone else was quicker

    page = alice_web.post(f"/r/files/{file.pk}/delete/", {"team_guard": guard})

    assert page.status_code == 404 and 'data-testid="not-found"' in page.text
    (entry,) = log_entries("resource.deleted")
    assert entry.outcome == "failure"


def test_cancelling_a_running_fine_tune(org, alice_web):
    job = services.create_fine_tune(
        org.team_a, org.alice.sandbox_user, status="running", experiment_name="long run"
    )
    switch(alice_web, org.team_a)
    detail = alice_web.get(f"/r/fine-tunes/{job.pk}/").text
    assert f'href="/r/fine-tunes/{job.pk}/action/cancel/">Cancel job…' in detail

    confirm = alice_web.get(f"/r/fine-tunes/{job.pk}/action/cancel/")
    assert "Training stops and cannot be resumed" in confirm.text
    assert 'data-testid="confirm-team">Team A<' in confirm.text
    guard = alice_web.guard(f"/r/fine-tunes/{job.pk}/action/cancel/")
    done = alice_web.post(f"/r/fine-tunes/{job.pk}/action/cancel/", {"team_guard": guard})

    assert done.url.endswith("/r/fine-tunes/") and "Cancel job: done for “long run”" in done.text
    assert SandboxFineTune.objects.get(pk=job.pk).status == "cancelled"
    assert '<span class="badge badge-warn">cancelled</span>' in done.text
    (entry,) = log_entries("resource.action")
    assert (entry.outcome, entry.kind, entry.resource_id) == ("success", "fine-tunes", job.pk)


def test_a_finished_fine_tune_cannot_be_cancelled_even_by_a_direct_post(org, alice_web):
    job = services.create_fine_tune(org.team_a, org.alice.sandbox_user, status="completed")
    switch(alice_web, org.team_a)
    assert "Cancel job…" not in alice_web.get(f"/r/fine-tunes/{job.pk}/").text
    confirm = alice_web.get(f"/r/fine-tunes/{job.pk}/action/cancel/").text
    assert 'data-testid="not-possible"' in confirm and "Cancel job</button>" not in confirm

    guard = alice_web.guard(f"/r/fine-tunes/{job.pk}/action/cancel/")
    recorder.clear()
    refused = alice_web.post(f"/r/fine-tunes/{job.pk}/action/cancel/", {"team_guard": guard})

    assert refused.status_code == 409
    assert "Nothing was sent to the upstream" in refused.text
    assert "possible only while it is pending, queued, running" in refused.text
    assert [r.method for r in recorder.recorded()] == ["GET"], "no cancel went upstream"
    assert SandboxFineTune.objects.get(pk=job.pk).status == "completed"
    (entry,) = log_entries("resource.action")
    assert entry.outcome == "refused" and "possible only while" in entry.detail


def test_an_unknown_action_is_a_404(org, alice_web):
    job = services.create_fine_tune(org.team_a, org.alice.sandbox_user, status="running")
    switch(alice_web, org.team_a)
    assert alice_web.get(f"/r/fine-tunes/{job.pk}/action/explode/").status_code == 404
