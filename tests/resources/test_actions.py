"""Deleting and cancelling: confirmation naming the team, the upstream's answer, forms that act
in the team of their own URL, and the action log."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import pytest

from dashboard.audit.models import ActionLog
from dashboard.sandbox import factories, faults, recorder, storage
from dashboard.sandbox.models import SandboxAgent, SandboxFile, SandboxFineTune
from tests.conftest import team_url
from tests.resources.helpers import row_ids

pytestmark = pytest.mark.django_db(transaction=True)


def log_entries(action: str) -> list[ActionLog]:
    return list(ActionLog.objects.filter(action=action).order_by("id"))


def form_target(page) -> str:
    """Where the confirmation's form posts: its action, or the page's own address."""
    form = re.search(r'<form method="post"([^>]*)>', page.text.split('data-testid="confirm"')[1])
    assert form, "no form on the confirmation page"
    action = re.search(r'action="([^"]*)"', form.group(1))
    return unescape(action.group(1)) if action and action.group(1) else urlsplit(page.url).path


def test_delete_asks_first_naming_the_resource_and_the_team(org, alice_web):
    file = factories.create_file(org.team_a, org.alice.sandbox_user, filename="old.jsonl")
    delete_url = team_url(org.team_a, f"r/files/{file.pk}/delete/")

    page = alice_web.get(delete_url)

    assert page.status_code == 200
    confirm = page.text.split('data-testid="confirm"')[1]
    assert "old.jsonl" in confirm and file.pk in confirm
    assert 'data-testid="confirm-team">Team A<' in confirm and str(org.team_a.pk) in confirm
    assert form_target(page) == delete_url  # the form posts to an address naming Team A
    assert SandboxFile.objects.filter(pk=file.pk).exists()  # asking deletes nothing


def test_delete_removes_it_upstream_logs_it_and_returns_to_the_list(org, alice_web):
    alice = org.alice.sandbox_user
    doomed = factories.create_file(org.team_a, alice, filename="doomed.jsonl")
    kept = factories.create_file(org.team_a, alice, filename="kept.jsonl")
    alice_web.get(team_url(org.team_a, f"r/files/{doomed.pk}/delete/"))

    done = alice_web.post(team_url(org.team_a, f"r/files/{doomed.pk}/delete/"))

    assert done.url.endswith(team_url(org.team_a, "r/files/"))
    assert "Deleted the file “doomed.jsonl” from Team A." in done.text
    assert row_ids(done.text) == [kept.pk]
    assert not SandboxFile.objects.filter(pk=doomed.pk).exists()
    (entry,) = log_entries("resource.deleted")
    assert (entry.outcome, entry.kind, entry.resource_id) == ("success", "files", doomed.pk)
    assert entry.team_id == str(org.team_a.pk) and entry.team_label == "Team A"


def test_an_agent_can_be_deleted_too(org, alice_web):
    agent = factories.create_agent(org.team_a, org.alice.sandbox_user, name="Retired bot")
    alice_web.get(team_url(org.team_a, f"r/agents/{agent.pk}/delete/"))

    done = alice_web.post(team_url(org.team_a, f"r/agents/{agent.pk}/delete/"))

    assert "Deleted the agent “Retired bot”" in done.text
    assert not SandboxAgent.objects.filter(pk=agent.pk).exists()


def test_a_kind_that_cannot_be_deleted_offers_no_delete(org, alice_web):
    deployment = factories.create_deployment(org.team_a, org.alice.sandbox_user, name="Live")
    detail = alice_web.get(team_url(org.team_a, f"r/deployments/{deployment.pk}/"))
    assert detail.status_code == 200 and "Delete…" not in detail.text
    delete = alice_web.get(team_url(org.team_a, f"r/deployments/{deployment.pk}/delete/"))
    assert delete.status_code == 404


def test_an_upstream_403_on_delete_is_explained_with_the_team(org, bob_web):
    file = factories.create_file(org.team_a, org.alice.sandbox_user, filename="alices.jsonl")
    bob_web.get(team_url(org.team_a, f"r/files/{file.pk}/delete/"))
    faults.set_faults("DELETE ^v1/flow/files/ 403")

    refused = bob_web.post(team_url(org.team_a, f"r/files/{file.pk}/delete/"))

    assert refused.status_code == 403
    problem = refused.text.split('data-testid="change-problem"')[1].split("</div>")[0]
    assert "Your role in Team A" in problem and str(org.team_a.pk) in problem
    assert "does not allow deleting this file" in problem and "403" in problem
    assert SandboxFile.objects.filter(pk=file.pk).exists()
    (entry,) = log_entries("resource.deleted")
    assert entry.outcome == "failure" and "403" in entry.detail


def test_a_delete_rendered_for_a_team_acts_in_it_whatever_another_tab_opened(org, alice_web):
    file = factories.create_file(org.team_a, org.alice.sandbox_user, filename="safe.jsonl")
    page = alice_web.get(team_url(org.team_a, f"r/files/{file.pk}/delete/"))
    alice_web.get(team_url(None))  # in another tab: the personal workspace is now last used
    assert 'data-testid="overview-team">Personal workspace<' in alice_web.get("/").text
    recorder.clear()

    done = alice_web.post(form_target(page))

    assert done.url.endswith(team_url(org.team_a, "r/files/"))
    assert "Deleted the file “safe.jsonl” from Team A." in done.text
    deletes = [r for r in recorder.recorded() if r.method == "DELETE"]
    assert [(r.path, r.team_header) for r in deletes] == [
        (f"v1/flow/files/{file.pk}", str(org.team_a.pk))
    ]
    assert not SandboxFile.objects.filter(pk=file.pk).exists()
    (entry,) = log_entries("resource.deleted")
    assert entry.outcome == "success" and entry.team_id == str(org.team_a.pk)


def test_deleting_something_already_gone_says_so(org, alice_web):
    file = factories.create_file(org.team_a, org.alice.sandbox_user, filename="gone.jsonl")
    alice_web.get(team_url(org.team_a, f"r/files/{file.pk}/delete/"))
    storage.delete_file(file)  # someone else was quicker

    page = alice_web.post(team_url(org.team_a, f"r/files/{file.pk}/delete/"))

    assert page.status_code == 404 and 'data-testid="not-found"' in page.text
    (entry,) = log_entries("resource.deleted")
    assert entry.outcome == "failure"


def test_cancelling_a_running_fine_tune(org, alice_web):
    job = factories.create_fine_tune(
        org.team_a, org.alice.sandbox_user, status="running", experiment_name="long run"
    )
    cancel_url = team_url(org.team_a, f"r/fine-tunes/{job.pk}/action/cancel/")
    detail = alice_web.get(team_url(org.team_a, f"r/fine-tunes/{job.pk}/")).text
    assert f'href="{cancel_url}">Cancel job…' in detail

    confirm = alice_web.get(cancel_url)
    assert "Training stops and cannot be resumed" in confirm.text
    assert 'data-testid="confirm-team">Team A<' in confirm.text
    assert form_target(confirm) == cancel_url
    done = alice_web.post(cancel_url)

    assert done.url.endswith(team_url(org.team_a, f"r/fine-tunes/{job.pk}/"))  # in its new state
    assert "Cancel job: done for “long run”" in done.text
    assert SandboxFineTune.objects.get(pk=job.pk).status == "cancelled"
    assert 'data-status="cancelled">Cancelled</span>' in done.text
    (entry,) = log_entries("resource.action")
    assert (entry.outcome, entry.kind, entry.resource_id) == ("success", "fine-tunes", job.pk)


def test_a_finished_fine_tune_cannot_be_cancelled_even_by_a_direct_post(org, alice_web):
    job = factories.create_fine_tune(org.team_a, org.alice.sandbox_user, status="completed")
    cancel_url = team_url(org.team_a, f"r/fine-tunes/{job.pk}/action/cancel/")
    detail = alice_web.get(team_url(org.team_a, f"r/fine-tunes/{job.pk}/"))
    assert detail.status_code == 200 and "Cancel job…" not in detail.text
    confirm = alice_web.get(cancel_url).text
    assert 'data-testid="not-possible"' in confirm and "Cancel job</button>" not in confirm

    recorder.clear()
    refused = alice_web.post(cancel_url)

    assert refused.status_code == 409
    assert "Nothing was sent to the upstream" in refused.text
    assert "possible only while it is pending, queued, running" in refused.text
    assert [r.method for r in recorder.recorded()] == ["GET"], "no cancel went upstream"
    assert SandboxFineTune.objects.get(pk=job.pk).status == "completed"
    (entry,) = log_entries("resource.action")
    assert entry.outcome == "refused" and "possible only while" in entry.detail


def test_an_unknown_action_is_a_404(org, alice_web):
    job = factories.create_fine_tune(org.team_a, org.alice.sandbox_user, status="running")
    assert alice_web.get(team_url(org.team_a, f"r/fine-tunes/{job.pk}/action/cancel/")).ok
    explode = alice_web.get(team_url(org.team_a, f"r/fine-tunes/{job.pk}/action/explode/"))
    assert explode.status_code == 404


@pytest.mark.parametrize("mode", ["500", "garbage", "504", "reset"])
def test_a_change_with_no_definite_answer_is_not_called_failed(org, alice_web, mode):
    """A delete sent with no answer saying what came of it (a server error, an unreadable
    answer, a gateway's timeout, a connection broken): the person is told it may have been
    made and to look before trying again, and the action log says the outcome is unknown,
    not that it failed."""
    file = factories.create_file(org.team_a, org.alice.sandbox_user, filename="maybe.jsonl")
    alice_web.get(team_url(org.team_a, f"r/files/{file.pk}/delete/"))
    faults.set_faults(f"DELETE ^v1/flow/files/ {mode}")

    page = alice_web.post(team_url(org.team_a, f"r/files/{file.pk}/delete/"))

    assert page.status_code >= 500
    problem = unescape(page.text.split('data-testid="change-problem"')[1].split("</div>")[0])
    assert "whether the change was made is not known" in problem, problem
    assert "Look before trying again" in problem and "Team A" in problem
    assert "failed" not in problem and "Nothing was changed" not in problem
    (entry,) = log_entries("resource.deleted")
    assert entry.outcome == "unknown", (entry.outcome, entry.detail)
    assert "not known" in entry.detail and "no answer)" not in entry.detail
    log = alice_web.get("/audit/log/").text
    assert "Sent, outcome unknown" in log


@pytest.mark.parametrize("mode", ["409", "503"])
def test_a_refused_change_still_failed(org, alice_web, mode):
    """A refusal, or "unavailable" (503: not handled), is definite: the change was not made,
    and the log says it failed."""
    file = factories.create_file(org.team_a, org.alice.sandbox_user, filename="kept.jsonl")
    alice_web.get(team_url(org.team_a, f"r/files/{file.pk}/delete/"))
    faults.set_faults(f"DELETE ^v1/flow/files/ {mode}")

    page = alice_web.post(team_url(org.team_a, f"r/files/{file.pk}/delete/"))

    assert "not known" not in page.text
    (entry,) = log_entries("resource.deleted")
    assert entry.outcome == "failure"
