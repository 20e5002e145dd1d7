"""Hand-built stand-ins for the unit tier: a creator directory without its database query, a
workspace without a request, an API key without a row."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.people.directory import CreatorDirectory
from dashboard.teams.models import SavedTeam
from dashboard.teams.workspace import Team, Workspace


def directory(
    me: str = "", names: dict[str, str] | None = None, people: dict[str, str] | None = None
) -> CreatorDirectory:
    """A real ``CreatorDirectory`` whose people and display names are given, not read from the
    database."""
    return CreatorDirectory(me, people=dict(people or {}), names=dict(names or {}))


@dataclass
class Key:
    """What a workspace reads of its active ``ApiKey``."""

    personal_team_id: str = ""
    upstream_user_id: str = ""


def workspace(
    saved: dict[str, str] | None = None,
    *,
    personal_team_id: str = "",
    key: bool = True,
    team: Team | None = None,
) -> Workspace:
    """A workspace with the given saved teams (id -> label), unsaved model instances."""
    return Workspace(
        user=None,
        key=Key(personal_team_id=personal_team_id) if key else None,
        saved=[SavedTeam(team_id=tid, label=label) for tid, label in (saved or {}).items()],
        team=team,
    )
