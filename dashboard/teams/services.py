"""Saved teams, the active team in the session, and the guard on mutating forms."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from dashboard.audit.services import Action, Outcome, record_action
from dashboard.teams.active import PERSONAL, ActiveTeam, personal
from dashboard.teams.models import SavedTeam
from dashboard.upstream.client import UpstreamClient

SESSION_KEY = "active_team_id"
SEEN_KEY = "seen_team_ids"
GUARD_FIELD = "team_guard"
GUARD_HEADER = "X-Team-Guard"  # the same, for a request whose body is not a form (a raw file)


class TeamError(Exception):
    """A team operation refused, with a message for the person."""


def normalise_team_id(raw: str) -> str:
    """A canonical lower-case UUID string, or TeamError."""
    try:
        return str(uuid.UUID(str(raw).strip()))
    except (ValueError, AttributeError) as exc:
        raise TeamError("A team ID looks like 124cb1bb-d8d3-4e9b-9c96-2039fba43e78.") from exc


def saved_teams(user: AbstractBaseUser) -> list[SavedTeam]:
    return list(SavedTeam.objects.filter(user=user))


def resolve(request: HttpRequest, team_id: str | None) -> ActiveTeam | None:
    """The ActiveTeam for ``team_id`` if the user may use it (personal, or saved)."""
    personal_id = getattr(request, "personal_team_id", "")
    if not team_id or team_id == PERSONAL:
        return personal(personal_id)
    if personal_id and team_id == personal_id:
        return personal(personal_id)
    for team in request.saved_teams:
        if team.team_id == team_id:
            return ActiveTeam(team.team_id, team.label)
    return None


def switch(request: HttpRequest, team_id: str | None) -> ActiveTeam:
    """Make ``team_id`` (or the personal workspace) the session's active team."""
    target = resolve(request, (team_id or "").strip().lower() or None)
    if target is None:
        raise TeamError(
            "That team is not one of your saved teams. Add it on the Teams page first, "
            "so the dashboard can check that you are a member."
        )
    previous = request.team
    request.session[SESSION_KEY] = target.id
    request.team = target
    if previous.id != target.id:
        record_action(
            request.user,
            Action.TEAM_SWITCHED,
            team=target,
            kind="team",
            resource_id=target.id or "",
            detail=f"from {previous} to {target}",
        )
    return target


def guard_mismatch(request: HttpRequest) -> str | None:
    """If the form was rendered for another team than the active one, say so.

    Every mutating form carries the team it was rendered for; a different active team means
    the team was switched in another tab, and nothing may be sent.
    """
    sent = (request.POST.get(GUARD_FIELD) or request.headers.get(GUARD_HEADER) or "").strip()
    sent = sent.lower()
    current = request.team
    if sent == current.guard_value:
        return None
    shown = resolve(request, sent) if sent else None
    shown_text = str(shown) if shown else (f"team {sent}" if sent else "an unknown team")
    return (
        f"This form was shown for {shown_text}, but your active team is now {current} "
        "(it was changed in another tab). Nothing was sent. Check the team and try again."
    )


def add_team(user, client: UpstreamClient, raw_id: str, label: str) -> SavedTeam:
    """Check the team with a cheap scoped call, then save it. Raises TeamError or UpstreamError."""
    from dashboard.upstream.errors import ForbiddenError

    team_id = normalise_team_id(raw_id)
    label = label.strip() or f"Team {team_id[:8]}"
    if SavedTeam.objects.filter(user=user, team_id=team_id).exists():
        raise TeamError("This team is already saved.")
    try:
        client.for_team(team_id).probe_team()
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
            team = SavedTeam.objects.create(user=user, team_id=team_id, label=label[:100])
    except IntegrityError as exc:
        raise TeamError("This team is already saved.") from exc
    record_action(
        user,
        Action.TEAM_ADDED,
        team=ActiveTeam(team_id, team.label),
        kind="team",
        resource_id=team_id,
    )
    return team


def rename_team(user, team: SavedTeam, label: str) -> str:
    """Give a saved team a new label; the old one comes back."""
    old, team.label = team.label, label
    team.save(update_fields=["label"])
    record_action(
        user,
        Action.TEAM_RENAMED,
        team=ActiveTeam(team.team_id, team.label),
        kind="team",
        resource_id=team.team_id,
        detail=f"from “{old}”",
    )
    return old


def remove_team(request: HttpRequest, team: SavedTeam) -> None:
    """Forget a saved team; if it was the active one, the personal workspace becomes active."""
    if request.team.id == team.team_id:
        switch(request, None)
    team.delete()
    record_action(
        request.user,
        Action.TEAM_REMOVED,
        team=ActiveTeam(team.team_id, team.label),
        kind="team",
        resource_id=team.team_id,
    )


def note_seen_teams(request: HttpRequest, team_ids) -> None:
    """Remember team ids seen in resources that are not saved, to offer saving them."""
    known = {t.team_id for t in request.saved_teams}
    known.add(getattr(request, "personal_team_id", ""))
    fresh = {t for t in team_ids if t and t not in known}
    if fresh:
        seen = set(request.session.get(SEEN_KEY, []))
        if not fresh <= seen:
            request.session[SEEN_KEY] = sorted(seen | fresh)[:50]


def unsaved_seen_teams(request: HttpRequest) -> list[str]:
    known = {t.team_id for t in request.saved_teams}
    known.add(getattr(request, "personal_team_id", ""))
    return [t for t in request.session.get(SEEN_KEY, []) if t not in known]
