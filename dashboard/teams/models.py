from django.conf import settings
from django.db import models


class SavedTeam(models.Model):
    """A team a user has added (checked against the upstream) under a label of their choice.

    The upstream has no API listing a user's teams, so the dashboard keeps this list.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_teams"
    )
    team_id = models.CharField(max_length=64)
    label = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label", "team_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "team_id"], name="unique_saved_team_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.team_id})"


class LastTeam(models.Model):
    """The team a user last worked in, opened where a URL names none (``/``, after sign-in).

    Kept in the database, so a new sign-in, another browser or another app server opens it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="last_team"
    )
    team_key = models.CharField(max_length=64)  # a team id, or "personal"
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} → {self.team_key}"
