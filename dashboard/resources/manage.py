"""Creating, editing and acting on resources: one set of views for every kind, driven by the
kind's form declarations (``catalog/forms.py``), as Django admin's change views are by a
``ModelAdmin``.

``/t/<team>/r/<kind>/new/`` creates; ``…/<id>/edit/`` edits (with the upstream's preview of the
change first, where it offers one); ``…/<id>/do/<form>/`` runs any other form on the resource
(add files to a vector database, rename a file…), and ``…/<id>/do/<form>/<result>/`` follows
what such a form started (a job, until it ends); ``…/<id>/sub/<n>/<item>/remove/`` takes an
item out of one of its lists. Everything typed is kept on any error, the upstream's field
errors are shown at their fields, and a success lands on the resource's page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from dashboard import text
from dashboard.people.directory import CreatorDirectory
from dashboard.resources import follow, forms, presentation, selectors, services
from dashboard.resources.fields import detail_fields
from dashboard.resources.views import _learnt, not_found_response, team_kind_or_404
from dashboard.upstream.catalog import ResourceKind
from dashboard.upstream.catalog.forms import FormSpec
from dashboard.upstream.errors import NotFoundError
from dashboard.upstream.values import parse_timestamp

CONFIRM = "confirm"  # an edit whose preview was seen and accepted
AGAIN = "again"  # back from the preview to the form, with what was typed
NOT_REPOSTED = {"csrfmiddlewaretoken", CONFIRM, AGAIN, forms.SHOWN}


def _form_page(request, kind, spec, form, *, item=None, resource_id="", problem="", status=200):
    shown = ""
    if spec.changes_only and item is not None:  # what the form starts from, posted back
        shown = request.POST.get(forms.SHOWN) or forms.shown_values(spec, item)
    context = {
        "shown_values": shown,
        "kind": kind,
        "spec": spec,
        "form": form,
        "item": item,
        "resource_id": resource_id,
        "name": presentation.display_name(kind, item) if item else "",
        "problem": problem,
        "choice_problems": [
            (form.fields[key].label, error)
            for key, error in getattr(form, "choice_problems", {}).items()
        ],
        "page_title": spec.label,
    }
    return render(request, "resources/form.html", context, status=status)


def _bound(request, spec: FormSpec, *, initial=None) -> forms.SpecForm:
    """The form of ``spec``, with its choices from the upstream, bound to a POST if there is
    one."""
    loaded = selectors.form_choices(request.workspace.client, spec)
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = forms.SpecForm(data, files, spec=spec, choices=loaded.options, initial=initial)
    form.choice_problems = loaded.problems
    for key in loaded.problems:  # not "none yet": they could not be read
        form.fields[key].empty_kind = None
    return form


def _detail_url(team, kind: ResourceKind, resource_id: str) -> str:
    return reverse("resource-detail", args=[team.key, kind.slug, resource_id])


def _send(request, kind, spec, form, *, resource_id=None, item=None):
    """Send a valid form; the resource's page on success, the form again (kept) if not."""
    workspace = request.workspace
    body, files = forms.body_of(form), forms.files_of(form)
    if spec.changes_only and item is not None:
        shown = forms.posted_shown(request.POST.get(forms.SHOWN))
        body = forms.changes_of(spec, body, item, shown)
        if not body:
            messages.info(request, "Nothing was changed, so nothing was sent.")
            return redirect(_detail_url(workspace.team, kind, resource_id))
    result = services.submit_form(
        user=request.user,
        team=workspace.team,
        client=workspace.client,
        kind=kind,
        spec=spec,
        body=body,
        summary=forms.summary(spec, body, item, [name for name, _, _ in files.values()]),
        files=files or None,
        resource_id=resource_id,
    )
    if not result.done:
        unplaced = forms.errors_at_fields(form, result.field_errors)
        problem = " ".join([result.problem, *unplaced])
        return _form_page(
            request,
            kind,
            spec,
            form,
            item=item,
            resource_id=resource_id or "",
            problem=problem,
            status=result.status,
        )
    answered_id = str((result.item or {}).get(spec.result_id) or "")
    if spec.follow is not None and answered_id:
        followed = follow.page_of(workspace.team, kind, resource_id, spec, answered_id)
        if followed:
            messages.success(
                request,
                f"{spec.follow.label} started in {workspace.team.label}: it is followed here.",
            )
            return redirect(followed)
        messages.success(  # an id no page can name: said, not linked
            request,
            f"{spec.follow.label} {answered_id} started in {workspace.team.label}; its ID "
            "cannot be followed here.",
        )
        return redirect(_detail_url(workspace.team, kind, resource_id))
    new_id = answered_id if spec.opens_result or not resource_id else resource_id
    messages.success(request, f"{spec.label}: done in {workspace.team.label}.")
    if new_id:
        return redirect(_detail_url(workspace.team, kind, new_id))
    return redirect(presentation.list_url(workspace.team, kind))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def resource_new(request, kind: str):
    resource_kind = team_kind_or_404(kind)
    spec = resource_kind.create_form
    if spec is None:
        raise Http404(f"{resource_kind.label} cannot be created from the dashboard")
    form = _bound(request, spec, initial=forms.initial_from_query(spec, request.GET))
    if request.method == "POST" and form.is_valid():
        return _send(request, resource_kind, spec, form)
    return _form_page(request, resource_kind, spec, form, status=400 if form.errors else 200)


def _resource_or_404(request, kind: ResourceKind, resource_id: str) -> dict | None:
    try:
        return request.workspace.client.resources.retrieve(kind, resource_id)
    except NotFoundError:
        return None


