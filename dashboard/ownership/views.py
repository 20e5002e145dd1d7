"""The ownership audit across teams: who owns what in the personal workspace and every saved
team, its exports, and search across teams.

The audit page appears at once: teams already collected (cached for a minute) are shown
directly, the others as sections still waiting. The page then makes one request (htmx, as it
loads) for the rest: every team not yet collected is read in one wave of upstream calls (every
kind of every team at once, see ``collect.py``), started as the page itself is asked for (see
``snapshots.read_ahead``), and the answer holds every team's section, swapped in by id (out of
band), and the combined part (matrix, chart, filters and the table of every resource). A
browser opens only a few connections to a host, so one request per team would come back in
several waves. Without JavaScript a link loads the whole page in one request (``?wait=1``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from dashboard import exports
from dashboard.ownership import snapshots
from dashboard.ownership.collect import Failure, TeamAudit
from dashboard.ownership.forms import OwnershipFilterForm
from dashboard.ownership.people import (
    PEOPLE_EXPORT_HEADER,
    people_by_team,
    people_records,
    person_page,
)
from dashboard.ownership.presentation import (
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
from dashboard.paging import invalid_filters, page_links, query_with
from dashboard.people.directory import CreatorDirectory
from dashboard.teams.workspace import Team
from dashboard.upstream import catalog
from dashboard.upstream.catalog import ResourceKind
from dashboard.upstream.errors import UpstreamError

ROWS_PER_PAGE = 100


@dataclass(frozen=True)
class TeamSection:
    team: Team
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


def _section(team: Team, audit: TeamAudit | None, directory: CreatorDirectory):
    if audit is None:
        return TeamSection(team, None)
    held = tuple(k for k in catalog.team_kinds() if audit.counts.get(k.slug))
    return TeamSection(audit.team, audit, tuple(creators_of(audit, held, directory)), held)


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
        href = f"{reverse('audit')}?{query_with(request, sort=target)}"
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


def _page_number(asked: str | None) -> int:
    """The page asked for, as the lists read it: not a number, or below 1, is the first."""
    try:
        return max(int(asked or 1), 1)
    except ValueError:
        return 1


def _combined_context(request, audits: dict[str, TeamAudit], directory: CreatorDirectory):
    form, rows = _ownership_form(request, audits, directory)
    filters = form.filters()
    presenter = Presenter([a.team for a in audits.values()], directory)
    selected = select(rows, filters, presenter)
    page = Paginator(selected, ROWS_PER_PAGE).get_page(_page_number(request.GET.get("page")))
    matrix = build_matrix(list(audits.values()), selected, catalog.team_kinds())
    teams = [a.team for a in audits.values()]
    return {
        "form": form,
        "filters": filters,
        "matrix": matrix,
        "people_teams": teams,
        "people": people_by_team(selected, teams, presenter),
        "chart": build_chart(matrix),
        "page": page,
        "page_links": page_links(request, page, "audit"),
        "lines": list(presenter.lines(page.object_list)),
        "selected_count": len(selected),
        "total_count": len(rows),
        "columns": _sort_columns(request, filters.sort),
        "export_query": query_with(request),
        "collected_at": min((a.collected_at for a in audits.values()), default=None),
        "cache_seconds": snapshots.CACHE_SECONDS,
    }


@login_required
@require_safe
def audit(request):
    workspace = request.workspace
    teams = workspace.teams
    if request.GET.get("wait"):  # without JavaScript: everything in this one request
        audits = snapshots.gather(workspace=workspace)
    else:
        audits = snapshots.cached(workspace=workspace)
        if request.method == "GET":  # for the page's one request (a HEAD makes none)
            missing = [team for team in teams if team.key not in audits]
            snapshots.read_ahead(workspace=workspace, teams=missing)
    directory = snapshots.creator_directory(workspace=workspace)
    complete = len(audits) == len(teams)
    context = {
        "sections": [_section(team, audits.get(team.key), directory) for team in teams],
        "complete": complete,
        "query": query_with(request),
        "is_staff": request.user.is_staff,
    }
    if complete:
        context.update(_combined_context(request, audits, directory))
    return render(request, "audit/page.html", context)


@login_required
@require_safe
def team_section(request, team_key: str):
    """One team's section on its own: its counts per kind and its creators (a fragment; the
    audit page gets every section at once from :func:`combined`)."""
    workspace = request.workspace
    team = snapshots.team_by_key(workspace, team_key)
    if team is None:
        raise Http404("Not one of your teams.")
    try:
        audit = snapshots.gather(workspace=workspace, teams=[team])[team.key]
    except UpstreamError as exc:  # rendered in the section, so htmx swaps it in
        section = TeamSection(team, None, error=exc)
    else:
        section = _section(team, audit, snapshots.creator_directory(workspace=workspace))
    context = {
        "section": section,
        "is_staff": request.user.is_staff,
    }
    return render(request, "audit/_team.html", context)


@login_required
@require_safe
def combined(request):
    """Every team's section and the matrix, chart, filters and combined table: the audit
    page's one request (an htmx fragment). The teams not yet collected are read in one wave."""
    workspace = request.workspace
    try:
        audits = snapshots.gather(workspace=workspace)
    except UpstreamError as exc:  # rendered with 200, so htmx swaps it in
        context = {
            "sections": [TeamSection(team, None, error=exc) for team in workspace.teams],
            "error": exc,
        }
        return render(request, "audit/_teams_and_combined.html", context)
    directory = snapshots.creator_directory(workspace=workspace)
    context = {
        "sections": [_section(team, audits[team.key], directory) for team in workspace.teams],
        "is_staff": request.user.is_staff,
        **_combined_context(request, audits, directory),
    }
    return render(request, "audit/_teams_and_combined.html", context)


