from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from dashboard.teams import services
from dashboard.teams.forms import AddTeamForm, RenameTeamForm
from dashboard.teams.models import SavedTeam
from dashboard.upstream.binding import client_for
from dashboard.upstream.errors import UpstreamError


def _safe_next(request, fallback: str) -> str:
    """A local path to go back to, or the fallback page (never another site)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    local = target.startswith("/") and not target.startswith(("//", "/\\"))
    if local and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(fallback)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def teams(request):
    form = AddTeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.add_team(
                request.user,
                client_for(request),
                form.cleaned_data["team_id"],
                form.cleaned_data["label"],
            )
        except services.TeamError as exc:
            form.add_error("team_id", str(exc))
        except UpstreamError as exc:
            form.add_error(None, f"The team could not be checked: {exc.message}")
        else:
            messages.success(request, f"Team “{team.label}” saved. Switch to it in the header.")
            return redirect("teams")
    context = {
        "form": form,
        "teams": SavedTeam.objects.filter(user=request.user),
        "suggestions": services.unsaved_seen_teams(request),
    }
    return render(request, "teams/teams.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def rename(request, pk: int):
    team = get_object_or_404(SavedTeam, user=request.user, pk=pk)
    form = RenameTeamForm(request.POST)
    if form.is_valid():
        old = services.rename_team(request.user, team, form.cleaned_data["label"])
        messages.success(request, f"Renamed “{old}” to “{team.label}”.")
    else:
        messages.error(request, "Give the team a name of at most 100 characters.")
    return redirect("teams")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def remove(request, pk: int):
    team = get_object_or_404(SavedTeam, user=request.user, pk=pk)
    if request.method == "POST":
        services.remove_team(request, team)
        messages.success(request, f"Team “{team.label}” removed from your saved teams.")
        return redirect("teams")
    return render(request, "teams/team_remove.html", {"team": team})


@login_required
@require_POST
def switch(request):
    try:
        team = services.switch(request, request.POST.get("team_id"))
    except services.TeamError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, f"Active team: {team}.")
    return redirect(_safe_next(request, "overview"))
