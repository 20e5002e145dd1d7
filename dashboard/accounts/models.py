from django.conf import settings
from django.db import models


class ApiKey(models.Model):
    """A user's upstream API key, stored only as ciphertext.

    ``last4`` is kept apart for display; the key itself is never rendered after saving.
    ``upstream_user_id`` and ``personal_team_id`` are learnt from the upstream (resources the
    user created, or their personal workspace) so pages can say "you" and name the workspace.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    label = models.CharField(max_length=100)
    ciphertext = models.TextField()
    last4 = models.CharField(max_length=4)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    upstream_user_id = models.CharField(max_length=64, blank=True)
    personal_team_id = models.CharField(max_length=64, blank=True)
    # SHA-256 of the key: tells the same key saved twice apart without keeping it in clear (an
    # API key is long and random, so its hash gives nothing away).
    fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-is_active", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_active=True), name="one_active_key_per_user"
            ),
            models.UniqueConstraint(fields=["user", "label"], name="unique_key_label_per_user"),
            models.UniqueConstraint(
                fields=["user", "fingerprint"],
                condition=~models.Q(fingerprint=""),
                name="unique_key_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} (…{self.last4})"

    @property
    def masked(self) -> str:
        return f"••••••••{self.last4}"
