"""A background job and its steps.

A :class:`Job` is one piece of long work a person started (copy these resources to that team,
delete these, hand these over); its :class:`JobStep` rows are what it will do, one by one, in
words a person reads ("Copy the file “a.jsonl”"). The worker moves them on; the pages only read
them. A job whose worker stopped answering (no heartbeat for ``JOBS_HEARTBEAT_TIMEOUT``) is
shown as interrupted at once (:attr:`Job.shown_status`), before any sweep has written it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


def heartbeat_timeout() -> timedelta:
    return timedelta(seconds=settings.JOBS_HEARTBEAT_TIMEOUT)


def stale_before():
    """Running jobs whose last heartbeat is older than this have lost their worker."""
    return timezone.now() - heartbeat_timeout()


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        INTERRUPTED = "interrupted", "Interrupted"

    FINAL = frozenset({Status.SUCCEEDED, Status.FAILED, Status.CANCELLED, Status.INTERRUPTED})
    RETRYABLE = frozenset({Status.FAILED, Status.CANCELLED, Status.INTERRUPTED})

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=60, help_text="A kind registered in jobs.registry")
    title = models.CharField(max_length=200)
    # The key of the person who started it: the job acts as them, and stops being able to act
    # if they remove the key (its steps then fail, saying so).
    api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_team = models.CharField(max_length=64, blank=True, help_text='A team id or "personal"')
    source_team_label = models.CharField(max_length=100, blank=True)
    target_team = models.CharField(max_length=64, blank=True, help_text='A team id or "personal"')
    target_team_label = models.CharField(max_length=100, blank=True)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True, help_text="In words, for the person; never a traceback")
    task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of the worker")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"

    @property
    def is_stale(self) -> bool:
        """Running, but its worker has not given a sign of life for too long."""
        if self.status != self.Status.RUNNING:
            return False
        last = self.heartbeat_at or self.started_at
        return last is None or last < stale_before()

    @property
    def shown_status(self) -> str:
        """The status to show: a running job whose worker is gone is interrupted, whether or
        not a sweep has written so yet."""
        return self.Status.INTERRUPTED if self.is_stale else self.status

    @property
    def shown_status_label(self) -> str:
        return self.Status(self.shown_status).label

    @property
    def is_final(self) -> bool:
        return self.shown_status in self.FINAL

    @property
    def can_cancel(self) -> bool:
        return self.shown_status in (self.Status.QUEUED, self.Status.RUNNING) and not (
            self.cancel_requested and self.status == self.Status.RUNNING
        )

    @property
    def cancelling(self) -> bool:
        return self.cancel_requested and self.shown_status == self.Status.RUNNING


class JobStep(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        CANCELLED = "cancelled", "Cancelled"
        INTERRUPTED = "interrupted", "Interrupted"

    # What "retry the rest" runs again.
    NOT_DONE = frozenset(
        {Status.PENDING, Status.RUNNING, Status.FAILED, Status.SKIPPED, Status.CANCELLED}
        | {Status.INTERRUPTED}
    )

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    label = models.CharField(max_length=300)
    kind = models.CharField(max_length=40, blank=True, help_text="A resource kind slug, or empty")
    source_id = models.CharField(max_length=128, blank=True)
    action = models.CharField(max_length=20, help_text='"copy", "map", "delete", "note"…')
    depends_on = models.JSONField(default=list, blank=True, help_text="Positions of steps")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    bytes_done = models.BigIntegerField(null=True, blank=True)
    bytes_total = models.BigIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True, help_text='e.g. {"id", "kind", "team"}')
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="one_step_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.label} ({self.status})"
