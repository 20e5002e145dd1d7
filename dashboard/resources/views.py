"""The overview and the generic list, detail, download, delete and action views over the catalog.

Views are thin: every page is a team's (``/t/<team>/…``, the team being
``request.workspace.team``); reads go through ``selectors``, changes through ``services``, and
``presentation`` turns what comes back into what a page shows. One view serves a page and its
htmx fragment.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_safe

from dashboard import text
from dashboard.people import identity
from dashboard.people.directory import CreatorDirectory
from dashboard.resources import follow, notes, presentation, selectors, services
from dashboard.resources.fields import detail_fields
from dashboard.resources.listing import ListQuery
from dashboard.resources.templatetags.resources import link_to
from dashboard.teams.services import note_seen_teams
from dashboard.upstream import catalog
from dashboard.upstream.catalog import ResourceKind
from dashboard.upstream.errors import NotFoundError
from dashboard.upstream.values import parse_timestamp


def team_kind_or_404(slug: str) -> ResourceKind:
    kind = catalog.get(slug)
    if kind is None or not kind.team_scoped:
        raise Http404(f"No resource kind {slug!r}")
    return kind


def wants_fragment(request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _learnt(request, batches) -> str:
    """Who the user is upstream, learnt from what the page read if it is their personal
    workspace, and remember teams seen in it that are not saved."""
    workspace = request.workspace
    note_seen_teams(
        session=request.session,
        workspace=workspace,
        team_ids={kind.item_team(item) for kind, items in batches for item in items},
    )
    if not workspace.team.is_personal:
        return workspace.my_upstream_id
    return identity.learn_from_personal(user=request.user, key=workspace.key, batches=batches)


# --- Overview -------------------------------------------------------------------------------
@login_required
@require_safe
def overview(request):
    kinds = [kind for kind in catalog.team_kinds() if kind.in_overview]
    panels = selectors.overview_panels(request.workspace.client, kinds)
    my_id = _learnt(request, [(p.kind, p.items) for p in panels])
    creators, teams = CreatorDirectory(my_id), presentation.TeamNames(request.workspace)
    cards = []
    for panel in panels:
        builder = presentation.RowBuilder(
            panel.kind, creators, teams, columns=presentation.summary_columns(panel.kind)
        )
        cards.append({"panel": panel, "rows": [builder.row(item) for item in panel.latest]})
    context = {
        "cards": cards,
        "mine_shown": any(row.is_mine for card in cards for row in card["rows"]),
        "page_title": "Overview",
    }
    return render(request, "resources/overview.html", context)


# --- Lists ----------------------------------------------------------------------------------
@login_required
@require_safe
def resource_list(request, kind: str):
    workspace = request.workspace
    resource_kind = team_kind_or_404(kind)
    query = ListQuery.from_params(resource_kind, request.GET)
    my_id = workspace.my_upstream_id
    # Without a known upstream identity "created by me" cannot be told apart; in the personal
    # workspace everything is the user's anyway, and who they are is learnt from this page.
    identity_unknown = query.mine and not my_id
    fetch_query = query.but(mine=False) if identity_unknown else query
    # A poll of a changing page, or a refresh asked for, reads the list afresh.
    fresh = wants_fragment(request) or request.GET.get("refresh") == "1"
    result = selectors.fetch_list(
        workspace.client, resource_kind, fetch_query, my_id, fresh=fresh
    )
    my_id = _learnt(request, [(resource_kind, result.items)])

    builder = presentation.RowBuilder(
        resource_kind,
        CreatorDirectory(my_id),
        presentation.TeamNames(workspace),
        columns=presentation.list_columns(resource_kind),
    )
    rows = [builder.row(item) for item in result.items]
    team = workspace.team
    context = {
        "kind": resource_kind,
        "query": query,
        "result": result,
        "rows": rows,
        "headers": presentation.headers_for(team, resource_kind, query),
        "pager": presentation.pager_for(team, resource_kind, query, result),
        "polling": any(not row.is_final for row in rows),
        "mine_shown": any(row.is_mine for row in rows),
        "poll_url": presentation.list_url(team, resource_kind, query.params()),
        "refresh_url": presentation.list_url(
            team, resource_kind, {**query.params(), "refresh": "1"}
        ),
        "identity_unknown": identity_unknown and not team.is_personal,
        "clear_url": presentation.list_url(
            team, resource_kind, query.params(search="", mine=False, page=1, filters=())
        ),
        "filters": [(f, query.chosen(f.param)) for f in resource_kind.filters],
        "page_title": resource_kind.label,
    }
    template = "resources/list.html#table" if wants_fragment(request) else "resources/list.html"
    return render(request, template, context)


# --- Details --------------------------------------------------------------------------------
def not_found_response(request, kind: ResourceKind, resource_id: str) -> HttpResponse:
    context = {
        "kind": kind,
        "resource_id": resource_id,
        "find_url": link_to("resource-find", request.workspace.team.key, kind.slug, resource_id),
        "page_title": f"No such {kind.singular} here",
    }
    return render(request, "resources/not_found.html", context, status=404)


@login_required
@require_safe
def resource_detail(request, kind: str, resource_id: str):
    workspace = request.workspace
    resource_kind = team_kind_or_404(kind)
    try:
        detail = selectors.resource_detail(workspace.client, resource_kind, resource_id)
    except NotFoundError:
        return not_found_response(request, resource_kind, resource_id)
    item = detail.item
    my_id = _learnt(request, [(resource_kind, [item])])
    creators, teams = CreatorDirectory(my_id), presentation.TeamNames(workspace)
    sections = presentation.sub_list_sections(resource_kind, detail, creators, teams)
    team_id = resource_kind.item_team(item) or (workspace.team.id or workspace.personal_team_id)
    status = resource_kind.item_status(item)
    context = {
        "kind": resource_kind,
        "item": item,
        "resource_id": resource_id,
        "name": presentation.display_name(resource_kind, item),
        "status": status,
        "status_badge": presentation.badge_class(status),
        "fields": detail_fields(resource_kind, item, creators, teams, detail.related),
        "raw_json": text.pretty_json(item),
        "team": teams.name(team_id) if team_id else None,
        "creator": creators.resolve(resource_kind.item_owner(item)),
        "created": parse_timestamp(item.get(resource_kind.created_field)),
        "updated": parse_timestamp(item.get("updated_at")),
        "sub_lists": sections,
        "actions": [a for a in resource_kind.actions if a.allows(status)],
        "operations": [
            form
            for form in resource_kind.operations
            if form.allowed_statuses is None or status in form.allowed_statuses
        ],
        # A job still moving (the resource, or an item of its lists) keeps the page refreshing.
        "polling": not resource_kind.is_final(item) or any(s["changing"] for s in sections),
        "code": presentation.code_of(resource_kind, item),
        "notes": notes.notes_for(workspace, resource_kind, resource_id),
        "started": follow.started_on(workspace, resource_kind, resource_id),
        "page_title": presentation.display_name(resource_kind, item),
    }
    return render(request, "resources/detail.html", context)


@login_required
@require_safe
def resource_content(request, kind: str, resource_id: str):
    """The resource's content, relayed from the upstream as it arrives (never held in memory)."""
    resource_kind = team_kind_or_404(kind)
    if not resource_kind.content_path:
        raise Http404("This kind has no downloadable content")
    client = request.workspace.client
    try:
        item = client.resources.retrieve(resource_kind, resource_id)
    except NotFoundError:
        return not_found_response(request, resource_kind, resource_id)
    upstream = client.resources.content(resource_kind, resource_id)
    filename = presentation.safe_filename(resource_kind.item_name(item), fallback=resource_id)
    # Always a download, never rendered by the browser on the dashboard's origin.
    response = StreamingHttpResponse(upstream.iter_bytes(), content_type="application/octet-stream")
    if upstream.content_length is not None:
        response["Content-Length"] = str(upstream.content_length)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


