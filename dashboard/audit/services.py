"""The one way to record what was done through the dashboard."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from dashboard.audit.models import ActionLog

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
