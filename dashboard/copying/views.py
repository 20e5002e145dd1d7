""" "Copy to team…": pick one of your other teams, see the plan (everything that will be created
there, in order, each dependency copied or mapped to something the team already has), then
start it as a background job and follow it on its page."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from dashboard.copying import copy_job, selectors
from dashboard.resources.presentation import display_name
from dashboard.resources.views import not_found_response, team_kind_or_404
from dashboard.upstream.errors import NotFoundError

MAP_PREFIX = "map:"


def fingerprint(plan) -> str:
    """What the plan does, in short: a start is taken only for the plan that was shown."""
    steps = "|".join(f"{node.key}>{node.action}>{node.mapped_to}" for node in plan.nodes)
    return hashlib.sha256(steps.encode()).hexdigest()[:16]


def _mapping(data) -> dict[str, str] | None:
    """The mapping the plan form sends (``map:<node key>`` → a target id, empty: copy it); None
    before the plan was first shown."""
    if "planned" not in data:
        return None
    return {
        key.removeprefix(MAP_PREFIX): value
        for key, value in data.items()
        if key.startswith(MAP_PREFIX) and value
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def copy_resource(request, kind: str, resource_id: str):
    resource_kind = team_kind_or_404(kind)
    workspace = request.workspace
    source_team = workspace.team
    data = request.POST if request.method == "POST" else request.GET
    others = [team for team in workspace.teams if team.key != source_team.key]
    context = {
        "kind": resource_kind,
        "resource_id": resource_id,
        "others": others,
        "page_title": f"Copy this {resource_kind.singular} to another team",
    }
    wanted = (data.get("to") or "").strip()
    target = workspace.find(wanted) if wanted else None
    if wanted and (target is None or target.key == source_team.key):
        context["problem"] = (
            "That is not another of your saved teams. Pick one below, or save the team on the "
            "Teams page first."
        )
        return render(request, "copying/choose_team.html", context, status=400)
    if target is None:
        return render(request, "copying/choose_team.html", context)
    try:
        options = selectors.copy_options(
            source=workspace.client,
            target=workspace.client_in(target),
            kind=resource_kind.slug,
            resource_id=resource_id,
            mapping=_mapping(data),
        )
    except NotFoundError:
        return not_found_response(request, resource_kind, resource_id)
    problem, status = "", 200
    starting = request.method == "POST" and "start" in data and bool(options.plan.nodes)
    if starting and data.get("plan") != fingerprint(options.plan):
        starting, status = False, 409
        problem = (
            "The plan changed since it was shown (in the team, or in what you picked): check "
            "it again, then start."
        )
    if starting:
        job = copy_job.start_copy(
            user=request.user,
            api_key=workspace.key,
            source_team=source_team,
            target_team=target,
            plan=options.plan,
        )
        messages.success(request, f"Copying into {target.label} has started.")
        return redirect("job-detail", job.pk)
    context.update(
        target=target,
        options=options,
        plan=options.plan,
        rows=[(node, options.choices.get(node.key)) for node in options.plan.nodes],
        fingerprint=fingerprint(options.plan),
        problem=problem,
        name=options.plan.name or display_name(resource_kind, {}),
        page_title=f"Copy “{options.plan.name}” to {target.label}",
    )
    return render(request, "copying/plan.html", context, status=status)
