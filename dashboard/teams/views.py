"""The Teams page (save, rename, remove), where ``/`` leads, and old links made new.

Team pages live under ``/t/<team>/``; the team a person last worked in opens where a URL names
none. Links from before (``/r/…``, ``/files/upload/``, ``?team=…``) keep working: they are
redirected to the page of the team they named, or of the last-used team.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.encoding import escape_uri_path
from django.views.decorators.http import require_http_methods, require_POST

from dashboard.teams import services
from dashboard.teams.forms import AddTeamForm, RenameTeamForm
from dashboard.teams.models import SavedTeam
from dashboard.upstream.errors import UpstreamError

OLD_TEAM_PARAM = "team"  # ?team=<id> once switched the active team on any page
OLD_GUARD_FIELD = "team_guard"  # forms rendered before named their team in this field…
OLD_GUARD_HEADER = "X-Team-Guard"  # … and the upload page's script in this header
FORM_BODY = "application/x-www-form-urlencoded"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def teams(request):
    workspace = request.workspace
    form = AddTeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.add_team(
                user=request.user,
                client=workspace.client,
                team_id=form.cleaned_data["team_id"],
                label=form.cleaned_data["label"],
            )
        except services.TeamError as exc:
            form.add_error("team_id", str(exc))
        except UpstreamError as exc:
            form.add_error(None, f"The team could not be checked: {exc.message}")
        else:
            messages.success(request, f"Team “{saved.label}” saved.")
            return redirect(_next_or(request, reverse("teams")))
    # Right after the first key is added: say what comes next, with the teams it can find.
    first_day = request.method != "POST" and "first" in request.GET and workspace.key is not None
    if first_day:
        services.look_for_teams(session=request.session, workspace=workspace)
    context = {
        "form": form,
        "teams": workspace.saved,
        "first_day": first_day,
        "suggestions": services.unsaved_seen_teams(session=request.session, workspace=workspace),
        "page_title": "Teams",
    }
    return render(request, "teams/teams.html", context, status=400 if form.errors else 200)


def _next_or(request, fallback: str) -> str:
    """A local page to go back to after saving a team from its own page, else ``fallback``."""
    target = request.POST.get("next", "")
    return target if target.startswith("/t/") and "//" not in target else fallback


@login_required
@require_POST
def rename(request, pk: int):
    saved = get_object_or_404(SavedTeam, user=request.user, pk=pk)
    form = RenameTeamForm(request.POST)
    if form.is_valid():
        old = services.rename_team(user=request.user, saved=saved, label=form.cleaned_data["label"])
        messages.success(request, f"Renamed “{old}” to “{saved.label}”.")
    else:
        messages.error(request, "Give the team a name of at most 100 characters.")
    return redirect("teams")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def remove(request, pk: int):
    saved = get_object_or_404(SavedTeam, user=request.user, pk=pk)
    if request.method == "POST":
        services.remove_team(user=request.user, saved=saved)
        messages.success(request, f"Team “{saved.label}” removed from your saved teams.")
        return redirect("teams")
    return render(request, "teams/team_remove.html", {"team": saved})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def old_team_page(request, **_):
    """A team page's address from before teams were in the path: the same page, in the team
    the link named (``?team=``, a form's team field, the upload script's header), else in the
    last-used team. A form posted to an old address is sent on with its body (307); a file
    sent with no team named is refused, so it never lands in another team."""
    query = request.GET.copy()
    # A form's fields were read by the CSRF check already; a raw body (a file) has none.
    named = (
        query.pop(OLD_TEAM_PARAM, [""])[-1]
        or request.headers.get(OLD_GUARD_HEADER, "")
        or request.POST.get(OLD_GUARD_FIELD, "")
    )
    if request.method == "POST" and not named and request.content_type != FORM_BODY:
        context = {
            "title": "This page is out of date",
            "message": (
                "It was opened before the dashboard was updated, so the team it was meant for "
                "cannot be told. Nothing was sent. Open the upload page again (its address now "
                "names its team) and send the files again."
            ),
            "testid": "stale-page",
        }
        return render(request, "errors/error.html", context, status=409)
    target = f"/t/{_team_key(request.workspace, named)}{escape_uri_path(request.path)}"
    if query:
        target = f"{target}?{urlencode(query, doseq=True)}"
    if request.method == "POST":
        return HttpResponseRedirect(target, status=307)
    return redirect(target)


def _team_key(workspace, named: str) -> str:
    """The key of the team an old link named (any team id: its page checks it), else the
    last-used team's."""
    team = workspace.find(named) if named else None
    if team is not None:
        return team.key
    try:
        return services.normalise_team_id(named)
    except services.TeamError:
        return workspace.default_team.key
