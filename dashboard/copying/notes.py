"""The note on a copy's page saying where it came from (see ``resources.notes``)."""

from __future__ import annotations

from functools import cache

from django.urls import reverse
from django.utils import timezone

from dashboard.copying.models import CopiedResource
from dashboard.copying.plan import SINGULAR
from dashboard.prepared import Prepared, prepared
from dashboard.resources.notes import DetailNote
from dashboard.resources.presentation import linkable_id
from dashboard.teams.workspace import PERSONAL, Workspace
from dashboard.upstream.catalog import ResourceKind


def copied_from(workspace: Workspace, kind: ResourceKind, resource_id: str) -> DetailNote | None:
    origin = _origin(workspace.team.key, kind.slug, resource_id)
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


def _origin(team: str, kind: str, resource_id: str) -> CopiedResource | None:
    """``CopiedResource.objects.filter(team=…, kind=…, resource_id=…).first()``: every detail
    page asks it, so its SQL is the ORM's built once (``dashboard.prepared``)."""
    return _origin_query().first(team=team, kind=kind, resource_id=resource_id)


# Stand-ins the query is built with once; each page's own values take their places.
_TEAM, _KIND, _ID = "\x00team\x00", "\x00kind\x00", "\x00id\x00"


@cache
def _origin_query() -> Prepared:
    query = CopiedResource.objects.filter(team=_TEAM, kind=_KIND, resource_id=_ID)[:1]
    return prepared(query, team=_TEAM, kind=_KIND, resource_id=_ID)
