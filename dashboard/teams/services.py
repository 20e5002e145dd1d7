"""Saved teams: checked with the upstream before they are saved, renamed, removed; the team last
worked in; and teams the key can see that are not saved yet."""

from __future__ import annotations

import uuid
from collections import Counter
from functools import partial

from django.core.cache import cache
from django.db import IntegrityError, transaction

from dashboard.audit.services import Action, Outcome, record_action
from dashboard.teams.models import LastTeam, SavedTeam
from dashboard.teams.workspace import Team, Workspace
from dashboard.upstream import catalog
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.errors import ForbiddenError
from dashboard.upstream.fanout import fan_out
from dashboard.upstream.profiles import active_profile

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
            f"403). Copy the ID from the team's settings page on {active_profile().label}."
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


def look_for_teams(*, session, workspace: Workspace) -> None:
    """Read what the active key sees without a team (its personal workspace: one page of each
    kind, all at once) and remember the team ids its resources carry that are not saved.

    The upstream has no list of a user's teams; ``team_id`` on resources is the only place
    ids show up. Without a team header only the personal workspace is read, so this finds a
    team only where a resource there names one; a kind that fails is simply not looked at.
    """
    kinds = [kind for kind in catalog.team_kinds() if kind.team_field]
    client = workspace.client
    outcomes = fan_out(
        {kind.slug: partial(client.resources.list_page, kind, limit=50) for kind in kinds}
    )
    found = Counter(
        kind.item_team(item)
        for kind in kinds
        if outcomes[kind.slug].ok
        for item in outcomes[kind.slug].value.items
        if kind.item_team(item)
    )
    # The personal team's id, when the key has not told it yet: the one most items carry.
    personal_id = workspace.personal_team_id or next(iter(found.most_common(1)), ("",))[0]
    note_seen_teams(session=session, workspace=workspace, team_ids=set(found) - {personal_id})


def unsaved_seen_teams(*, session, workspace: Workspace) -> list[str]:
    known = {team.id for team in workspace.teams[1:]} | {workspace.personal_team_id}
    return [t for t in session.get(SEEN_KEY, []) if t not in known]
