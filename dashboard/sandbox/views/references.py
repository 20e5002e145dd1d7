"""What a request body names: the team's own resources, or models the team may use.

Each reader notes a ``value_error`` at the field (and, in a list, the index) naming something
that does not exist or is another team's, so the client learns which reference is wrong; the
same message either way, as a 404 would say.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dashboard.sandbox import model_catalog, progress
from dashboard.sandbox.models import SandboxDeployment, SandboxFineTune, SandboxTeam
from dashboard.sandbox.validation import Fields


def one(fields: Fields, name: str, value: Any, queryset: QuerySet, label: str, *more) -> Any:
    """The object ``value`` names in ``queryset`` (``None``, noted, when there is none)."""
    if value is None:
        return None
    found = queryset.filter(pk=value).first()
    if found is None:
        fields.invalid(name, f"{label} {value} not found.", value, *more)
    return found


def each(fields: Fields, name: str, ids: list | None, queryset: QuerySet, label: str) -> list:
    """The objects a list of ids names, in its order and without repeats; each missing one is
    noted at its index."""
    if not ids:
        return []
    found = {obj.pk: obj for obj in queryset.filter(pk__in=ids)}
    for index, ref in enumerate(ids):
        if ref not in found:
            fields.invalid(name, f"{label} {ref} not found.", ref, index)
    return [found[ref] for ref in dict.fromkeys(ids) if ref in found]


def completed_fine_tune(team: SandboxTeam, fine_tune_id: str) -> SandboxFineTune | None:
    job = SandboxFineTune.objects.filter(team=team, pk=fine_tune_id).first()
    return job if job is not None and progress.fine_tune(job).status == "completed" else None


def chat_model(fields: Fields, name: str, team: SandboxTeam, value: str | None) -> str | None:
    """A model an agent may answer with: a chat model of the catalog, one of the team's
    deployments, or one of its completed fine-tunes."""
    if value is None:
        return None
    if (
        model_catalog.chat_model(value) is not None
        or SandboxDeployment.objects.filter(team=team, pk=value).exists()
        or completed_fine_tune(team, value) is not None
    ):
        return value
    fields.invalid(
        name,
        f"Model {value} is not available: name a chat model, a deployment or a completed "
        "fine-tune of this team.",
        value,
    )
    return None
