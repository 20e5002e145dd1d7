"""Running one job inside the worker: claim it, keep its heartbeat, call its handler, finish it.

A handler (see ``registry``) gets a :class:`JobRun`::

    def copy_resources(run: JobRun) -> None:
        client = client_for_key(run.job.api_key)
        for step in run.pending():
            run.check()                       # JobCancelled if the person cancelled
            if run.blocked(step):             # a step it depends on failed or was skipped
                step.skip("Not done: a step it needs did not succeed.")
                continue
            with run.step(step.position, stop_on_failure=False) as s:
                ...
                s.progress(sent, total)       # throttled DB writes; the last always written
                s.done(result={"id": new_id, "kind": "files", "team": run.job.target_team})

On a retry the handler is called again with the same steps: ``run.pending()`` leaves out the
ones already done, and ``step.result`` keeps what they made.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from dashboard.jobs import registry
from dashboard.jobs.models import Job, JobStep
from dashboard.upstream.errors import UpstreamError

logger = logging.getLogger(__name__)

Status = Job.Status
StepStatus = JobStep.Status

UNEXPECTED = "An unexpected error stopped the job."
UNEXPECTED_STEP = "An unexpected error stopped this step."
LOST_WORKER = "The worker running this job stopped before the job finished."
UNKNOWN_KIND = "The dashboard no longer knows how to run this kind of job."
CANCELLED = "Cancelled before it was done."
PROGRESS_INTERVAL = 0.5  # seconds between progress writes of one step (≤ 2 a second)
CANCEL_CACHE = 1.0  # seconds a read of the cancel flag is trusted


class JobCancelled(Exception):
    """Raised by :meth:`JobRun.check` when the person asked to cancel (or the job was lost)."""


class JobError(Exception):
    """An error whose message is written for the person (shown as it is)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def human_message(exc: BaseException, unexpected: str = UNEXPECTED_STEP) -> str:
    """What a person is told about ``exc``; anything not written for them is logged instead."""
    if isinstance(exc, UpstreamError | JobError):
        return str(exc.message)
    logger.error("job step failed", exc_info=exc)
    return unexpected


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


class StepRun:
    """One step, as its handler works on it."""

    def __init__(self, run: JobRun, model: JobStep):
        self.run = run
        self.model = model
        self._last_write = 0.0
        self._unwritten: tuple[int, int | None] | None = None

    # What the step is.
    position = property(lambda self: self.model.position)
    label = property(lambda self: self.model.label)
    kind = property(lambda self: self.model.kind)
    source_id = property(lambda self: self.model.source_id)
    action = property(lambda self: self.model.action)
    depends_on = property(lambda self: list(self.model.depends_on or []))
    status = property(lambda self: self.model.status)
    result = property(lambda self: dict(self.model.result or {}))
    error = property(lambda self: self.model.error)
    bytes_done = property(lambda self: self.model.bytes_done)
    bytes_total = property(lambda self: self.model.bytes_total)

    def __repr__(self) -> str:
        return f"<StepRun {self.position} {self.status}>"

    def _save(self, **fields) -> None:
        for name, value in fields.items():
            setattr(self.model, name, value)
        JobStep.objects.filter(pk=self.model.pk).update(**fields)

    def progress(self, bytes_done: int, bytes_total: int | None = None) -> None:
        """How far the step is, in bytes. Written at most twice a second; the last value is
        written when the step ends."""
        total = self.model.bytes_total if bytes_total is None else bytes_total
        self.model.bytes_done, self.model.bytes_total = bytes_done, total
        now = time.monotonic()
        final = total is not None and bytes_done >= total
        if final or now - self._last_write >= PROGRESS_INTERVAL:
            self._write_progress()
            self._last_write = now
        else:
            self._unwritten = (bytes_done, total)

    def _write_progress(self) -> None:
        self._unwritten = None
        JobStep.objects.filter(pk=self.model.pk).update(
            bytes_done=self.model.bytes_done, bytes_total=self.model.bytes_total
        )

    def flush(self) -> None:
        if self._unwritten is not None:
            self._write_progress()

    def start(self) -> None:
        self.flush()
        self._save(status=StepStatus.RUNNING, started_at=timezone.now(), error="")

    def done(self, result: dict | None = None) -> None:
        """The step succeeded; ``result`` says what it made (``{"id", "kind", "team"}`` links
        to it)."""
        self.flush()
        self._save(status=StepStatus.DONE, result=dict(result or {}), finished_at=timezone.now())

    def skip(self, reason: str = "") -> None:
        """The step is not done, on purpose (``reason`` is shown)."""
        self.flush()
        self._save(status=StepStatus.SKIPPED, error=str(reason)[:2000], finished_at=timezone.now())

    def fail(self, message: str) -> None:
        self.flush()
        self._save(status=StepStatus.FAILED, error=str(message)[:2000], finished_at=timezone.now())

    def cancel(self) -> None:
        self.flush()
        self._save(status=StepStatus.CANCELLED, finished_at=timezone.now())


