"""The audit's collected data, cached briefly per user, API key and team.

Filtering, sorting, paging and exporting all work on the same snapshot, so changing a filter
does not ask the upstream again. Entries are keyed by the dashboard user's id, the id of their
active key row and the team id: never by anything secret. "Refresh" forgets them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from dashboard.accounts.models import ApiKey
from dashboard.accounts.services import remember_identity
from dashboard.audit.collect import AuditRow, AuditTeam, TeamAudit, collect, personal_team
from dashboard.audit.people import CreatorDirectory
from dashboard.upstream.binding import client_for
from dashboard.upstream.errors import NoApiKeyError

CACHE_SECONDS = getattr(settings, "AUDIT_CACHE_SECONDS", 60)


def audit_teams(request: HttpRequest) -> list[AuditTeam]:
    """The personal workspace first, then every saved team."""
    teams = [personal_team(getattr(request, "personal_team_id", ""))]
    teams.extend(AuditTeam(t.team_id, t.label) for t in request.saved_teams)
    return teams


def team_by_key(request: HttpRequest, key: str) -> AuditTeam | None:
    return next((t for t in audit_teams(request) if t.key == key), None)


def _active_key(request: HttpRequest) -> ApiKey:
    key = ApiKey.objects.filter(user=request.user, is_active=True).first()
    if key is None:
        raise NoApiKeyError()
    return key


def _cache_key(request: HttpRequest, key_row: ApiKey, team: AuditTeam) -> str:
    return f"audit:v1:{request.user.pk}:{key_row.pk}:{team.key}"


def _labelled(audit: TeamAudit, team: AuditTeam) -> TeamAudit:
    """A cached audit under the team's current label (it may have been renamed since)."""
    if audit.team.label != team.label:
        audit.team = AuditTeam(audit.team.id, team.label, audit.team.upstream_id)
    return audit


def _cached(request, key_row: ApiKey, teams: Sequence[AuditTeam]) -> dict[str, TeamAudit]:
    keys = {_cache_key(request, key_row, team): team for team in teams}
    found = cache.get_many(list(keys))
    return {keys[k].key: _labelled(audit, keys[k]) for k, audit in found.items()}


def cached(request: HttpRequest, teams: Sequence[AuditTeam]) -> dict[str, TeamAudit]:
    """The audits already collected for these teams (missing teams are left out)."""
    return _cached(request, _active_key(request), teams)


def gather(request: HttpRequest, teams: Sequence[AuditTeam]) -> dict[str, TeamAudit]:
    """Every team's audit, in the order given: cached ones reused, the rest read at once."""
    key_row = _active_key(request)
    found = _cached(request, key_row, teams)
    missing = [team for team in teams if team.key not in found]
    if missing:
        collection = collect(client_for(request), missing)
        if collection.learnt_identity:  # in the request thread: the workers never use the ORM
            remember_identity(request.user, **collection.learnt_identity)
        cache.set_many(
            {_cache_key(request, key_row, a.team): a for a in collection.teams.values()},
            CACHE_SECONDS,
        )
        found.update(collection.teams)
    return {team.key: found[team.key] for team in teams}


def forget(request: HttpRequest) -> None:
    """Drop the cached audits of every team, so the next look asks the upstream again."""
    key_row = ApiKey.objects.filter(user=request.user, is_active=True).first()
    if key_row is not None:
        cache.delete_many([_cache_key(request, key_row, t) for t in audit_teams(request)])


def creator_directory(request: HttpRequest) -> CreatorDirectory:
    """Creator names for this request, with "you" as learnt so far (maybe moments ago)."""
    me = (
        ApiKey.objects.filter(user=request.user, is_active=True)
        .values_list("upstream_user_id", flat=True)
        .first()
    )
    return CreatorDirectory(me or "")


def all_rows(audits: dict[str, TeamAudit]) -> list[AuditRow]:
    return [row for audit in audits.values() for row in audit.rows]
