"""The ownership audit across teams, its exports, creator names, and the action log.

The audit page appears at once: teams already collected (cached for a minute) are shown
directly, the others load as htmx sections, one request per team, each reading that team's
kinds in parallel. When every section has arrived, ``static/js/audit.js`` asks for the combined
part (matrix, chart, filters and the table of every resource). Without JavaScript a link
loads the whole page in one request (``?wait=1``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dashboard.audit import actionlog, exports, snapshots
from dashboard.audit.collect import AuditTeam, Failure, TeamAudit
from dashboard.audit.forms import ActionLogFilterForm, CreatorNameForm, OwnershipFilterForm
from dashboard.audit.models import CreatorName
from dashboard.audit.ownership import (
    DEFAULT_SORT,
    EXPORT_HEADER,
    SORT_FIELDS,
    CreatorCounts,
    Presenter,
    build_chart,
    build_matrix,
    creator_choices,
    creators_of,
    select,
    status_text,
)
from dashboard.audit.people import CreatorDirectory
from dashboard.audit.services import name_creator
from dashboard.upstream import catalog
from dashboard.upstream.catalog import ResourceKind
from dashboard.upstream.errors import UpstreamError

ROWS_PER_PAGE = 100
LOG_ENTRIES_PER_PAGE = 50
PAGE_ONLY_PARAMS = ("page", "wait")  # never carried into exports or other pages


@dataclass(frozen=True)
class TeamSection:
    team: AuditTeam
    audit: TeamAudit | None  # None: still to be loaded (or could not be, see ``error``)
    creators: tuple[CreatorCounts, ...] = ()
    creator_kinds: tuple[ResourceKind, ...] = ()  # the kinds the team has: the creators' columns
    error: UpstreamError | None = None  # the team could not be asked at all (e.g. no key)

    @property
    def status_text(self) -> str:
        return status_text(self.audit.status) if self.audit else ""

    @property
    def kind_counts(self) -> list[tuple[ResourceKind, int | None, Failure | None]]:
        """Per kind: its count, or the failure that kept it unknown."""
        audit = self.audit
        return [
            (kind, audit.counts.get(kind.slug), audit.failures.get(kind.slug))
            for kind in catalog.team_kinds()
        ]


def _section(team: AuditTeam, audit: TeamAudit | None, directory: CreatorDirectory):
    if audit is None:
        return TeamSection(team, None)
    held = tuple(k for k in catalog.team_kinds() if audit.counts.get(k.slug))
    return TeamSection(audit.team, audit, tuple(creators_of(audit, held, directory)), held)


def _query(request, **changes) -> str:
    """The current query string with ``changes`` (None removes), without page-only params."""
    query = request.GET.copy()
    for name in PAGE_ONLY_PARAMS:
        query.pop(name, None)
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return query.urlencode()


def _page_links(request, page, url_name: str) -> dict[str, str]:
    """Links to the previous and next page, keeping the filters."""
    base = reverse(url_name)
    links = {}
    if page.has_previous():
        links["previous"] = f"{base}?{_query(request, page=str(page.previous_page_number()))}"
    if page.has_next():
        links["next"] = f"{base}?{_query(request, page=str(page.next_page_number()))}"
    return links


def _sort_columns(request, current: str) -> list[dict]:
    """Table headers, each a link that sorts by it (again: the other way round)."""
    columns = []
    for key, label in SORT_FIELDS.items():
        if current == key:
            target, arrow = f"-{key}", "↑"
        elif current == f"-{key}":
            target, arrow = key, "↓"
        else:
            target, arrow = (f"-{key}" if key == "created" else key), ""
        href = f"{reverse('audit')}?{_query(request, sort=target)}"
        columns.append({"key": key, "label": label, "href": href, "arrow": arrow})
    return columns


def _ownership_form(request, audits: dict[str, TeamAudit], directory: CreatorDirectory):
    rows = snapshots.all_rows(audits)
    data = request.GET.copy()
    data.setdefault("sort", DEFAULT_SORT)  # so the form shows the order the table is in
    form = OwnershipFilterForm(
        data,
        teams=[a.team for a in audits.values()],
        kinds=catalog.team_kinds(),
        creators=creator_choices(rows, directory),
    )
    return form, rows


def _combined_context(request, audits: dict[str, TeamAudit], directory: CreatorDirectory):
    form, rows = _ownership_form(request, audits, directory)
    filters = form.filters()
    presenter = Presenter([a.team for a in audits.values()], directory)
    selected = select(rows, filters, presenter)
    page = Paginator(selected, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    matrix = build_matrix(list(audits.values()), selected, catalog.team_kinds())
    return {
        "form": form,
        "filters": filters,
        "matrix": matrix,
        "chart": build_chart(matrix),
        "page": page,
        "page_links": _page_links(request, page, "audit"),
        "lines": list(presenter.lines(page.object_list)),
        "selected_count": len(selected),
        "total_count": len(rows),
        "columns": _sort_columns(request, filters.sort),
        "export_query": _query(request),
        "collected_at": min((a.collected_at for a in audits.values()), default=None),
        "cache_seconds": snapshots.CACHE_SECONDS,
    }


@login_required
@require_safe
def audit(request):
    teams = snapshots.audit_teams(request)
    if request.GET.get("wait"):  # without JavaScript: everything in this one request
        audits = snapshots.gather(request, teams)
    else:
        audits = snapshots.cached(request, teams)
    directory = snapshots.creator_directory(request)
    complete = len(audits) == len(teams)
    context = {
        "sections": [_section(team, audits.get(team.key), directory) for team in teams],
        "complete": complete,
        "query": _query(request),
        "is_staff": request.user.is_staff,
    }
    if complete:
        context.update(_combined_context(request, audits, directory))
    return render(request, "audit/page.html", context)


@login_required
@require_safe
def team_section(request, team_key: str):
    """One team's section: its counts per kind and its creators (an htmx fragment)."""
    team = snapshots.team_by_key(request, team_key)
    if team is None:
        raise Http404("Not one of your teams.")
    try:
        audit = snapshots.gather(request, [team])[team.key]
    except UpstreamError as exc:  # rendered in the section, so htmx swaps it in
        section = TeamSection(team, None, error=exc)
    else:
        section = _section(team, audit, snapshots.creator_directory(request))
    context = {
        "section": section,
        "is_staff": request.user.is_staff,
    }
    return render(request, "audit/_team.html", context)