class JobRun:
    """What a handler is given: the job, its steps, and the means to report on them."""

    def __init__(self, job: Job):
        self.job = job
        self.params: dict = dict(job.params or {})
        self.steps: list[StepRun] = [StepRun(self, s) for s in job.steps.order_by("position")]
        self._by_position = {s.position: s for s in self.steps}
        self._cancelled = False
        self._checked_at = 0.0
        self.lost = threading.Event()  # set by the heartbeat when the job is no longer ours

    def offer_next(self, *, url: str, label: str) -> None:
        """Offer a next step on the job's page once it succeeded: a link (a path of this site)
        with its label, e.g. a form opened filled in with what the job made."""
        self.job.params = {**(self.job.params or {}), "then": {"url": url, "label": label}}
        Job.objects.filter(pk=self.job.pk).update(params=self.job.params)

    def get(self, position: int) -> StepRun:
        return self._by_position[position]

    def pending(self) -> list[StepRun]:
        """The steps still to do, in order (on a retry, those not done before)."""
        return [s for s in self.steps if s.status == StepStatus.PENDING]

    def blocked(self, step: StepRun | JobStep | int) -> bool:
        """Whether a step this one depends on failed, was skipped, or was cancelled."""
        position = step if isinstance(step, int) else step.position
        needs = self._by_position[position].depends_on
        stopped = {StepStatus.FAILED, StepStatus.SKIPPED, StepStatus.CANCELLED}
        stopped.add(StepStatus.INTERRUPTED)
        return any(p in self._by_position and self._by_position[p].status in stopped for p in needs)

    def cancelled(self) -> bool:
        """Whether the person asked to cancel (read at most once a second)."""
        if self._cancelled or self.lost.is_set():
            return True
        now = time.monotonic()
        if now - self._checked_at >= CANCEL_CACHE:
            self._checked_at = now
            self._cancelled = Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists()
        return self._cancelled

    def check(self) -> None:
        """Raise :class:`JobCancelled` if the job is to stop."""
        if self.cancelled():
            raise JobCancelled()

    @contextmanager
    def step(self, position: int, *, stop_on_failure: bool = True) -> Iterator[StepRun]:
        """Run a step: running on entry, done on leaving (unless the block said otherwise).

        An exception in the block fails the step with a message for the person (an
        ``UpstreamError``'s or ``JobError``'s own, otherwise a general one, the traceback being
        logged); it is raised again when ``stop_on_failure``, otherwise the job goes on.
        ``JobCancelled`` cancels the step and is always raised again.
        """
        current = self._by_position[position]
        if current.status != StepStatus.PENDING:
            raise ValueError(f"Step {position} is {current.status}, not pending")
        self.check()
        current.start()
        try:
            yield current
        except JobCancelled:
            current.cancel()
            raise
        except Exception as exc:
            current.fail(human_message(exc))
            if stop_on_failure:
                raise
        else:
            if current.status == StepStatus.RUNNING:
                current.done(current.result)
            else:
                current.flush()


