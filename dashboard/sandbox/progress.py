"""Jobs that move on by themselves, worked out from timestamps whenever they are read.

No background thread advances anything: a job stores the status its timeline starts in and
when it started (``timeline_start``), and its status *now* follows from how many steps of
``SANDBOX_JOB_STEP_SECONDS`` (default 2 s) have passed since. So every process serving the
sandbox sees the same status at the same moment, and a test can make time pass quickly.

    fine-tune    pending → queued → running (one step per epoch, at most 10) → completed
    deployment   Pending → Active
    ingestion    queued → running → completed (its files are then the vector database's)
    data job     file_processing → ready_to_start      (after files are added)
                 queued → running → completed          (after it is started)
    RunGen job   IN_QUEUE (half a step) → IN_PROGRESS (one step) → COMPLETED
                 (only while its app has workers: a job of a stopped app waits in IN_QUEUE)

A stored status that does not start a timeline (cancelled, Inactive, or anything a factory set
without a timeline) is simply the status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dashboard.sandbox.models import (
    SandboxApp,
    SandboxAppJob,
    SandboxDataJob,
    SandboxDeployment,
    SandboxFile,
    SandboxFineTune,
    SandboxIngestionJob,
    SandboxTeam,
    SandboxVectorDBFile,
)

STEP_SETTING = "SANDBOX_JOB_STEP_SECONDS"
DEFAULT_STEP_SECONDS = 2.0
MAX_TRAINING_STEPS = 10  # a long fine-tune still finishes within ten steps


def step_seconds() -> float:
    return max(0.0, float(getattr(settings, STEP_SETTING, DEFAULT_STEP_SECONDS)))


@dataclass(frozen=True)
class Stage:
    status: str
    steps: float = 1  # how long it lasts (the last stage lasts for ever)


@dataclass(frozen=True)
class State:
    status: str
    since: datetime | None  # when it entered that status (None: not on a timeline)


def _after(start: datetime, steps: float) -> datetime:
    return start + timedelta(seconds=steps * step_seconds())


def stage_starts(start: datetime, stages: tuple[Stage, ...]) -> list[datetime]:
    """When each stage of a timeline that began at ``start`` begins."""
    starts = [start]
    for stage in stages[:-1]:
        starts.append(_after(starts[-1], stage.steps))
    return starts


def on_timeline(stored: str, start: datetime | None, stages: tuple[Stage, ...], now=None) -> State:
    """Where a job stored as ``stored``, whose timeline began at ``start``, is at ``now``."""
    if start is None or not stages or stages[0].status != stored:
        return State(stored, None)
    now = now or timezone.now()
    starts = stage_starts(start, stages)
    index = max(i for i, began in enumerate(starts) if began <= now or i == 0)
    return State(stages[index].status, starts[index])


# --- Fine-tunes ---------------------------------------------------------------------------
def training_steps(fine_tune: SandboxFineTune) -> int:
    n_epochs = fine_tune.extra.get("n_epochs") or 1
    return max(1, min(int(n_epochs), MAX_TRAINING_STEPS))


def fine_tune_stages(fine_tune: SandboxFineTune) -> tuple[Stage, ...]:
    return (
        Stage("pending"),
        Stage("queued"),
        Stage("running", training_steps(fine_tune)),
        Stage("completed"),
    )


def fine_tune(job: SandboxFineTune, now=None) -> State:
    return on_timeline(job.status, job.timeline_start, fine_tune_stages(job), now)


def fine_tune_completed_at(job: SandboxFineTune, now=None) -> datetime | None:
    state = fine_tune(job, now)
    return (
        state.since if state.since is not None and state.status == "completed" else job.completed_at
    )


LOSS_START, LOSS_DECAY, LOSS_FLOOR = 1.8, 0.62, 0.15


def _event(when: datetime, event_type: str, message: str, **metrics) -> dict:
    return {
        "object": "fine-tune-event",
        "created_at": when,
        "type": event_type,
        "level": "Error" if event_type == "JOB_ERROR" else "Info",
        "message": message,
        **metrics,
    }


def fine_tune_events(job: SandboxFineTune, now=None) -> list[dict] | None:
    """The events of a job on a timeline so far, oldest first (``None`` if it has none).

    A cancelled job's events stop where it was cancelled."""
    if job.timeline_start is None:
        return None
    now = now or timezone.now()
    cancelled = job.status == "cancelled" and job.completed_at is not None
    until = min(now, job.completed_at) if cancelled else now
    start = job.timeline_start
    running = _after(start, 2)
    steps = training_steps(job)
    done = _after(running, steps)
    epochs = int(job.extra.get("n_epochs") or 1)
    planned = [
        _event(start, "JOB_PENDING", "The job is pending."),
        _event(_after(start, 1), "JOB_PENDING", "The job is queued."),
        _event(running, "JOB_START", "The job started."),
        _event(running, "TRAINING_START", "Training started."),
    ]
    for epoch in range(1, epochs + 1):
        loss = round(LOSS_FLOOR + (LOSS_START - LOSS_FLOOR) * LOSS_DECAY**epoch, 4)
        planned.append(
            _event(
                _after(running, steps * epoch / epochs),
                "EPOCH_COMPLETE",
                f"Epoch {epoch} of {epochs} complete.",
                epoch=float(epoch),
                loss=loss,
            )
        )
    planned += [
        _event(done, "TRAINING_COMPLETE", "Training complete."),
        _event(done, "MODEL_UPLOAD_COMPLETE", "The model was uploaded."),
        _event(done, "JOB_COMPLETE", "The job is complete."),
    ]
    events = [event for event in planned if event["created_at"] <= until]
    if cancelled:
        events += [
            _event(job.completed_at, "CANCEL_REQUESTED", "Cancellation was requested."),
            _event(job.completed_at, "JOB_STOPPED", "The job was stopped."),
        ]
    return events


