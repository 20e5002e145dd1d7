"""Uploads under way, one row each, so a person's count is the same for every app server."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class UploadSlot(models.Model):
    """One upload a person has under way; ``number`` runs from 0 up to the cap (excluded).

    The unique (user, number) pair is what makes taking a slot safe when several requests of
    one person race for the last one, in any process. A slot is given back when its upload
    ends; ``expires_at`` frees it anyway if its process died first.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "number"], name="one_upload_per_slot"),
        ]

    def __str__(self) -> str:
        return f"upload slot {self.number} of user {self.user_id}"
