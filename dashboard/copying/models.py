from django.conf import settings
from django.db import models


class CopiedResource(models.Model):
    """Where a resource the dashboard created by copying came from: shown on its page."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.CharField(max_length=64)  # the copy's team key (an id, or "personal")
    kind = models.CharField(max_length=40)
    resource_id = models.CharField(max_length=128)
    source_team = models.CharField(max_length=64)
    source_team_label = models.CharField(max_length=100)
    source_id = models.CharField(max_length=128)
    source_name = models.CharField(max_length=300, blank=True)
    job_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["team", "kind", "resource_id"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.resource_id} (copy of {self.source_id})"