# --- Deployments --------------------------------------------------------------------------
DEPLOYMENT_STAGES = (Stage("Pending"), Stage("Active"))


def deployment(job: SandboxDeployment, now=None) -> State:
    return on_timeline(job.status, job.timeline_start, DEPLOYMENT_STAGES, now)


# --- Ingestion into vector databases --------------------------------------------------------
INGESTION_STAGES = (Stage("queued"), Stage("running"), Stage("completed"))


def ingestion(job: SandboxIngestionJob, now=None) -> State:
    return on_timeline(job.status, job.timeline_start, INGESTION_STAGES, now)


def settle_ingestions(team: SandboxTeam, vector_db_id: str | None = None) -> None:
    """Put the files of every completed ingestion job of ``team`` into its vector database.

    Each job is settled once, by whichever request first sees it complete (the claim is one
    conditional UPDATE, so two processes never both settle it); its files join the database
    as of the moment the job completed.
    """
    now = timezone.now()
    pending = SandboxIngestionJob.objects.filter(
        team=team, settled=False, timeline_start__isnull=False
    )
    if vector_db_id is not None:
        pending = pending.filter(vector_db_id=vector_db_id)
    for job in pending:
        state = ingestion(job, now)
        if state.status != "completed":
            continue
        with transaction.atomic():
            if not SandboxIngestionJob.objects.filter(pk=job.pk, settled=False).update(
                settled=True
            ):
                continue
            for file in SandboxFile.objects.filter(team=team, pk__in=job.file_ids):
                SandboxVectorDBFile.objects.get_or_create(
                    vector_db_id=job.vector_db_id,
                    file=file,
                    defaults={"created_at": state.since, "status": "completed"},
                )


# --- Data jobs ----------------------------------------------------------------------------
FILE_STAGES = (Stage("file_processing"), Stage("ready_to_start"))
RUN_STAGES = (Stage("queued"), Stage("running"), Stage("completed"))
PRE_START = ("needs_review", "file_processing", "ready_to_start")
RUNNING = ("pending", "queued", "running")


def data_job(job: SandboxDataJob, now=None) -> State:
    stages = FILE_STAGES if job.status == FILE_STAGES[0].status else RUN_STAGES
    return on_timeline(job.status, job.timeline_start, stages, now)


# --- RunGen jobs ----------------------------------------------------------------------------
APP_JOB_STAGES = (Stage("IN_QUEUE", 0.5), Stage("IN_PROGRESS"), Stage("COMPLETED"))


@dataclass(frozen=True)
class AppJobState:
    status: str
    started_at: datetime | None
    completed_at: datetime | None


def app_job(job: SandboxAppJob, now=None) -> AppJobState:
    """A RunGen job now, with when it started and ended (``None`` until it has)."""
    stages = APP_JOB_STAGES
    state = on_timeline(job.status, job.timeline_start, stages, now)
    if state.since is None:
        return AppJobState(job.status, job.started_at, job.completed_at)
    _, started, completed = stage_starts(job.timeline_start, stages)
    reached = [s.status for s in stages].index(state.status)
    return AppJobState(
        state.status, started if reached >= 1 else None, completed if reached >= 2 else None
    )


@transaction.atomic
def app_workers_changed(app: SandboxApp, was_running: bool, now=None) -> None:
    """Jobs wait for workers: an app that starts takes its waiting jobs from now on, an app
    that stops leaves those still in the queue waiting (those in progress finish)."""
    now = now or timezone.now()
    queued = SandboxAppJob.objects.filter(app=app, status=SandboxAppJob.Status.IN_QUEUE)
    if app.running and not was_running:
        queued.filter(timeline_start=None).update(timeline_start=now)
    elif was_running and not app.running:
        for job in queued.exclude(timeline_start=None):
            if app_job(job, now).status == SandboxAppJob.Status.IN_QUEUE:
                SandboxAppJob.objects.filter(pk=job.pk).update(timeline_start=None)
