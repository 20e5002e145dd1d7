"""The one way to record what was done through the dashboard."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from dashboard.audit.models import ActionLog, CreatorName

Action = ActionLog.Action
Outcome = ActionLog.Outcome


def record_action(
    user: AbstractBaseUser,
    action: str,
    *,
    team=None,
    kind: str = "",
    resource_id: str = "",
    outcome: str = Outcome.SUCCESS,
    detail: str = "",
) -> ActionLog:
    """Append one entry. ``team`` is an ActiveTeam-like object (``id``, ``label``) or None."""
    return ActionLog.objects.create(
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or "",
        team_id=(getattr(team, "id", None) or "") if team is not None else "",
        team_label=(getattr(team, "label", "") or "")[:100] if team is not None else "",
        action=action,
        kind=kind[:40],
        resource_id=str(resource_id)[:128],
        outcome=outcome,
        detail=detail[:500],
    )


def name_creator(user: AbstractBaseUser, creator_id: str, display_name: str) -> None:
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
