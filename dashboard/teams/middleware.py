"""Resolves each request's workspace, and the team its URL names.

``request.workspace`` is set for every signed-in request. On a team's page (a URL with a
``team`` part, ``/t/<team>/…``) the team becomes ``request.workspace.team`` and is taken out of
the view's arguments: a view acts in the team of its own URL, so two tabs can act in two teams
and a form always lands in the team of the page it came from. A URL naming a team the user has
not saved is checked upstream: a team the key can see is shown with a way to save it, anything
else is the same 404 whether the team exists or not.
"""

from __future__ import annotations

from django.shortcuts import render

from dashboard.middleware import render_upstream_error
from dashboard.teams import selectors, services
from dashboard.upstream.errors import UpstreamError

SKIP_PREFIXES = ("/static/", "/admin/jsi18n/")  # the sandbox is answered before this runs
TEAM_ARGUMENT = "team"


class WorkspaceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workspace = None
        if request.user.is_authenticated and not request.path.startswith(SKIP_PREFIXES):
            request.workspace = selectors.load_workspace(request.user)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if TEAM_ARGUMENT not in view_kwargs or request.workspace is None:
            return None
        workspace = request.workspace
        key = view_kwargs.pop(TEAM_ARGUMENT)
        team = workspace.find(key)
        if team is None:
            try:
                team = services.visible_unsaved_team(workspace=workspace, key=key)
            except UpstreamError as exc:
                return render_upstream_error(request, exc)
        if team is None:
            context = {"team_key": key, "page_title": "Not a team you can see"}
            return render(request, "teams/not_visible.html", context, status=404)
        workspace.team = team
        if request.method == "GET" and team.saved and not request.htmx:
            services.remember_last_team(user=request.user, workspace=workspace, team=team)
        return None
