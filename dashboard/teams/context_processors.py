from dashboard.teams.workspace import PERSONAL


def workspace(request):
    """The request's workspace, and the team its pages show: the URL's, or on pages of no team
    the one last used (where the header's links lead)."""
    current = getattr(request, "workspace", None)
    return {
        "workspace": current,
        "active_team": current.page_team if current is not None else None,
        "PERSONAL_TEAM": PERSONAL,
    }