class Heartbeat:
    """A thread that writes the job's ``heartbeat_at`` every few seconds while it runs."""

    def __init__(self, run: JobRun, interval: float):
        self.run = run
        self.interval = interval
        self.stopping = threading.Event()
        self.thread = threading.Thread(
            target=self._beat, name=f"job-heartbeat-{run.job.pk}", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join(timeout=self.interval + 5)

    def _beat(self) -> None:
        try:
            while not self.stopping.wait(self.interval):
                try:
                    beat = Job.objects.filter(
                        pk=self.run.job.pk, status=Status.RUNNING, task_id=self.run.job.task_id
                    ).update(heartbeat_at=timezone.now())
                except Exception:  # a busy database: try again at the next beat
                    logger.warning("job %s: heartbeat not written", self.run.job.pk, exc_info=True)
                    continue
                if not beat:  # swept as interrupted, or retried elsewhere: stop working
                    self.run.lost.set()
                    return
        finally:
            connection.close()


def heartbeat_interval() -> float:
    return max(0.2, min(5.0, settings.JOBS_HEARTBEAT_TIMEOUT / 4))


def claim(job_id: str, task_id: str) -> Job | None:
    """Take the job if it is still queued; None if it is not (cancelled, or another task
    took it)."""
    now = timezone.now()
    taken = Job.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker=worker_name(),
        task_id=task_id,
    )
    return Job.objects.select_related("api_key", "user").get(pk=job_id) if taken else None


def execute(job_id: str, *, task_id: str) -> str:
    """Run the job ``job_id`` to its end; returns its final status (or why it did not run)."""
    close_old_connections()
    job = claim(job_id, task_id)
    if job is None:
        return "not queued"
    run = JobRun(job)
    kind = registry.get(job.kind)
    error = ""
    with Heartbeat(run, heartbeat_interval()):
        if kind is None:
            error = UNKNOWN_KIND
        else:
            try:
                kind.handler(run)
            except JobCancelled:
                pass
            except (KeyboardInterrupt, SystemExit):  # the worker was told to stop at once
                interrupt(run)
                raise
            except Exception as exc:
                if not any(s.status == StepStatus.FAILED for s in run.steps):
                    error = human_message(exc, UNEXPECTED)
    return finish(run, error)


def finish(run: JobRun, error: str = "") -> str:
    """Give the job its final status: cancelled if asked to, failed if a step (or the handler)
    failed, succeeded otherwise."""
    now = timezone.now()
    job = run.job
    mine = Job.objects.filter(pk=job.pk, status=Status.RUNNING, task_id=job.task_id)
    if run.lost.is_set() or not mine.exists():
        logger.warning("job %s was no longer this worker's when it ended", job.pk)
        return "lost"
    for step in run.steps:
        step.flush()
    failed = [s for s in run.steps if s.status == StepStatus.FAILED]
    if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
        status = Status.CANCELLED
        for step in run.steps:
            if step.status in (StepStatus.PENDING, StepStatus.RUNNING):
                step.cancel()
    elif failed or error:
        status = Status.FAILED
        error = error or _failure_summary(failed)
        for step in run.steps:
            if step.status == StepStatus.RUNNING:
                step.fail(error)
    else:
        status = Status.SUCCEEDED
        for step in run.steps:
            if step.status == StepStatus.RUNNING:
                step.done(step.result)
    if not mine.update(status=status, error=error, finished_at=now, heartbeat_at=now):
        logger.warning("job %s was no longer this worker's when it ended", job.pk)
        return "lost"
    return status


def interrupt(run: JobRun) -> None:
    """The worker is stopping in the middle of the job: say so now rather than when its
    heartbeat is found stale."""
    now = timezone.now()
    job = run.job
    if Job.objects.filter(pk=job.pk, status=Status.RUNNING, task_id=job.task_id).update(
        status=Status.INTERRUPTED, error=LOST_WORKER, finished_at=now
    ):
        job.steps.filter(status=StepStatus.RUNNING).update(
            status=StepStatus.INTERRUPTED, finished_at=now
        )


def _failure_summary(failed: list[StepRun]) -> str:
    first = failed[0]
    if len(failed) == 1:
        return f"A step failed: {first.label}: {first.error}"
    return f"{len(failed)} steps failed. The first: {first.label}: {first.error}"
