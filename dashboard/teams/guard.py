"""The guard on mutating forms: refuse an action rendered for another team than the active one."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string

from dashboard.audit.services import Outcome, record_action
from dashboard.teams.services import guard_mismatch


def team_guarded(action: str | None = None, kind: str = ""):
    """Decorate a view whose POST acts in the active team.

    On a mismatch nothing is sent upstream: the person gets a message naming both teams (a
    page redirect, or a 409 fragment for htmx), and the refusal is logged when ``action``
    names what was attempted.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                problem = guard_mismatch(request)
                if problem:
                    if action:
                        record_action(
                            request.user,
                            action,
                            team=request.team,
                            kind=kwargs.get("kind", kind),
                            resource_id=str(kwargs.get("resource_id", "")),
                            outcome=Outcome.REFUSED,
                            detail="team changed in another tab",
                        )
                    if getattr(request, "htmx", False):
                        html = render_to_string(
                            "includes/_guard_refused.html", {"problem": problem}, request=request
                        )
                        return HttpResponse(html, status=409)
                    messages.error(request, problem)
                    return redirect(request.get_full_path())
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
