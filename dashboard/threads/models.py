"""What the dashboard keeps about a person's threads that the upstream cannot: a title they chose.

The upstream keeps a thread's ``meta_data`` only as it was given when the thread was created
(there is no call to change it), so a title typed later, or changed, is kept here, keyed by the
person and the thread's id.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

TITLE_MAX_LENGTH = 120


class ThreadTitle(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread_id = models.CharField(max_length=128)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread_id"], name="one_title_per_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.thread_id})"
