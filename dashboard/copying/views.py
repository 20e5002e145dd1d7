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
from dashboard.upstream.errors import NotFoundError, UpstreamError

MAP_PREFIX = "map:"


def fingerprint(plan, target) -> str:
    """What the plan does, and where, in short: a start is taken only for the plan shown."""
    steps = "|".join(
        [target.key, *plan.roots, *(f"{n.key}>{n.action}>{n.mapped_to}" for n in plan.nodes)]
    )
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
    return copy_page(
        request,
        kind=resource_kind,
        wanted=[(resource_kind.slug, resource_id)],
        resource_id=resource_id,
    )


def copy_page(
    request,
    *,
    kind,
    wanted: list[tuple[str, str]],
    resource_id: str = "",
    hidden=(),
    names: dict[str, str] | None = None,
):
    """The copy flow for what ``wanted`` names (kind, id) in the page's team: pick a team, see
    the plan, start it. One resource comes from its detail page (``resource_id``: the forms
    send themselves back there); many come from a list (``hidden``: the form fields that name
    them again, sent back to the list's bulk action)."""
    workspace = request.workspace
    source_team = workspace.team
    data = request.POST if request.method == "POST" else request.GET
    others = [team for team in workspace.teams if team.key != source_team.key]
    many = not resource_id
    context = {
        "kind": kind,
        "resource_id": resource_id,
        "count": len(wanted),
        "hidden": list(hidden),
        "others": others,
        "page_title": f"Copy {_what(kind, wanted)} to another team",
    }
    wanted_team = (data.get("to") or "").strip()
    target = workspace.find(wanted_team) if wanted_team else None
    if wanted_team and (target is None or target.key == source_team.key):
        context["problem"] = (
            "That is not another of your saved teams. Pick one below, or save the team on the "
            "Teams page first."
        )
        return render(request, "copying/choose_team.html", context, status=400)
    if target is None:
        if not many:  # a resource that is not there is said so at once, not after a choice
            try:
                item = workspace.client.resources.retrieve(kind, resource_id)
            except NotFoundError:
                return not_found_response(request, kind, resource_id)
            except UpstreamError:  # not known now: the plan, asked for next, will tell
                item = None
            if item is not None:
                name = display_name(kind, item)
                context["page_title"] = f"Copy the {kind.singular} “{name}” to another team"
        return render(request, "copying/choose_team.html", context)
    try:
        options = selectors.copy_options(
            source=workspace.client,
            target=workspace.client_in(target),
            wanted=wanted,
            mapping=_mapping(data),
            names=names,
            single=not many,
        )
    except NotFoundError:
        return not_found_response(request, kind, resource_id)
    problem, status = "", 200
    starting = request.method == "POST" and "start" in data and bool(options.plan.nodes)
    if starting and data.get("plan") != fingerprint(options.plan, target):
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
    name = options.plan.name if not many else _what(kind, wanted)
    context.update(
        target=target,
        options=options,
        plan=options.plan,
        rows=[(node, options.choices.get(node.key)) for node in options.plan.nodes],
        fingerprint=fingerprint(options.plan, target),
        problem=problem,
        name=name or display_name(kind, {}),
        page_title=f"Copy {name if many else f'“{name}”'} to {target.label}",
    )
    return render(request, "copying/plan.html", context, status=status)


def _what(kind, wanted: list[tuple[str, str]]) -> str:
    """The resources asked for, in words: "3 tools", "this agent"."""
    if len(wanted) == 1:
        return f"this {kind.singular}"
    return f"{len(wanted)} {kind.label.lower()}"
