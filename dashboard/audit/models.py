from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models


class ActionLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("The action log is append-only.")

    def delete(self):
        raise PermissionDenied("The action log is append-only.")

    def complete(self, pk: int, *, outcome: str, **fields) -> int:
        """Give a started entry its outcome: the one change an entry ever takes, once."""
        if outcome == ActionLog.Outcome.STARTED:
            raise PermissionDenied("An entry is completed with a final outcome.")
        started = models.QuerySet.filter(self, pk=pk, outcome=ActionLog.Outcome.STARTED)
        return models.QuerySet.update(started, outcome=outcome, **fields)


class ActionLog(models.Model):
    """One mutation made through the dashboard. Append-only: rows are never changed, except
    that an entry written as ``started`` before its upstream call gets its outcome after it."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Succeeded"
        FAILURE = "failure", "Failed"
        REFUSED = "refused", "Refused"
        STARTED = "started", "Started, outcome unknown"
        UNKNOWN = "unknown", "Sent, outcome unknown"  # no answer said what came of it

    class Action(models.TextChoices):
        KEY_ADDED = "key.added", "API key added"
        KEY_REMOVED = "key.removed", "API key removed"
        KEY_ACTIVATED = "key.activated", "API key made active"
        TEAM_ADDED = "team.added", "Team saved"
        TEAM_RENAMED = "team.renamed", "Team renamed"
        TEAM_REMOVED = "team.removed", "Team removed"
        TEAM_SWITCHED = "team.switched", "Active team switched"
        FILE_UPLOADED = "file.uploaded", "File uploaded"
        RESOURCE_CREATED = "resource.created", "Resource created"
        RESOURCE_EDITED = "resource.edited", "Resource edited"
        RESOURCE_DELETED = "resource.deleted", "Resource deleted"
        RESOURCE_ACTION = "resource.action", "Resource action"
        THREAD_CREATED = "thread.created", "Thread created"
        THREAD_DELETED = "thread.deleted", "Thread deleted"
        MESSAGE_POSTED = "message.posted", "Message posted"
        MESSAGE_DELETED = "message.deleted", "Message deleted"
        RUN_STARTED = "run.started", "Agent run started"
        RUN_CANCELLED = "run.cancelled", "Agent run cancelled"
        CREATOR_NAMED = "creator.named", "Creator named"
        JOB_STARTED = "job.started", "Background job started"
        JOB_CANCELLED = "job.cancelled", "Background job cancelled"
        JOB_RETRIED = "job.retried", "Background job retried"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    team_id = models.CharField(max_length=64, blank=True, help_text="Empty: personal workspace")
    team_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=40, choices=Action.choices)
    kind = models.CharField(max_length=40, blank=True)
    resource_id = models.CharField(max_length=128, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    detail = models.CharField(max_length=500, blank=True)
    # What a deleted resource last was (its JSON as the upstream gave it), kept with its entry.
    snapshot = models.JSONField(null=True, blank=True)
    # What an operation started upstream and the dashboard follows (a job's id on its app).
    started_id = models.CharField(max_length=128, blank=True)

    objects = ActionLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("The action log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The action log is append-only.")
