from dashboard.upstream import catalog


def navigation(request):
    return {"nav_kinds": catalog.team_kinds()}
