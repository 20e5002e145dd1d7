from dashboard.teams.active import PERSONAL
from dashboard.teams.services import GUARD_FIELD


def active_team(request):
    return {
        "active_team": getattr(request, "team", None),
        "saved_teams": getattr(request, "saved_teams", []),
        "PERSONAL_TEAM": PERSONAL,
        "TEAM_GUARD_FIELD": GUARD_FIELD,
    }
