"""Starting, cancelling and retrying background jobs, and sweeping up those a worker lost.

Each change is recorded in the action log. A job is enqueued on the task queue only once the
transaction that wrote it has committed (``transaction.on_commit``), so a worker never picks up
a job it cannot read yet.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dashboard.audit.models import ActionLog
from dashboard.audit.services import record_action, storable
from dashboard.jobs import registry
from dashboard.jobs.models import Job, JobStep, heartbeat_timeout, stale_before
from dashboard.jobs.runner import LOST_WORKER

logger = logging.getLogger(__name__)

Status = Job.Status
StepStatus = JobStep.Status

LOST_TASK = "The job was queued, but the task that was to run it is gone."
NOT_QUEUED = "The job could not be put in the queue."


class JobNotRetryable(ValueError):
    """Retry asked for a job that is not stopped, or has nothing left to do."""


@dataclass(frozen=True)
class StepPlan:
    """One step of a job, as planned when it is started."""

    label: str
    kind: str = ""
    source_id: str = ""
    action: str = "note"
    depends_on: list[int] = field(default_factory=list)
    bytes_total: int | None = None


@dataclass(frozen=True)
class TeamRef:
    """A team as the action log takes it (``id`` None: the personal workspace)."""

    id: str | None
    label: str


def _team_key(team) -> str:
    return "" if team is None else str(getattr(team, "key", team))


def _team_label(team) -> str:
    return "" if team is None else str(getattr(team, "label", "") or "")


def _log_team(job: Job) -> TeamRef | None:
    if not job.source_team:
        return None
    team_id = None if job.source_team == "personal" else job.source_team
    return TeamRef(team_id, job.source_team_label)


def _record(user, action: str, job: Job, detail: str = "") -> None:
    record_action(
        user,
        action,
        team=_log_team(job),
        resource_id=str(job.pk),
        detail=detail or f"{registry.label_of(job.kind)}: {job.title}",
    )


def _enqueue_after_commit(job_id) -> None:
    transaction.on_commit(lambda: enqueue(job_id=job_id))


def enqueue(*, job_id) -> None:
    """Put the job on the task queue and note its task. A failure to enqueue leaves the job
    failed, saying so, rather than queued for ever."""
    from dashboard.jobs.tasks import run_job  # the task needs the configured backend

    try:
        result = run_job.enqueue(str(job_id))
    except Exception:
        logger.exception("could not enqueue job %s", job_id)
        Job.objects.filter(pk=job_id, status=Status.QUEUED).update(
            status=Status.FAILED, error=NOT_QUEUED, finished_at=timezone.now()
        )
        return
    # The worker may have claimed it already (and written the task id itself).
    Job.objects.filter(pk=job_id, status=Status.QUEUED, task_id="").update(task_id=result.id)


def start_job(
    *,
    user,
    kind: str,
    title: str,
    api_key,
    source_team,
    target_team,
    params: dict,
    steps: list[StepPlan],
) -> Job:
    """Create a job and its steps, record it, and enqueue it once committed.

    ``source_team`` and ``target_team`` are teams as pages have them (``.key``: a team id or
    ``"personal"``, ``.label``), or None. ``api_key`` is the key the job acts with.
    """
    if registry.get(kind) is None:
        raise ValueError(f"No job kind {kind!r} is registered")
    with transaction.atomic():
        job = Job.objects.create(
            user=user,
            kind=kind,
            title=storable(title, 200),
            api_key=api_key,
            source_team=storable(_team_key(source_team), 64),
            source_team_label=storable(_team_label(source_team), 100),
            target_team=storable(_team_key(target_team), 64),
            target_team_label=storable(_team_label(target_team), 100),
            params=params or {},
        )
        JobStep.objects.bulk_create(
            JobStep(
                job=job,
                position=position,
                label=storable(plan.label, 300),
                kind=storable(plan.kind, 40),
                source_id=storable(plan.source_id, 128),
                action=storable(plan.action, 20),
                depends_on=[int(p) for p in plan.depends_on],
                bytes_total=plan.bytes_total,
            )
            for position, plan in enumerate(steps, start=1)
        )
        _record(user, ActionLog.Action.JOB_STARTED, job)
        _enqueue_after_commit(job.pk)
    return job


def request_cancel(*, user, job: Job) -> bool:
    """Stop the job: a queued one at once, a running one at its next check. False when it had
    already ended (nothing is recorded then)."""
    now = timezone.now()
    with transaction.atomic():
        if Job.objects.filter(pk=job.pk, status=Status.QUEUED).update(
            status=Status.CANCELLED, cancel_requested=True, finished_at=now
        ):
            job.steps.filter(status=StepStatus.PENDING).update(
                status=StepStatus.CANCELLED, finished_at=now
            )
        elif not Job.objects.filter(
            pk=job.pk, status=Status.RUNNING, heartbeat_at__gte=stale_before()
        ).update(cancel_requested=True):
            return False
        _record(user, ActionLog.Action.JOB_CANCELLED, job)
    job.refresh_from_db()
    return True


def retry_rest(*, user, job: Job) -> Job:
    """Run the same job again for the steps not done: failed, skipped, cancelled, interrupted
    and pending steps are pending again, and the job is queued. Only a job that has stopped
    (failed, cancelled or interrupted) and has steps left can be retried."""
    mark_interrupted(job_ids=[job.pk])  # a running job whose worker is gone stopped, too
    job.refresh_from_db()
    if job.status not in Job.RETRYABLE:
        raise JobNotRetryable(
            "Only a job that failed, was cancelled or was interrupted can be retried."
        )
    with transaction.atomic():
        rest = job.steps.filter(status__in=JobStep.NOT_DONE)
        if not rest.exists():
            raise JobNotRetryable("Every step of this job is done; there is nothing left to retry.")
        moved = Job.objects.filter(pk=job.pk, status=job.status).update(
            status=Status.QUEUED,
            cancel_requested=False,
            error="",
            task_id="",
            worker="",
            queued_at=timezone.now(),
            started_at=None,
            finished_at=None,
            heartbeat_at=None,
        )
        if not moved:  # changed under us (another tab retried it first)
            raise JobNotRetryable("This job has changed meanwhile; look at it again.")
        rest.update(
            status=StepStatus.PENDING,
            error="",
            result={},
            bytes_done=None,
            started_at=None,
            finished_at=None,
        )
        _record(user, ActionLog.Action.JOB_RETRIED, job)
        _enqueue_after_commit(job.pk)
    job.refresh_from_db()
    return job


def mark_interrupted(*, job_ids=None) -> int:
    """Write down the jobs whose run was lost, and say how many:

    - running, but no heartbeat for ``JOBS_HEARTBEAT_TIMEOUT``: its worker is gone (the step
      it was on is interrupted too);
    - queued, but the task that was to run it failed or no longer exists (or none was ever
      noted, long after it was queued).
    """
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    cutoff = stale_before()
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    silent |= Q(heartbeat_at__isnull=True, started_at__isnull=True)
    jobs = Job.objects.all() if job_ids is None else Job.objects.filter(pk__in=job_ids)
    stale = jobs.filter(silent, status=Status.RUNNING)
    lost: dict = {pk: LOST_WORKER for pk in stale.values_list("pk", flat=True)}

    queued = list(jobs.filter(status=Status.QUEUED).values_list("pk", "task_id", "queued_at"))
    task_ids = [task_id for _, task_id, _ in queued if task_id]
    alive = set()
    if task_ids:
        alive = {
            str(pk)
            for pk in DBTaskResult.objects.filter(
                id__in=task_ids,
                status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
            ).values_list("id", flat=True)
        }
    long_ago = now - max(heartbeat_timeout(), timedelta(minutes=1))
    for pk, task_id, queued_at in queued:
        if (task_id and _normal_uuid(task_id) not in alive) or (
            not task_id and queued_at < long_ago
        ):
            lost[pk] = LOST_TASK

    count = 0
    for pk, reason in lost.items():
        with transaction.atomic():
            # Again, in the update: a heartbeat or a claim may have come meanwhile.
            if reason == LOST_WORKER:
                still = Job.objects.filter(silent, pk=pk, status=Status.RUNNING)
            else:
                still = Job.objects.filter(pk=pk, status=Status.QUEUED)
            if still.update(status=Status.INTERRUPTED, error=reason, finished_at=now):
                JobStep.objects.filter(job_id=pk, status=StepStatus.RUNNING).update(
                    status=StepStatus.INTERRUPTED, finished_at=now
                )
                count += 1
    if count:
        logger.warning("%d job(s) marked interrupted", count)
    return count


def _normal_uuid(value: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)
