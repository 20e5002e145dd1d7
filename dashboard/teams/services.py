"""Saved teams: checked with the upstream before they are saved, renamed, removed; the team last
worked in; and teams the key can see that are not saved yet."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import IntegrityError, transaction

from dashboard.audit.services import Action, Outcome, record_action
from dashboard.teams.models import LastTeam, SavedTeam
from dashboard.teams.workspace import Team, Workspace
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.errors import ForbiddenError

SEEN_KEY = "seen_team_ids"
VISIBLE_SECONDS = 300  # how long an unsaved team's membership check is trusted


class TeamError(Exception):
    """A team operation refused, with a message for the person."""


def normalise_team_id(raw: str) -> str:
    """A canonical lower-case UUID string, or TeamError."""
    try:
        return str(uuid.UUID(str(raw).strip()))
    except (ValueError, AttributeError) as exc:
        raise TeamError("A team ID looks like 124cb1bb-d8d3-4e9b-9c96-2039fba43e78.") from exc


def default_label(team_id: str) -> str:
    return f"Team {team_id[:8]}"


def add_team(*, user, client: UpstreamClient, team_id: str, label: str) -> SavedTeam:
    """Check the team with a cheap scoped call, then save it. Raises TeamError or UpstreamError."""
    team_id = normalise_team_id(team_id)
    label = label.strip() or default_label(team_id)
    if SavedTeam.objects.filter(user=user, team_id=team_id).exists():
        raise TeamError("This team is already saved.")
    try:
        client.for_team(team_id).resources.probe_team()
    except ForbiddenError as exc:
        record_action(
            user,
            Action.TEAM_ADDED,
            kind="team",
            resource_id=team_id,
            outcome=Outcome.REFUSED,
            detail="upstream answered 403",
        )
        raise TeamError(
            "You are not a member of this team, or the ID is wrong (the upstream answered "
            "403). Copy the ID from the Teams Settings page of SeekrFlow."
        ) from exc
    try:
        with transaction.atomic():
            saved = SavedTeam.objects.create(user=user, team_id=team_id, label=label[:100])
    except IntegrityError as exc:
        raise TeamError("This team is already saved.") from exc
    _record_team(user, Action.TEAM_ADDED, saved)
    return saved


def rename_team(*, user, saved: SavedTeam, label: str) -> str:
    """Give a saved team a new label; the old one comes back."""
    old, saved.label = saved.label, label
    saved.save(update_fields=["label"])
    _record_team(user, Action.TEAM_RENAMED, saved, detail=f"from “{old}”")
    return old


def remove_team(*, user, saved: SavedTeam) -> None:
    """Forget a saved team (its pages then ask the upstream again whether the key sees it)."""
    saved.delete()
    _record_team(user, Action.TEAM_REMOVED, saved)


def _record_team(user, action: str, saved: SavedTeam, detail: str = "") -> None:
    team = Team(saved.team_id, saved.label)
    record_action(user, action, team=team, kind="team", resource_id=saved.team_id, detail=detail)


def remember_last_team(*, user, workspace: Workspace, team: Team) -> None:
    """Keep ``team`` as the one to open next time (a write only when it changed)."""
    if workspace.last_team_key == team.key:
        return
    LastTeam.objects.update_or_create(user=user, defaults={"team_key": team.key})
    workspace.last_team_key = team.key


def visible_unsaved_team(*, workspace: Workspace, key: str) -> Team | None:
    """A team the URL names that is not saved: checked upstream like the add-team form.

    A team the key can see comes back (to be shown with a way to save it); anything else,
    whether the team exists or not, is None. The answer is kept a few minutes per key.
    """
    try:
        team_id = normalise_team_id(key)
    except TeamError:
        return None
    if workspace.key is None:
        return None
    cache_key = f"team-visible:v1:{workspace.key.pk}:{team_id}"
    visible = cache.get(cache_key)
    if visible is None:
        try:
            workspace.client_in(Team(team_id, "")).resources.probe_team()
        except ForbiddenError:
            visible = False
        else:
            visible = True
        cache.set(cache_key, visible, VISIBLE_SECONDS)
    return Team(team_id, default_label(team_id), saved=False) if visible else None


def note_seen_teams(*, session, workspace: Workspace, team_ids) -> None:
    """Remember team ids seen in resources that are not saved, to offer saving them."""
    known = {team.id for team in workspace.teams[1:]} | {workspace.personal_team_id}
    fresh = {t for t in team_ids if t and t not in known}
    if fresh:
        seen = set(session.get(SEEN_KEY, []))
        if not fresh <= seen:
            session[SEEN_KEY] = sorted(seen | fresh)[:50]


def unsaved_seen_teams(*, session, workspace: Workspace) -> list[str]:
    known = {team.id for team in workspace.teams[1:]} | {workspace.personal_team_id}
    return [t for t in session.get(SEEN_KEY, []) if t not in known]
