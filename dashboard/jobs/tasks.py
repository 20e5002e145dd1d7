"""The one task on the queue: run a job. Every kind of job goes through it; what differs is
the handler its kind names (``registry``)."""

from __future__ import annotations

from django_tasks import TaskContext, task

from dashboard.jobs import runner


@task(takes_context=True)
def run_job(context: TaskContext, job_id: str) -> str:
    """Run the job ``job_id`` if it is still queued; returns its final status."""
    return runner.execute(job_id, task_id=str(context.task_result.id))
