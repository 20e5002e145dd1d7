"""Test-only kinds of job, and the real django-tasks-db worker running them in a thread."""

from __future__ import annotations

import threading
import time

import pytest

from tests.worker import run_worker

COUNT = "test.count"
SLEEP = "test.sleep"
CRASH = "test.crash"

# (job id, position) of every step a counting job ran, in order; the tests read it.
CALLS: list[tuple[str, int]] = []
# (job id, position) of steps that failed once already (params "fail_once": their positions).
FAILED_ONCE: set[tuple[str, int]] = set()
# Set by a sleeping job once its first step runs.
SLEEPING = threading.Event()


def count_steps(run) -> None:
    """Each step counts its bytes up to its total in four parts; steps listed in the params'
    "fail_once" fail, the first time, with a message for the person. Steps depending on a failed or
    skipped step are skipped."""
    from dashboard.jobs.runner import JobError

    for step in run.pending():
        run.check()
        if run.blocked(step):
            step.skip("Not done: a step it needs did not succeed.")
            continue
        with run.step(step.position, stop_on_failure=False) as current:
            job_id = str(run.job.pk)
            CALLS.append((job_id, step.position))
            failing = step.position in run.params.get("fail_once", [])
            if failing and (job_id, step.position) not in FAILED_ONCE:
                FAILED_ONCE.add((job_id, step.position))
                raise JobError(f"The team refused step {step.position}.")
            if run.params.get("crash_at") == step.position:
                raise RuntimeError("internal detail: /srv/secret/path")
            total = step.bytes_total or 0
            for part in range(1, 5):
                current.progress(total * part // 4)
            current.done(
                result={"id": f"new-{step.position}", "kind": "files", "team": run.job.target_team}
            )
    if "then" in run.params:
        run.offer_next(**run.params["then"])


def sleep_steps(run) -> None:
    """Each step sleeps in small increments, checking whether to stop."""
    for step in run.pending():
        with run.step(step.position) as current:
            SLEEPING.set()
            for tick in range(200):
                run.check()
                current.progress(tick, 200)
                time.sleep(0.05)


def crash_outside_steps(run) -> None:
    from dashboard.upstream.errors import UpstreamError

    if run.params.get("exit"):
        raise SystemExit(1)  # as the worker does on a second Ctrl+C
    if run.params.get("upstream"):
        raise UpstreamError("The upstream is down for maintenance.")
    raise KeyError("a programming error")


@pytest.fixture(autouse=True)
def job_kinds(settings):
    from dashboard.jobs import registry

    settings.JOBS_HEARTBEAT_TIMEOUT = 2.0
    registry.register(COUNT, count_steps, label="Counting (test)")
    registry.register(SLEEP, sleep_steps, label="Sleeping (test)")
    registry.register(CRASH, crash_outside_steps, label="Crashing (test)")
    CALLS.clear()
    FAILED_ONCE.clear()
    SLEEPING.clear()
    yield
    for kind in (COUNT, SLEEP, CRASH):
        registry.unregister(kind)


@pytest.fixture
def worker(transactional_db):
    """One real worker running jobs while the test runs."""
    real, stop = run_worker("test-worker")
    yield real
    stop()


@pytest.fixture
def workers(transactional_db):
    """Three real workers sharing the queue."""
    started = [run_worker(f"test-worker-{n}") for n in range(3)]
    yield [real for real, _ in started]
    for _, stop in started:
        stop()


def wait_for(check, timeout: float = 15.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def wait_status(job, *statuses, timeout: float = 15.0):
    from dashboard.jobs.models import Job

    def ended():
        fresh = Job.objects.get(pk=job.pk)
        return fresh if fresh.status in statuses else None

    return wait_for(ended, timeout, f"job {job.pk} to be {'/'.join(statuses)}")


def plans(n: int, *, bytes_total: int | None = 1000, depends: dict | None = None):
    from dashboard.jobs.services import StepPlan

    depends = depends or {}
    return [
        StepPlan(
            label=f"Copy the file “f{i}.jsonl”",
            kind="files",
            source_id=f"file-{i}",
            action="copy",
            depends_on=depends.get(i, []),
            bytes_total=bytes_total,
        )
        for i in range(1, n + 1)
    ]


class FakeTeam:
    def __init__(self, key: str, label: str):
        self.key, self.label = key, label
        self.id = None if key == "personal" else key


def start(user, kind=COUNT, *, steps=None, params=None, title="Copy three files"):
    from dashboard.jobs.services import start_job

    return start_job(
        user=user,
        kind=kind,
        title=title,
        api_key=None,
        source_team=FakeTeam("personal", "Personal workspace"),
        target_team=FakeTeam("team-b-id", "Team B"),
        params=params or {},
        steps=steps if steps is not None else plans(3),
    )
