"""Puts the active team on every dashboard request (``request.team``).

The team lives in the session and is validated against the user's saved teams on each
request; a removed team falls back to the personal workspace. ``?team=<id>`` or
``?team=personal`` on any page switches first, after the same check as the switcher.
"""

from __future__ import annotations

from django.contrib import messages

from dashboard.teams import services
from dashboard.teams.active import personal

SKIP_PREFIXES = ("/sandbox/", "/static/", "/admin/jsi18n/")


class ActiveTeamMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.team = personal()
        request.saved_teams = []
        request.personal_team_id = ""
        if request.path.startswith(SKIP_PREFIXES) or not request.user.is_authenticated:
            return self.get_response(request)

        user = request.user
        request.saved_teams = services.saved_teams(user)
        key = user.api_keys.filter(is_active=True).first()  # loaded once, used by the request
        request.active_api_key = key
        request.personal_team_id = key.personal_team_id if key else ""

        stored = request.session.get(services.SESSION_KEY)
        team = services.resolve(request, stored)
        if team is None:
            team = personal(request.personal_team_id)
            request.session[services.SESSION_KEY] = None
            messages.warning(
                request,
                "Your active team is no longer among your saved teams, so the personal "
                "workspace is active again.",
            )
        request.team = team

        wanted = request.GET.get("team")
        if wanted is not None and request.method == "GET":
            try:
                services.switch(request, wanted)
            except services.TeamError as exc:
                messages.error(request, str(exc))
        return self.get_response(request)