@login_required
@require_POST
def refresh(request):
    """Forget the cached audit, so the page asks every team again."""
    snapshots.forget(workspace=request.workspace)
    query = QueryDict(request.POST.get("query", ""))
    return redirect(f"{reverse('audit')}?{query.urlencode()}".rstrip("?"))


def _export_lines(request):
    """(form, lines) for an export: every resource matching the filters, in the asked order."""
    audits = snapshots.gather(workspace=request.workspace)
    directory = snapshots.creator_directory(workspace=request.workspace)
    form, rows = _ownership_form(request, audits, directory)
    if not form.is_valid():
        return form, None, audits
    presenter = Presenter([a.team for a in audits.values()], directory)
    return form, presenter.lines(select(rows, form.filters(), presenter)), audits


@login_required
@require_safe
def export_csv(request):
    form, lines, _ = _export_lines(request)
    if lines is None:
        return invalid_filters(form)
    records = (line.values() for line in lines)
    return exports.csv_response(EXPORT_HEADER, records, "ownership")


@login_required
@require_safe
def export_json(request):
    form, lines, audits = _export_lines(request)
    if lines is None:
        return invalid_filters(form)
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
@require_safe
def export_people_csv(request):
    """People × teams, with the filters of the page: a row per person and team."""
    form, _, audits = _export_lines(request)
    if not form.is_valid():
        return invalid_filters(form)
    directory = snapshots.creator_directory(workspace=request.workspace)
    presenter = Presenter([a.team for a in audits.values()], directory)
    rows = select(snapshots.all_rows(audits), form.filters(), presenter)
    teams = [a.team for a in audits.values()]
    records = people_records(people_by_team(rows, teams, presenter), teams)
    return exports.csv_response(PEOPLE_EXPORT_HEADER, records, "people")


@login_required
@require_safe
def person(request, creator: str):
    """Everything one creator owns across the viewer's teams: kinds, counts, storage, the
    newest items (each opening in its team)."""
    workspace = request.workspace
    audits = snapshots.gather(workspace=workspace)
    directory = snapshots.creator_directory(workspace=workspace)
    page = person_page(audits, creator, Presenter(workspace.teams, directory))
    context = {
        "person": page,
        "collected_at": min((a.collected_at for a in audits.values()), default=None),
        "is_staff": request.user.is_staff,
        "page_title": page.creator.export_name,
    }
    return render(request, "ownership/person.html", context)
