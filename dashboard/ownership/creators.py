"""Naming creators: staff give upstream creator ids display names that everyone then sees.

The page suggests the creator ids of the cached audit that have no name yet.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from dashboard.ownership import snapshots
from dashboard.people.forms import CreatorNameForm
from dashboard.people.models import CreatorName
from dashboard.people.services import name_creator
from dashboard.upstream.errors import UpstreamError


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def creators(request):
    """Staff give upstream creator ids display names that everyone then sees."""
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can name creators.")
    form = CreatorNameForm(
        request.POST or None, initial={"creator_id": request.GET.get("creator_id", "")}
    )
    if request.method == "POST" and form.is_valid():
        creator_id, name = form.cleaned_data["creator_id"], form.cleaned_data["display_name"]
        name_creator(user=request.user, creator_id=creator_id, display_name=name)
        if name:
            messages.success(request, f"Creator {creator_id} is now shown as “{name}”.")
        else:
            messages.success(request, f"Creator {creator_id} no longer has a given name.")
        return redirect("audit-creators")
    context = {"form": form, "names": CreatorName.objects.all(), "unnamed": _unnamed(request)}
    return render(request, "audit/creators.html", context, status=400 if form.errors else 200)


def _unnamed(request) -> list[str]:
    """Creator ids in the cached audit that have no display name yet (nothing is fetched)."""
    try:
        audits = snapshots.cached(workspace=request.workspace)
    except UpstreamError:
        return []
    named = set(CreatorName.objects.values_list("creator_id", flat=True))
    seen = {row.creator_id for row in snapshots.all_rows(audits) if row.creator_id}
    return sorted(seen - named)


