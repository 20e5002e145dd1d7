"""Search across all of a person's teams: resources by name or ID in the personal workspace and
every saved team, grouped by team, read from the audit's snapshot (so asked of the upstream at
most once a minute, every team at once)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from dashboard.ownership import snapshots
from dashboard.ownership.collect import AuditRow, Failure, TeamAudit
from dashboard.ownership.presentation import Presenter, ResourceLine
from dashboard.teams.workspace import Team


@dataclass(frozen=True)
class SearchGroup:
    """One team's matches, or why the team could not be searched (whole or in part)."""

    team: Team
    lines: list[ResourceLine]
    failures: dict[str, Failure]
    searched_kinds: int

    @property
    def unreadable(self) -> bool:
        return not self.searched_kinds

    @property
    def first_failure(self) -> Failure | None:
        return next(iter(self.failures.values()), None)


def holds(row: AuditRow, needle: str) -> bool:
    return needle in row.name.casefold() or needle in row.resource_id.casefold()


def search_groups(
    audits: dict[str, TeamAudit], query: str, presenter: Presenter
) -> list[SearchGroup]:
    """Each team's resources whose name or ID holds ``query`` (any case), newest first."""
    needle = query.casefold()
    groups = []
    for audit in audits.values():
        found = [row for row in audit.rows if holds(row, needle)]
        found.sort(key=lambda row: row.created.timestamp() if row.created else 0, reverse=True)
        groups.append(
            SearchGroup(audit.team, list(presenter.lines(found)), audit.failures, len(audit.counts))
        )
    return groups


@login_required
@require_safe
def search(request):
    """Resources by name or ID in every saved team and the personal workspace, grouped by team;
    a team that could not be read is shown as such."""
    query = (request.GET.get("q") or "").strip()[:200]
    context = {"query": query, "page_title": f"Search: {query}" if query else "Search"}
    if query:
        workspace = request.workspace
        audits = snapshots.gather(workspace=workspace)
        presenter = Presenter(workspace.teams, snapshots.creator_directory(workspace=workspace))
        context["groups"] = search_groups(audits, query, presenter)
        context["nowhere"] = [g for g in context["groups"] if not g.lines and not g.failures]
        context["collected_at"] = min((a.collected_at for a in audits.values()), default=None)
        context["found"] = sum(len(group.lines) for group in context["groups"])
    return render(request, "ownership/search.html", context)
