"""The note on a copy's page saying where it came from (see ``resources.notes``)."""

from __future__ import annotations

from django.urls import reverse

from dashboard.copying.models import CopiedResource
from dashboard.copying.plan import SINGULAR
from dashboard.resources.notes import DetailNote
from dashboard.resources.presentation import linkable_id
from dashboard.teams.workspace import Team
from dashboard.upstream.catalog import ResourceKind


def copied_from(team: Team, kind: ResourceKind, resource_id: str) -> DetailNote | None:
    origin = CopiedResource.objects.filter(
        team=team.key, kind=kind.slug, resource_id=resource_id
    ).first()
    if origin is None:
        return None
    what = f"{SINGULAR.get(kind.slug, kind.singular)} “{origin.source_name or origin.source_id}”"
    text = (
        f"Copied on {origin.created_at:%Y-%m-%d %H:%M} from {origin.source_team_label}'s {what} "
        f"({origin.source_id})."
    )
    if not linkable_id(origin.source_id):
        return DetailNote(text)
    url = reverse("resource-detail", args=[origin.source_team, kind.slug, origin.source_id])
    return DetailNote(text, url, "Open the original")
