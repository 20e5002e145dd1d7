from django.db import models


class CreatorName(models.Model):
    """A display name staff give to an upstream creator id, seen by everyone."""

    creator_id = models.CharField(max_length=64, unique=True)
    display_name = models.CharField(max_length=100)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]
        db_table = "audit_creatorname"  # where it has always been kept

    def __str__(self) -> str:
        return f"{self.display_name} ({self.creator_id})"