# --- Other teams ----------------------------------------------------------------------------
@login_required
@require_safe
def resource_find(request, kind: str, resource_id: str):
    """Look for a resource in the personal workspace and every saved team, all at once."""
    workspace = request.workspace
    resource_kind = team_kind_or_404(kind)
    others = [team for team in workspace.teams if team.key != workspace.team.key]
    lookups = selectors.find_in_teams(workspace.client, resource_kind, resource_id, others)
    context = {
        "kind": resource_kind,
        "resource_id": resource_id,
        "lookups": lookups,
        "found": [lookup for lookup in lookups if lookup.found],
        "page_title": f"Looking for {resource_id}",
    }
    template = "resources/find.html#results" if wants_fragment(request) else "resources/find.html"
    return render(request, template, context)


# --- Changes: delete and catalog actions ----------------------------------------------------
def _change_page(request, kind: ResourceKind, resource_id: str, action_name: str | None):
    """GET: a confirmation page naming the resource and the team. POST: do it (see
    ``services.make_change``) and go back, with a message, to the resource (an action) or the
    list (a delete), or stay on the page explaining why it was not done."""
    workspace = request.workspace
    try:
        if request.method == "POST":
            result = services.make_change(
                user=request.user,
                team=workspace.team,
                client=workspace.client,
                kind=kind,
                resource_id=resource_id,
                action_name=action_name,
            )
        else:
            item = workspace.client.resources.retrieve(kind, resource_id)
            change = services.plan_change(
                kind=kind, action_name=action_name, item=item, team=workspace.team
            )
            result = services.ChangeResult(item, change)
    except NotFoundError:  # the resource itself is not there (or its id cannot be one)
        return not_found_response(request, kind, resource_id)
    if request.method == "POST" and not result.problem:
        messages.success(request, result.change.done)
        if action_name is not None:  # back on the resource, in its new state
            return redirect("resource-detail", workspace.team.key, kind.slug, resource_id)
        return redirect(presentation.list_url(workspace.team, kind))
    context = {
        "kind": kind,
        "item": result.item,
        "resource_id": resource_id,
        "name": presentation.display_name(kind, result.item),
        "change": result.change,
        "problem": result.problem,
        "page_title": result.change.heading,
        # A delete its state does not allow yet: the action that gets it there (Stop).
        "way_out": kind.action_for(kind.item_status(result.item))
        if result.change.not_possible and action_name is None
        else None,
    }
    return render(request, "resources/confirm.html", context, status=result.status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def resource_delete(request, kind: str, resource_id: str):
    resource_kind = team_kind_or_404(kind)
    if not resource_kind.deletable:
        raise Http404(f"{resource_kind.label} cannot be deleted from the dashboard")
    return _change_page(request, resource_kind, resource_id, None)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def resource_action(request, kind: str, resource_id: str, name: str):
    resource_kind = team_kind_or_404(kind)
    if resource_kind.action(name) is None:
        raise Http404(f"{resource_kind.label} have no action {name!r}")
    return _change_page(request, resource_kind, resource_id, name)