def _operation(kind: ResourceKind, name: str) -> FormSpec:
    spec = kind.form(name)
    if spec is None or not spec.on_resource:
        raise Http404(f"{kind.label} have no form {name!r}")
    return spec


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def resource_form(request, kind: str, resource_id: str, name: str):
    """Edit a resource, or run another of its kind's forms on it."""
    resource_kind = team_kind_or_404(kind)
    spec = _operation(resource_kind, name)
    item = _resource_or_404(request, resource_kind, resource_id)
    if item is None:
        return not_found_response(request, resource_kind, resource_id)
    status = resource_kind.item_status(item)
    if spec.allowed_statuses is not None and status not in spec.allowed_statuses:
        allowed = ", ".join(sorted(spec.allowed_statuses))
        messages.error(
            request,
            f"This {resource_kind.singular} is {status or 'in no known state'}: "
            f"“{spec.label}” is possible only while it is {allowed}.",
        )
        return redirect(_detail_url(request.workspace.team, resource_kind, resource_id))
    initial = forms.initial_from(spec, item) if spec.prefill else None
    form = _bound(request, spec, initial=initial)
    if request.method != "POST" or request.POST.get(AGAIN) or not form.is_valid():
        page_status = 400 if form.errors else 200
        return _form_page(
            request,
            resource_kind,
            spec,
            form,
            item=item,
            resource_id=resource_id,
            status=page_status,
        )
    if spec.diff_path and not request.POST.get(CONFIRM):
        return _preview(request, resource_kind, spec, form, item, resource_id)
    return _send(request, resource_kind, spec, form, resource_id=resource_id, item=item)


def _preview(request, kind, spec, form, item, resource_id):
    """What the edit would change, as the upstream works it out, with a button to save it."""
    try:
        preview = request.workspace.client.resources.preview(
            kind, spec, body=forms.body_of(form), resource_id=resource_id
        )
    except NotFoundError:
        return not_found_response(request, kind, resource_id)
    context = {
        "kind": kind,
        "spec": spec,
        "form": form,
        "item": item,
        "resource_id": resource_id,
        "name": presentation.display_name(kind, item),
        "changes": presentation.diff_rows(preview),
        "posted": [
            (key, value)
            for key in request.POST
            if key not in NOT_REPOSTED
            for value in request.POST.getlist(key)
        ],
        "page_title": f"{spec.label}: check the change",
    }
    return render(request, "resources/preview.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sub_item_remove(request, kind: str, resource_id: str, index: int, item: str):
    """Take one item out of one of a resource's lists, after a confirmation."""
    resource_kind = team_kind_or_404(kind)
    if index >= len(resource_kind.sub_lists) or not resource_kind.sub_lists[index].remove_path:
        raise Http404("Nothing can be taken out of this list")
    sub = resource_kind.sub_lists[index]
    workspace = request.workspace
    resource = _resource_or_404(request, resource_kind, resource_id)
    if resource is None:
        return not_found_response(request, resource_kind, resource_id)
    if request.method == "POST":
        problem = services.remove_item(
            user=request.user,
            team=workspace.team,
            client=workspace.client,
            kind=resource_kind,
            index=index,
            resource_id=resource_id,
            item_id=item,
        )
        if problem:
            messages.error(request, problem)
        else:
            messages.success(request, f"{sub.remove_label}: {item} is no longer in it.")
        return redirect(_detail_url(workspace.team, resource_kind, resource_id))
    context = {
        "kind": resource_kind,
        "sub": sub,
        "item_id": item,
        "resource_id": resource_id,
        "name": presentation.display_name(resource_kind, resource),
        "page_title": f"{sub.remove_label}?",
    }
    return render(request, "resources/remove_item.html", context)


@login_required
@require_safe
def resource_follow(request, kind: str, resource_id: str, name: str, result: str):
    """A job started on a resource, refreshed until it ends."""
    workspace = request.workspace
    resource_kind = team_kind_or_404(kind)
    spec = resource_kind.form(name)
    if spec is None or spec.follow is None:
        raise Http404(f"{resource_kind.label} have no form {name!r} that starts anything")
    context = {
        "kind": resource_kind,
        "spec": spec,
        "resource_id": resource_id,
        "result": result,
        "page_title": f"{spec.follow.label} {result}",
    }
    try:
        followed = follow.read_followed(workspace.client, resource_kind, spec, resource_id, result)
    except NotFoundError:
        context["missing"] = True
        return render(request, "resources/follow.html", context, status=404)
    item = followed.item
    my_id = _learnt(request, [(resource_kind, [item])])
    creators, teams = CreatorDirectory(my_id), presentation.TeamNames(workspace)
    what = followed.described
    status = what.item_status(item)
    team_id = what.item_team(item)
    result_value = item.get(spec.follow.result_field) if spec.follow.result_field else None
    resource = followed.resource
    waiting_on = followed.waiting_on(resource_kind, spec)
    if waiting_on:  # the action that would let it go on (Start)
        context["restart"] = resource_kind.action_for(resource_kind.item_status(resource))
    context.update(
        {
            "resource_name": (
                presentation.display_name(resource_kind, resource) if resource else ""
            ),
            "waiting_on": waiting_on,
            "item": item,
            "status": status,
            "status_badge": presentation.badge_class(status),
            "fields": [
                f
                for f in detail_fields(what, item, creators, teams)
                if f.key != spec.follow.parent_field
            ],
            "team": teams.name(team_id) if team_id else None,
            "creator": creators.resolve(what.item_owner(item)),
            "created": parse_timestamp(item.get(what.created_field)),
            "polling": not followed.final,
            "result_json": None if result_value is None else text.pretty_json(result_value),
            "raw_json": text.pretty_json(item),
        }
    )
    return render(request, "resources/follow.html", context)
