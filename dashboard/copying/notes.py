"""The note on a copy's page saying where it came from (see ``resources.notes``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dashboard.copying.models import CopiedResource
from dashboard.copying.plan import SINGULAR
from dashboard.resources.notes import DetailNote
from dashboard.resources.presentation import linkable_id
from dashboard.teams.workspace import PERSONAL, Workspace
from dashboard.upstream.catalog import ResourceKind


def copied_from(workspace: Workspace, kind: ResourceKind, resource_id: str) -> DetailNote | None:
    origin = CopiedResource.objects.filter(
        team=workspace.team.key, kind=kind.slug, resource_id=resource_id
    ).first()
    if origin is None:
        return None
    what = f"{SINGULAR.get(kind.slug, kind.singular)} “{origin.source_name or origin.source_id}”"
    when = timezone.localtime(origin.created_at)
    text = (
        f"Copied on {when:%Y-%m-%d %H:%M} from {origin.source_team_label}'s {what} "
        f"({origin.source_id})."
    )
    # A link only where the viewer can open it: a team of theirs (someone else's personal
    # workspace is not the viewer's own).
    theirs = {team.key for team in workspace.teams}
    if origin.source_team == PERSONAL and origin.user_id != workspace.user.pk:
        theirs.discard(PERSONAL)
    if origin.source_team not in theirs or not linkable_id(origin.source_id):
        return DetailNote(text)
    url = reverse("resource-detail", args=[origin.source_team, kind.slug, origin.source_id])
    return DetailNote(text, url, "Open the original")