@login_required
@require_safe
def combined(request):
    """The matrix, chart, filters and combined table (an htmx fragment, once teams are in)."""
    try:
        audits = snapshots.gather(request, snapshots.audit_teams(request))
    except UpstreamError as exc:  # rendered with 200, so htmx swaps it in
        return render(request, "errors/_upstream.html", {"error": exc})
    context = _combined_context(request, audits, snapshots.creator_directory(request))
    return render(request, "audit/_combined.html", context)


@login_required
@require_POST
def refresh(request):
    """Forget the cached audit, so the page asks every team again."""
    snapshots.forget(request)
    query = QueryDict(request.POST.get("query", ""))
    return redirect(f"{reverse('audit')}?{query.urlencode()}".rstrip("?"))


def _export_lines(request):
    """(form, lines) for an export: every resource matching the filters, in the asked order."""
    audits = snapshots.gather(request, snapshots.audit_teams(request))
    directory = snapshots.creator_directory(request)
    form, rows = _ownership_form(request, audits, directory)
    if not form.is_valid():
        return form, None, audits
    presenter = Presenter([a.team for a in audits.values()], directory)
    return form, presenter.lines(select(rows, form.filters(), presenter)), audits


def _invalid_filters(form) -> HttpResponse:
    problems = "; ".join(
        " ".join(errors) if name == NON_FIELD_ERRORS else f"{name}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    )
    return HttpResponse(
        f"The filters are not valid: {problems}", status=400, content_type="text/plain"
    )


@login_required
@require_safe
def export_csv(request):
    form, lines, _ = _export_lines(request)
    if lines is None:
        return _invalid_filters(form)
    records = (line.values() for line in lines)
    return exports.csv_response(EXPORT_HEADER, records, "ownership")


@login_required
@require_safe
def export_json(request):
    form, lines, audits = _export_lines(request)
    if lines is None:
        return _invalid_filters(form)
    head = {
        "generated_at": timezone.now().isoformat(),
        "filters": form.filters().as_dict(),
        "columns": list(EXPORT_HEADER),
        "incomplete": [
            {
                "team": audit.team.label,
                "team_id": audit.team.display_id,
                "kind": kind,
                "status": failure.status,
                "error": failure.message,
            }
            for audit in audits.values()
            for kind, failure in audit.failures.items()
        ],
    }
    return exports.json_response(head, "rows", (line.record() for line in lines), "ownership")


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
        name_creator(request.user, creator_id, name)
        if name:
            messages.success(request, f"Creator {creator_id} is now shown as “{name}”.")
        else:
            messages.success(request, f"Creator {creator_id} is shown by their ID again.")
        return redirect("audit-creators")
    context = {"form": form, "names": CreatorName.objects.all(), "unnamed": _unnamed(request)}
    return render(request, "audit/creators.html", context, status=400 if form.errors else 200)


def _unnamed(request) -> list[str]:
    """Creator ids in the cached audit that have no display name yet (nothing is fetched)."""
    try:
        audits = snapshots.cached(request, snapshots.audit_teams(request))
    except UpstreamError:
        return []
    named = set(CreatorName.objects.values_list("creator_id", flat=True))
    seen = {row.creator_id for row in snapshots.all_rows(audits) if row.creator_id}
    return sorted(seen - named)


def _log_entries(request):
    entries = actionlog.visible_entries(request.user)
    form = ActionLogFilterForm(
        request.GET, teams=actionlog.logged_teams(entries), staff=request.user.is_staff
    )
    if form.is_valid():
        entries = actionlog.filtered(entries, form.cleaned_data)
    return form, entries


@login_required
@require_safe
def action_log(request):
    form, entries = _log_entries(request)
    page = Paginator(entries, LOG_ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "page_links": _page_links(request, page, "audit-log"),
        "export_query": _query(request),
        "is_staff": request.user.is_staff,
    }
    return render(request, "audit/log.html", context)


@login_required
@require_safe
def action_log_export(request):
    form, entries = _log_entries(request)
    if not form.is_valid():
        return _invalid_filters(form)
    records = (actionlog.record(e) for e in entries.iterator(chunk_size=1000))
    return exports.csv_response(actionlog.EXPORT_HEADER, records, "action-log")
