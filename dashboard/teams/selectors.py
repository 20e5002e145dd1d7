"""Reading a user's workspace: their active key, saved teams and last team, in three queries.

Every page reads it, so the SQL of these queries is the ORM's built once per process: building
it anew for each request costs several times what running it does.
"""

from __future__ import annotations

from functools import cache

from django.db import connection

from dashboard.accounts.services import active_key
from dashboard.teams.models import LastTeam, SavedTeam
from dashboard.teams.workspace import PERSONAL, Workspace


def load_workspace(user) -> Workspace:
    with connection.cursor() as cursor:
        cursor.execute(last_team_sql(), [user.pk])
        last = cursor.fetchone()
    return Workspace(
        user=user,
        key=active_key(user),
        saved=list(SavedTeam.objects.raw(saved_teams_sql(), [user.pk])),
        last_team_key=(last[0] if last else None) or PERSONAL,
    )


@cache
def saved_teams_sql() -> str:
    """``SavedTeam.objects.filter(user=…)``, in the model's order."""
    return _by_user(SavedTeam.objects.filter(user_id=0))


@cache
def last_team_sql() -> str:
    """``LastTeam.objects.filter(user=…).values_list("team_key").first()``."""
    return _by_user(LastTeam.objects.filter(user_id=0).order_by("pk").values_list("team_key")[:1])


def _by_user(queryset) -> str:
    """The SQL of a query whose one parameter is a user's id."""
    sql, params = queryset.query.sql_with_params()
    assert params == (0,), params
    return sql
