"""Acting on many rows of a list at once: export them, or delete them after seeing what depends
on each, as a background job. The rows are those ticked, or every row the list's search and
filters match ("all N matching")."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dashboard.accounts.services import client_for_key
from dashboard.audit.services import Action, recording
from dashboard.copying.impact import impact_of
from dashboard.copying.views import copy_page
from dashboard.jobs import services as jobs
from dashboard.jobs.runner import JobError, JobRun
from dashboard.resources import selectors
from dashboard.resources.listing import ListQuery
from dashboard.resources.presentation import display_name, linkable_id, list_url
from dashboard.resources.views import team_kind_or_404
from dashboard.teams.workspace import PERSONAL, Team
from dashboard.upstream import catalog
from dashboard.upstream.errors import NotFoundError

MAX_SELECTED = 1000
DELETE_KIND = "bulk-delete"
DELETE_LABEL = "Delete many"


def counted(number: int, kind) -> str:
    return f"{number} {kind.singular if number == 1 else kind.label.lower()}"


def selected_items(request, kind) -> tuple[list[dict], str]:
    """The rows a bulk form names, as the upstream has them now; and what to say of the rest."""
    workspace = request.workspace
    if request.POST.get("all") == "1":
        query = ListQuery.from_params(kind, QueryDict(request.POST.get("query", "")))
        items = selectors.matching_items(
            workspace.client, kind, query.but(page=1), workspace.my_upstream_id
        )
        return items[:MAX_SELECTED], ""
    ids = list(dict.fromkeys(i for i in request.POST.getlist("id") if linkable_id(i)))
    if not ids:
        return [], ""
    listed = {kind.item_id(item): item for item in workspace.client.resources.list_all(kind)}
    items = [listed[i] for i in ids[:MAX_SELECTED] if i in listed]
    gone = len(ids[:MAX_SELECTED]) - len(items)
    note = f"{gone} of the rows ticked are no longer there." if gone else ""
    return items, note


@login_required
@require_POST
def bulk_action(request, kind: str):
    resource_kind = team_kind_or_404(kind)
    workspace = request.workspace
    query = QueryDict(request.POST.get("query", "")).urlencode()
    back = list_url(workspace.team, resource_kind) + (f"?{query}" if query else "")
    items, note = selected_items(request, resource_kind)
    if not items:
        messages.error(request, f"No {resource_kind.label.lower()} were selected. {note}".strip())
        return redirect(back)
    action = request.POST.get("do")
    if action == "export":
        return _export(resource_kind, workspace.team, items)
    if action == "copy":
        ids = [resource_kind.item_id(item) for item in items]
        if note:
            messages.warning(request, note)
        return copy_page(
            request,
            kind=resource_kind,
            wanted=[(resource_kind.slug, i) for i in ids],
            hidden=[("do", "copy"), *(("id", i) for i in ids)],
            names={
                f"{resource_kind.slug}:{resource_kind.item_id(item)}": display_name(
                    resource_kind, item
                )
                for item in items
            },
        )
    if action not in ("delete", "confirm-delete"):
        messages.error(request, "That is not something this list can do.")
        return redirect(back)
    if not resource_kind.deletable:
        messages.error(request, f"{resource_kind.label} cannot be deleted from the dashboard.")
        return redirect(back)
    if action == "confirm-delete":
        job = start_delete(
            user=request.user,
            api_key=workspace.key,
            team=workspace.team,
            targets=[
                (resource_kind, resource_kind.item_id(i), display_name(resource_kind, i))
                for i in items
            ],
        )
        messages.success(request, f"Deleting {counted(len(items), resource_kind)} has started.")
        return redirect("job-detail", job.pk)
    impact = impact_of(
        workspace.client, resource_kind.slug, [resource_kind.item_id(i) for i in items]
    )
    rows = [
        (
            resource_kind.item_id(item),
            display_name(resource_kind, item),
            impact.uses.get(resource_kind.item_id(item), []),
        )
        for item in items
    ]
    context = {
        "kind": resource_kind,
        "rows": rows,
        "impact": impact,
        "note": note,
        "back": back,
        "depended_on": sum(1 for _, _, uses in rows if uses),
        "page_title": f"Delete {counted(len(rows), resource_kind)}?",
    }
    return render(request, "copying/bulk_delete.html", context)


def _export(kind, team: Team, items: list[dict]) -> HttpResponse:
    response = HttpResponse(
        json.dumps(items, indent=2, ensure_ascii=False), content_type="application/json"
    )
    filename = f"{kind.slug}-{team.key}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# What goes first when several kinds are deleted together: what uses comes before what is used.
DELETE_ORDER = (
    "agents",
    "tools",
    "python-functions",
    "data-jobs",
    "vector-dbs",
    "deployments",
    "fine-tunes",
    "projects",
    "files",
)


def start_delete(*, user, api_key, team: Team, targets: list[tuple], title: str = ""):
    """Delete ``targets`` (kind, id, name) in ``team`` as a background job, what uses before
    what is used."""

    def order(target) -> int:
        slug = target[0].slug
        return DELETE_ORDER.index(slug) if slug in DELETE_ORDER else len(DELETE_ORDER)

    targets = sorted(targets, key=order)
    steps = [
        jobs.StepPlan(
            label=f"Delete the {kind.singular} “{name}”",
            kind=kind.slug,
            source_id=resource_id,
            action="delete",
        )
        for kind, resource_id, name in targets
    ]
    kinds = {kind.slug: kind for kind, _, _ in targets}
    what = (
        counted(len(targets), *kinds.values()) if len(kinds) == 1 else f"{len(targets)} resources"
    )
    return jobs.start_job(
        user=user,
        kind=DELETE_KIND,
        title=title or f"Delete {what} in {team.label}",
        api_key=api_key,
        source_team=team,
        target_team=None,
        params={},
        steps=steps,
    )


def run_delete(run: JobRun) -> None:
    """Each item read once more (its last JSON goes into the action log), then deleted."""
    job = run.job
    if job.api_key is None:
        raise JobError("The API key this job acted with has been removed, so it cannot go on.")
    team = Team(None if job.source_team == PERSONAL else job.source_team, job.source_team_label)
    client = client_for_key(job.api_key, team.id)
    for step in run.pending():
        run.check()
        kind = catalog.get(step.kind or run.params.get("kind", ""))
        with run.step(step.position, stop_on_failure=False) as current:
            try:
                item = client.resources.retrieve(kind, step.source_id)
            except NotFoundError:
                current.skip("Already gone: nothing to delete.")
                continue
            status = kind.item_status(item)
            if not kind.may_delete(status):
                current.skip(  # the upstream would refuse it: nothing is sent
                    f"Not deleted: it is {status.lower() or 'in no known state'}. "
                    f"{kind.delete_hint}".strip()
                )
                continue
            with recording(
                job.user,
                Action.RESOURCE_DELETED,
                team=team,
                kind=kind.slug,
                resource_id=step.source_id,
                detail=f"Deleted with {len(run.steps) - 1} others: “{display_name(kind, item)}”",
                snapshot=item,
            ):
                client.resources.delete(kind, step.source_id)
