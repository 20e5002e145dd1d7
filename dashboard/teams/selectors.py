"""Reading a user's workspace: their active key, saved teams and last team, in three queries."""

from __future__ import annotations

from dashboard.accounts.services import active_key
from dashboard.teams.models import LastTeam, SavedTeam
from dashboard.teams.workspace import PERSONAL, Workspace


def load_workspace(user) -> Workspace:
    last = LastTeam.objects.filter(user=user).values_list("team_key", flat=True).first()
    return Workspace(
        user=user,
        key=active_key(user),
        saved=list(SavedTeam.objects.filter(user=user)),
        last_team_key=last or PERSONAL,
    )
