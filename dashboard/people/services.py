"""Naming upstream creators: display names staff give to creator ids, seen by everyone."""

from __future__ import annotations

from dashboard.audit.services import Action, record_action
from dashboard.people.models import CreatorName


def name_creator(*, user, creator_id: str, display_name: str) -> None:
    """Give an upstream creator id a display name everyone sees (empty: remove the name)."""
    if display_name:
        CreatorName.objects.update_or_create(
            creator_id=creator_id, defaults={"display_name": display_name}
        )
        detail = f"named “{display_name}”"
    else:
        removed, _ = CreatorName.objects.filter(creator_id=creator_id).delete()
        detail = "name removed" if removed else "had no name"
    record_action(user, Action.CREATOR_NAMED, kind="creator", resource_id=creator_id, detail=detail)
