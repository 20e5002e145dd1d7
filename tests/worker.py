"""A real background-job worker for tests: django-tasks-db's own ``Worker``, polling the test
database in a thread."""

from __future__ import annotations

import threading


def run_worker(name: str):
    """django-tasks-db's own Worker, polling the test database in a thread; returns it and a
    function that stops it (a job still running then is cancelled, so it stops soon)."""
    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    from dashboard.jobs.models import Job

    real = Worker(
        queue_names=["default"],
        interval=0.05,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=name,
        excluded_queue_names=[],
    )

    def run() -> None:
        try:
            real.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()

    def stop() -> None:
        real.running = False
        Job.objects.filter(status=Job.Status.RUNNING).update(cancel_requested=True)
        thread.join(timeout=20)
        assert not thread.is_alive(), f"{name} did not stop"

    return real, stop


def work_off_the_queue() -> None:
    """What a worker does, in this thread: run every queued task, then stop."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()
