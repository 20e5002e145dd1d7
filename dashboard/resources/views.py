"""The overview and the generic list, detail, download, delete and action views over the catalog.

Views are thin: they read the catalog, call ``dashboard.resources.services`` (which calls the
upstream client) and render. One view serves a page and its htmx fragment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_safe

from dashboard import text
from dashboard.audit.people import CreatorDirectory
from dashboard.audit.services import Action, Outcome, failure_detail, recording
from dashboard.resources import presentation, services
from dashboard.resources.templatetags.resources import link_to
from dashboard.teams.guard import team_guarded
from dashboard.teams.services import note_seen_teams
from dashboard.upstream import catalog
from dashboard.upstream.binding import client_for
from dashboard.upstream.catalog import ResourceKind
from dashboard.upstream.errors import NotFoundError, UpstreamError
from dashboard.upstream.fanout import fan_out

POLL_TEAM_PARAM = "shown_for"  # the team a polled table was rendered for


def team_kind_or_404(slug: str) -> ResourceKind:
    kind = catalog.get(slug)
    if kind is None or not kind.team_scoped:
        raise Http404(f"No resource kind {slug!r}")
    return kind


def wants_fragment(request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def list_url(kind: ResourceKind, params: dict[str, str] | None = None) -> str:
    url = reverse("resource-list", args=[kind.slug])
    return f"{url}?{urlencode(params)}" if params else url


# --- Overview -------------------------------------------------------------------------------
@login_required
@require_safe
def overview(request):
    kinds = [kind for kind in catalog.team_kinds() if kind.in_overview]
    panels = services.overview_panels(client_for(request), kinds)
    my_id = services.learn_identity_from(request, [(p.kind, p.items) for p in panels])
    note_seen_teams(request, {p.kind.item_team(i) for p in panels for i in p.items})
    creators, teams = CreatorDirectory(my_id), presentation.TeamNames(request)
    cards = []
    for panel in panels:
        builder = presentation.RowBuilder(
            panel.kind, creators, teams, columns=presentation.summary_columns(panel.kind)
        )
        cards.append({"panel": panel, "rows": [builder.row(item) for item in panel.latest]})
    return render(request, "resources/overview.html", {"cards": cards, "page_title": "Overview"})


# --- Lists ----------------------------------------------------------------------------------
@dataclass
class Header:
    label: str
    url: str
    sorted: str  # "ascending", "descending" or ""
    numeric: bool


@login_required
@require_safe
def resource_list(request, kind: str):
    resource_kind = team_kind_or_404(kind)
    query = services.ListQuery.from_params(resource_kind, request.GET)
    my_id = services.known_identity(request)["upstream_user_id"]
    # Without a known upstream identity "created by me" cannot be told apart; in the personal
    # workspace everything is the user's anyway, and who they are is learnt from this page.
    identity_unknown = query.mine and not my_id

    shown_for = request.GET.get(POLL_TEAM_PARAM)
    if wants_fragment(request) and shown_for and shown_for != request.team.guard_value:
        # The team was switched in another tab: stop refreshing rather than show its list here.
        return render(request, "resources/_team_changed.html", {"kind": resource_kind})

    fetch_query = replace(query, mine=False) if identity_unknown else query
    result = services.fetch_list(client_for(request), resource_kind, fetch_query, my_id)
    my_id = services.learn_identity_from(request, [(resource_kind, result.items)])
    note_seen_teams(request, {resource_kind.item_team(i) for i in result.items})

    builder = presentation.RowBuilder(
        resource_kind, CreatorDirectory(my_id), presentation.TeamNames(request)
    )
    rows = [builder.row(item) for item in result.items]
    polling = any(not row.is_final for row in rows)
    context = {
        "kind": resource_kind,
        "query": query,
        "result": result,
        "rows": rows,
        "headers": headers_for(resource_kind, query),
        "pager": pager_for(resource_kind, query, result),
        "polling": polling,
        "poll_url": list_url(
            resource_kind, {**query.params(), POLL_TEAM_PARAM: request.team.guard_value}
        ),
        "identity_unknown": identity_unknown and not request.team.is_personal,
        "clear_url": list_url(resource_kind, query.params(search="", mine=False, page=1)),
        "page_title": resource_kind.label,
    }
    template = "resources/list.html#table" if wants_fragment(request) else "resources/list.html"
    return render(request, template, context)


def headers_for(kind: ResourceKind, query: services.ListQuery) -> list[Header]:
    headers = []
    for column in kind.columns:
        state = ""
        if query.sort == column.key:
            state = "descending" if query.descending else "ascending"
        headers.append(
            Header(
                column.label,
                list_url(kind, query.sorted_by(column.key)),
                state,
                column.format in ("bytes", "number"),
            )
        )
    return headers


def pager_for(kind: ResourceKind, query: services.ListQuery, result: services.ListResult):
    def page_url(number: int) -> str:
        return list_url(kind, query.params(page=number))

    last = result.last_page
    return {
        "first": page_url(1) if query.page > 1 else "",
        "previous": page_url(min(query.page - 1, last or query.page - 1)) if query.page > 1 else "",
        "next": page_url(query.page + 1) if result.has_more else "",
        "last": page_url(last) if last and query.page != last else "",
        "last_number": last,
    }


# --- Details --------------------------------------------------------------------------------
def not_found_response(request, kind: ResourceKind, resource_id: str) -> HttpResponse:
    context = {
        "kind": kind,
        "resource_id": resource_id,
        "find_url": link_to("resource-find", kind.slug, resource_id),
        "page_title": f"No such {kind.singular} here",
    }
    return render(request, "resources/not_found.html", context, status=404)


@login_required
@require_safe
def resource_detail(request, kind: str, resource_id: str):
    resource_kind = team_kind_or_404(kind)
    client = client_for(request)
    tasks: dict[Any, Callable[[], Any]] = {
        "item": lambda: client.retrieve(resource_kind, resource_id)
    }
    for index in range(len(resource_kind.sub_lists)):
        tasks[index] = lambda index=index: client.sub_list(resource_kind, index, resource_id)
    outcomes = fan_out(tasks)
    if isinstance(outcomes["item"].error, NotFoundError):
        return not_found_response(request, resource_kind, resource_id)
    if outcomes["item"].error:
        raise outcomes["item"].error
    item = outcomes["item"].value

    my_id = services.learn_identity_from(request, [(resource_kind, [item])])
    note_seen_teams(request, {resource_kind.item_team(item)})
    creators, teams = CreatorDirectory(my_id), presentation.TeamNames(request)
    team_id = resource_kind.item_team(item) or (request.team.id or request.personal_team_id)
    status = resource_kind.item_status(item)
    context = {
        "kind": resource_kind,
        "item": item,
        "resource_id": resource_id,
        "name": presentation.display_name(resource_kind, item),
        "status": status,
        "status_badge": presentation.badge_class(status),
        "fields": presentation.detail_fields(resource_kind, item, creators, teams),
        "raw_json": text.pretty_json(item),
        "team": teams.name(team_id) if team_id else None,
        "creator": creators.resolve(resource_kind.item_owner(item)),
        "created": presentation.parse_timestamp(item.get(resource_kind.created_field)),
        "updated": presentation.parse_timestamp(item.get("updated_at")),
        "sub_lists": sub_list_sections(resource_kind, outcomes, creators, teams),
        "actions": [a for a in resource_kind.actions if status in a.allowed_statuses],
        "page_title": presentation.display_name(resource_kind, item),
    }
    return render(request, "resources/detail.html", context)


def sub_list_sections(
    kind: ResourceKind,
    outcomes,
    creators: CreatorDirectory,
    teams: presentation.TeamNames,
) -> list[dict]:
    """The sub-lists of a detail page (a vector database's files), each failing on its own."""
    sections = []
    for index, sub in enumerate(kind.sub_lists):
        outcome = outcomes[index]
        rows = []
        if outcome.ok:
            builder = presentation.RowBuilder(
                kind, creators, teams, columns=sub.columns, id_field=sub.link_field
            )
            rows = [builder.row(entry) for entry in outcome.value]
        sections.append({"sub": sub, "rows": rows, "error": outcome.error})
    return sections


@login_required
@require_safe
def resource_content(request, kind: str, resource_id: str):
    """The resource's content, relayed from the upstream as it arrives (never held in memory)."""
    resource_kind = team_kind_or_404(kind)
    if not resource_kind.content_path:
        raise Http404("This kind has no downloadable content")
    client = client_for(request)
    try:
        item = client.retrieve(resource_kind, resource_id)
    except NotFoundError:
        return not_found_response(request, resource_kind, resource_id)
    upstream = client.content(resource_kind, resource_id)
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
    resource_kind = team_kind_or_404(kind)
    teams = services.other_teams(request)
    lookups = services.find_in_teams(client_for(request), resource_kind, resource_id, teams)
    context = {
        "kind": resource_kind,
        "resource_id": resource_id,
        "lookups": lookups,
        "found": [lookup for lookup in lookups if lookup.found],
        "detail_url": link_to("resource-detail", resource_kind.slug, resource_id),
        "page_title": f"Looking for {resource_id}",
    }
    template = "resources/find.html#results" if wants_fragment(request) else "resources/find.html"
    return render(request, template, context)


# --- Changes: delete and catalog actions ----------------------------------------------------
@dataclass
class Change:
    """A change offered behind a confirmation page."""

    heading: str  # "Delete the file “a.jsonl”?"
    question: str
    button: str
    doing: str  # "deleting this file", for messages
    done: str  # the message after success
    run: Callable[[], Any]
    not_possible: str = ""  # why the change cannot be offered now, if it cannot


def confirm_change(
    request,
    kind: ResourceKind,
    resource_id: str,
    audit_action: str,
    plan: Callable[[dict], Change],
):
    """GET: a confirmation page naming the resource and the team. POST: do it, log it, and go
    back to the list with a message, or stay on the page explaining why it was not done.

    A POST is recorded before anything is sent, and checked again as the page was: a change
    the resource's state does not allow is refused, whatever the form said."""
    client = client_for(request)
    if request.method != "POST":
        try:
            item = client.retrieve(kind, resource_id)
        except NotFoundError:
            return not_found_response(request, kind, resource_id)
        return _confirm_page(request, kind, resource_id, item, plan(item))

    problem, status = "", 200
    try:
        with recording(
            request.user,
            audit_action,
            team=request.team,
            kind=kind.slug,
            resource_id=resource_id,
            detail=f"{kind.singular} {resource_id}",
        ) as recorded:
            item = client.retrieve(kind, resource_id)
            change = plan(item)
            recorded.detail = f"{change.button}: “{presentation.display_name(kind, item)}”"
            if change.not_possible:
                recorded.outcome = Outcome.REFUSED
                recorded.detail = f"{recorded.detail}: {change.not_possible}"
                problem = f"Nothing was sent to the upstream. {change.not_possible}"
                status = 409
            else:
                try:
                    change.run()
                except UpstreamError as exc:
                    recorded.outcome = Outcome.FAILURE
                    recorded.detail = failure_detail(recorded.detail, exc)
                    problem = services.explain_failure(exc, request.team, change.doing)
                    status = exc.http_status
    except NotFoundError:  # the resource itself is not there (or its id cannot be one)
        return not_found_response(request, kind, resource_id)
    if not problem:
        messages.success(request, change.done)
        return redirect(list_url(kind))
    return _confirm_page(request, kind, resource_id, item, change, problem, status)


def _confirm_page(request, kind, resource_id, item, change, problem="", status=200):
    context = {
        "kind": kind,
        "item": item,
        "resource_id": resource_id,
        "name": presentation.display_name(kind, item),
        "change": change,
        "problem": problem,
        "page_title": change.heading,
    }
    return render(request, "resources/confirm.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@team_guarded(action=Action.RESOURCE_DELETED)
def resource_delete(request, kind: str, resource_id: str):
    resource_kind = team_kind_or_404(kind)
    if not resource_kind.deletable:
        raise Http404(f"{resource_kind.label} cannot be deleted from the dashboard")
    client = client_for(request)

    def plan(item: dict) -> Change:
        name = presentation.display_name(resource_kind, item)
        return Change(
            heading=f"Delete the {resource_kind.singular} “{name}”?",
            question=(
                f"The {resource_kind.singular} is deleted on the upstream for everyone in the "
                "team. This cannot be undone."
            ),
            button=f"Delete {resource_kind.singular}",
            doing=f"deleting this {resource_kind.singular}",
            done=f"Deleted the {resource_kind.singular} “{name}” from {request.team.label}.",
            run=lambda: client.delete(resource_kind, resource_id),
        )

    return confirm_change(request, resource_kind, resource_id, Action.RESOURCE_DELETED, plan)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@team_guarded(action=Action.RESOURCE_ACTION)
def resource_action(request, kind: str, resource_id: str, name: str):
    resource_kind = team_kind_or_404(kind)
    action = resource_kind.action(name)
    if action is None:
        raise Http404(f"{resource_kind.label} have no action {name!r}")
    client = client_for(request)

    def plan(item: dict) -> Change:
        item_name = presentation.display_name(resource_kind, item)
        status = resource_kind.item_status(item)
        not_possible = ""
        if action.allowed_statuses and status not in action.allowed_statuses:
            allowed = ", ".join(sorted(action.allowed_statuses))
            not_possible = (
                f"This {resource_kind.singular} is {status or 'in no known state'}; "
                f"“{action.label}” is possible only while it is {allowed}."
            )
        return Change(
            heading=f"{action.label}: “{item_name}”?",
            question=action.confirm,
            button=action.label,
            doing=f"“{action.label.lower()}” on this {resource_kind.singular}",
            done=f"{action.label}: done for “{item_name}” in {request.team.label}.",
            run=lambda: client.run_action(resource_kind, action.name, resource_id),
            not_possible=not_possible,
        )

    return confirm_change(request, resource_kind, resource_id, Action.RESOURCE_ACTION, plan)
