"""Jobs run by the real worker: success, failure and retry of the rest, cancel, lost workers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from dashboard.audit.models import ActionLog
from dashboard.jobs import registry, runner, services
from dashboard.jobs.models import Job, JobStep
from tests.jobs.conftest import (
    CALLS,
    COUNT,
    CRASH,
    SLEEP,
    SLEEPING,
    plans,
    run_worker,
    start,
    wait_for,
    wait_status,
)

pytestmark = pytest.mark.django_db(transaction=True)

Status = Job.Status
StepStatus = JobStep.Status


@pytest.fixture
def user():
    return get_user_model().objects.create_user("runner", password="x" * 20)


def steps_of(job):
    return list(JobStep.objects.filter(job=job).order_by("position"))


def test_a_job_runs_to_success_with_its_steps_done_and_progress_saved(user, worker):
    job = start(user)
    assert Job.objects.get(pk=job.pk).task_id, "enqueued once committed"

    done = wait_status(job, Status.SUCCEEDED, Status.FAILED)

    assert done.status == Status.SUCCEEDED, done.error
    assert done.error == ""
    assert done.started_at and done.finished_at and done.heartbeat_at
    assert ":" in done.worker  # host:pid
    steps = steps_of(job)
    assert [s.status for s in steps] == [StepStatus.DONE] * 3
    assert [s.bytes_done for s in steps] == [1000, 1000, 1000]  # the last value always written
    assert steps[0].result == {"id": "new-1", "kind": "files", "team": "team-b-id"}
    assert [p for _, p in CALLS] == [1, 2, 3]

    entry = ActionLog.objects.get(action=ActionLog.Action.JOB_STARTED)
    assert entry.resource_id == str(job.pk)
    assert entry.team_label == "Personal workspace" and entry.team_id == ""
    assert "Copy three files" in entry.detail and entry.user == user


def test_several_workers_share_the_queue_and_run_each_job_once(user, workers):
    jobs = [start(user, steps=plans(2, bytes_total=10)) for _ in range(8)]

    for job in jobs:
        assert wait_status(job, Status.SUCCEEDED, Status.FAILED).status == Status.SUCCEEDED
    assert sorted(CALLS) == sorted((str(job.pk), p) for job in jobs for p in (1, 2))


def test_progress_writes_are_throttled_and_the_last_one_kept(user, monkeypatch):
    job = start(user, steps=plans(1, bytes_total=100))
    writes = []
    original = runner.StepRun._write_progress

    def counted(self):
        writes.append(self.model.bytes_done)
        original(self)

    monkeypatch.setattr(runner.StepRun, "_write_progress", counted)
    run = runner.JobRun(Job.objects.get(pk=job.pk))
    with run.step(1) as step:
        for n in range(1, 100):
            step.progress(n)
    assert len(writes) <= 3
    assert JobStep.objects.get(job=job).bytes_done == 99  # flushed when the step ended


def test_a_failing_step_fails_the_job_skips_its_dependents_and_retry_reruns_only_those(
    user, worker
):
    job = start(user, steps=plans(4, depends={3: [2]}), params={"fail_once": [2]})

    failed = wait_status(job, Status.SUCCEEDED, Status.FAILED)

    assert failed.status == Status.FAILED
    assert "The team refused step 2." in failed.error
    assert "Copy the file “f2.jsonl”" in failed.error
    steps = steps_of(job)
    assert [s.status for s in steps] == [
        StepStatus.DONE,
        StepStatus.FAILED,
        StepStatus.SKIPPED,
        StepStatus.DONE,
    ]
    assert steps[1].error == "The team refused step 2."
    assert "needs" in steps[2].error

    CALLS.clear()
    services.retry_rest(user=user, job=failed)
    again = wait_status(job, Status.SUCCEEDED, Status.FAILED)

    assert again.status == Status.SUCCEEDED, again.error
    assert [p for _, p in CALLS] == [2, 3], "only the steps not done ran again"
    assert [s.status for s in steps_of(job)] == [StepStatus.DONE] * 4
    assert ActionLog.objects.filter(
        action=ActionLog.Action.JOB_RETRIED, resource_id=str(job.pk)
    ).exists()


def test_retry_is_refused_for_a_job_that_succeeded_or_is_running(user, worker):
    job = wait_status(start(user), Status.SUCCEEDED)
    with pytest.raises(services.JobNotRetryable, match="Only a job that failed"):
        services.retry_rest(user=user, job=job)
    Job.objects.filter(pk=job.pk).update(status=Status.FAILED)  # failed after its last step
    with pytest.raises(services.JobNotRetryable, match="nothing left"):
        services.retry_rest(user=user, job=job)

    running = start(user, SLEEP, steps=plans(1, bytes_total=None))
    assert SLEEPING.wait(15)
    with pytest.raises(services.JobNotRetryable, match="Only a job that failed"):
        services.retry_rest(user=user, job=running)
    assert Job.objects.get(pk=running.pk).status == Status.RUNNING
    services.request_cancel(user=user, job=running)
    wait_status(running, Status.CANCELLED)


def test_an_unexpected_error_is_told_in_words_and_its_detail_only_logged(user, worker, caplog):
    job = start(user, params={"crash_at": 2})
    failed = wait_status(job, Status.SUCCEEDED, Status.FAILED)

    step = steps_of(job)[1]
    assert step.status == StepStatus.FAILED
    assert step.error == runner.UNEXPECTED_STEP
    assert "secret" not in failed.error and "Traceback" not in failed.error
    assert "/srv/secret/path" in caplog.text  # logged, with its traceback


@pytest.mark.parametrize(
    ("params", "message"),
    [({"upstream": True}, "The upstream is down for maintenance."), ({}, runner.UNEXPECTED)],
)
def test_a_handler_failing_outside_a_step_fails_the_job_with_a_human_message(
    user, worker, params, message
):
    job = start(user, CRASH, params=params)
    failed = wait_status(job, Status.SUCCEEDED, Status.FAILED)
    assert failed.status == Status.FAILED
    assert failed.error == message
    assert {s.status for s in steps_of(job)} == {StepStatus.PENDING}  # retry can run them


def test_a_worker_stopped_at_once_marks_its_job_interrupted_there_and_then(user, worker):
    job = start(user, CRASH, params={"exit": True})
    stopped = wait_status(job, Status.INTERRUPTED, Status.FAILED, Status.SUCCEEDED)
    assert stopped.status == Status.INTERRUPTED
    assert stopped.error == services.LOST_WORKER


def test_a_kind_no_longer_registered_fails_in_words(user):
    job = start(user, COUNT)
    Job.objects.filter(pk=job.pk).update(kind="gone.kind")  # before any worker runs
    call_command("jobs_worker", "--batch", "--no-startup-delay", verbosity=0)
    failed = Job.objects.get(pk=job.pk)
    assert failed.status == Status.FAILED
    assert failed.error == runner.UNKNOWN_KIND


def test_cancel_while_running_stops_the_job(user, worker):
    job = start(user, SLEEP, steps=plans(2, bytes_total=None))
    assert SLEEPING.wait(15), "the job did not start"

    assert services.request_cancel(user=user, job=Job.objects.get(pk=job.pk))
    cancelled = wait_status(job, Status.CANCELLED, Status.SUCCEEDED, Status.FAILED)

    assert cancelled.status == Status.CANCELLED
    assert [s.status for s in steps_of(job)] == [StepStatus.CANCELLED, StepStatus.CANCELLED]
    assert ActionLog.objects.filter(
        action=ActionLog.Action.JOB_CANCELLED, resource_id=str(job.pk)
    ).exists()
    # Then the rest can be retried.
    services.retry_rest(user=user, job=cancelled)
    assert Job.objects.get(pk=job.pk).status in (Status.QUEUED, Status.RUNNING)
    services.request_cancel(user=user, job=Job.objects.get(pk=job.pk))
    wait_status(job, Status.CANCELLED)


def test_cancel_while_queued_cancels_at_once_and_the_worker_leaves_it(user):
    job = start(user)
    assert services.request_cancel(user=user, job=job)
    assert Job.objects.get(pk=job.pk).status == Status.CANCELLED
    assert {s.status for s in steps_of(job)} == {StepStatus.CANCELLED}

    call_command("jobs_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert Job.objects.get(pk=job.pk).status == Status.CANCELLED
    assert CALLS == []
    assert not services.request_cancel(user=user, job=job), "nothing left to cancel"


def _lost_job(user, *, seconds_ago: int = 3600) -> Job:
    """A job a worker was running when it died: running, its heartbeat long past."""
    job = start(user)
    long_ago = timezone.now() - timedelta(seconds=seconds_ago)
    Job.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, started_at=long_ago, heartbeat_at=long_ago, worker="gone:1"
    )
    JobStep.objects.filter(job=job, position=1).update(status=StepStatus.DONE)
    JobStep.objects.filter(job=job, position=2).update(status=StepStatus.RUNNING)
    return Job.objects.get(pk=job.pk)


def test_a_job_whose_worker_died_reads_as_interrupted_and_the_worker_start_sweeps_it(user):
    job = _lost_job(user)
    assert job.status == Status.RUNNING and job.shown_status == Status.INTERRUPTED
    assert not job.can_cancel

    call_command("jobs_worker", "--batch", "--no-startup-delay", verbosity=0)

    swept = Job.objects.get(pk=job.pk)
    assert swept.status == Status.INTERRUPTED
    assert swept.error == services.LOST_WORKER
    assert [s.status for s in steps_of(job)] == [
        StepStatus.DONE,
        StepStatus.INTERRUPTED,
        StepStatus.PENDING,
    ]
    # The task it was queued with never ran (its DB row is still there, claimed by no one):
    # the same batch ran it, and found it not queued, so nothing ran twice.
    assert CALLS == []


def test_a_live_heartbeat_is_not_swept(user):
    job = _lost_job(user, seconds_ago=0)
    assert job.shown_status == Status.RUNNING
    assert services.mark_interrupted() == 0


def test_a_queued_job_whose_task_failed_or_vanished_is_interrupted(user):
    from django_tasks_db.models import DBTaskResult

    job = start(user)
    DBTaskResult.objects.filter(id=Job.objects.get(pk=job.pk).task_id).delete()
    assert services.mark_interrupted() == 1
    lost = Job.objects.get(pk=job.pk)
    assert lost.status == Status.INTERRUPTED and lost.error == services.LOST_TASK


def test_retry_after_an_interruption_runs_the_steps_not_done(user):
    job = _lost_job(user)  # before any worker runs, so none picks it up while it is queued
    services.retry_rest(user=user, job=job)  # swept first, then queued again
    _, stop = run_worker("late-worker")
    try:
        done = wait_status(job, Status.SUCCEEDED, Status.FAILED)
    finally:
        stop()
    assert done.status == Status.SUCCEEDED
    assert [p for _, p in CALLS] == [2, 3]


def test_a_job_swept_while_its_handler_still_runs_is_left_to_the_sweep(user, worker):
    """A worker that lost its job (swept as interrupted) stops at its next check and does not
    overwrite the interrupted status."""
    job = start(user, SLEEP, steps=plans(1, bytes_total=None))
    assert SLEEPING.wait(15)
    Job.objects.filter(pk=job.pk).update(status=Status.INTERRUPTED, error=services.LOST_WORKER)
    # It stops at its next check (within a heartbeat and a second), not after its 10 s of work.
    wait_for(lambda: not worker.running_task, timeout=5, what="the handler to stop")
    assert Job.objects.get(pk=job.pk).status == Status.INTERRUPTED


def test_registering_a_kind_twice_with_another_handler_is_an_error():
    registry.register(COUNT, registry.get(COUNT).handler, label="again")  # same: harmless
    with pytest.raises(ImproperlyConfigured):
        registry.register(COUNT, lambda run: None, label="other")
    with pytest.raises(ValueError, match="No job kind"):
        services.start_job(
            user=None,
            kind="nope",
            title="",
            api_key=None,
            source_team=None,
            target_team=None,
            params={},
            steps=[],
        )
