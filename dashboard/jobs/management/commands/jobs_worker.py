"""``manage.py jobs_worker``: the background-job worker.

It is django-tasks-db's ``db_worker`` (every option passes through: ``--batch``,
``--interval``, ``--max-tasks``, ``--queue-name``…), with two additions:

- at start it writes down the jobs a stopped worker lost (``services.mark_interrupted``), so a
  restarted worker shows them as interrupted, never silently lost; and it sweeps again every
  ``JOBS_HEARTBEAT_TIMEOUT`` while it runs, for workers lost on other hosts;
- its worker id defaults to ``host:pid``, which the job pages show.

Run as many as wanted, on as many hosts, against the same database: each task is claimed by
one worker (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL).
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from dashboard.jobs import services
from dashboard.jobs.runner import worker_name


class Command(DbWorkerCommand):
    help = "Run background jobs (django-tasks-db's db_worker, sweeping lost jobs first)."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(worker_id=worker_name()[:64])
        parser.add_argument(
            "--no-sweep",
            action="store_false",
            dest="sweep",
            help="Do not look for jobs lost by stopped workers (at start and while running).",
        )

    def handle(self, *args, sweep: bool = True, **options) -> None:
        if sweep:
            lost = services.mark_interrupted()
            connection.close()
            if options.get("verbosity", 1):
                self.stdout.write(
                    f"Jobs lost by a stopped worker, now shown as interrupted: {lost}"
                )
            if not options.get("batch"):
                _start_sweeper()
        super().handle(*args, **options)


def _start_sweeper() -> threading.Thread:
    stop = threading.Event()

    def sweep_now_and_then() -> None:
        while not stop.wait(max(5.0, settings.JOBS_HEARTBEAT_TIMEOUT)):
            try:
                services.mark_interrupted()
            except Exception:  # a busy database: the next sweep will do
                services.logger.warning("sweep for lost jobs failed", exc_info=True)
            finally:
                connection.close()

    thread = threading.Thread(target=sweep_now_and_then, name="jobs-sweeper", daemon=True)
    thread.start()
    return thread
