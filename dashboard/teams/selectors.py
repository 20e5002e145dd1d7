"""Reading a user's workspace: their active key, saved teams and last team, in three queries.

Every page reads it, so the SQL of these queries is the ORM's built once per process: building
it anew for each request costs several times what running it does.
"""

from __future__ import annotations

from functools import cache

from dashboard.accounts.services import active_key
from dashboard.prepared import Prepared, prepared
from dashboard.teams.models import LastTeam, SavedTeam
from dashboard.teams.workspace import PERSONAL, Workspace


def load_workspace(user) -> Workspace:
    last = last_team_query().rows(user=user.pk)
    return Workspace(
        user=user,
        key=active_key(user),
        saved=saved_teams_query().all(user=user.pk),
        last_team_key=(last[0][0] if last else None) or PERSONAL,
    )


@cache
def saved_teams_query() -> Prepared:
    """``SavedTeam.objects.filter(user=…)``, in the model's order."""
    return prepared(SavedTeam.objects.filter(user_id=-1), user=-1)


@cache
def last_team_query() -> Prepared:
    """``LastTeam.objects.filter(user=…).values_list("team_key").first()``."""
    query = LastTeam.objects.filter(user_id=-1).order_by("pk").values_list("team_key")[:1]
    return prepared(query, user=-1)
