from dashboard.upstream import catalog, profiles


def navigation(request):
    return {"nav_kinds": catalog.team_kinds(), "upstream": profiles.active_profile()}
