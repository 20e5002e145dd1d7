"""Handing over what one person owns: everything they created across the viewer's teams, as the
ownership audit read it, to delete (after seeing what depends on each) or to copy into a team
of the viewer's choosing, recreated with the viewer's key so that the viewer becomes its
creator. Each team involved is one background job, with a plan like any copy's."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from dashboard.copying import copy_job, selectors
from dashboard.copying.bulk import start_delete
from dashboard.copying.impact import Impact, impact_of
from dashboard.copying.views import fingerprint
from dashboard.ownership import snapshots
from dashboard.ownership.collect import AuditRow
from dashboard.ownership.presentation import Presenter
from dashboard.teams.workspace import Team
from dashboard.upstream import catalog
from dashboard.upstream.errors import UpstreamError
from dashboard.upstream.fanout import fan_out

SEPARATOR = "|"  # between a team's key, a kind and an id in the form's item values


def item_value(row: AuditRow) -> str:
    return SEPARATOR.join((row.team_key, row.kind, row.resource_id))


@dataclass
class TeamPart:
    """What is handed over from one team: its rows, and (once asked) its plan or impact."""

    team: Team
    rows: list[AuditRow]
    options: selectors.CopyOptions | None = None
    impact: Impact | None = None
    error: UpstreamError | None = None

    @property
    def wanted(self) -> list[tuple[str, str]]:
        return [(row.kind, row.resource_id) for row in self.rows]

    @property
    def lines(self):
        """Per row: the row, its kind, and how the form names it."""
        return [(row, catalog.get(row.kind), item_value(row)) for row in self.rows]

    @property
    def map_prefix(self) -> str:
        return _map_name(self.team, "")

    @property
    def plan_rows(self):
        options = self.options
        return [(node, options.choices.get(node.key)) for node in options.plan.nodes]

    @property
    def impact_rows(self):
        uses = self.impact.uses if self.impact else {}
        return [(row, catalog.get(row.kind), uses.get(row.resource_id, [])) for row in self.rows]


def owned(workspace, creator: str) -> tuple[list[TeamPart], dict]:
    """Per team (in the workspace's order), the rows ``creator`` owns; and the audits read."""
    audits = snapshots.gather(workspace=workspace)
    parts = []
    for audit in audits.values():
        rows = [row for row in audit.rows if row.creator_id == creator]
        if rows:
            parts.append(TeamPart(audit.team, sorted(rows, key=lambda r: (r.kind, r.name))))
    return parts, audits


def unread(audits: dict) -> list[tuple[Team, list[str]]]:
    """Per team, the kinds that could not be read: what the person owns there is not known."""
    return [
        (audit.team, sorted(catalog.get(slug).label.lower() for slug in audit.failures))
        for audit in audits.values()
        if audit.failures
    ]


def chosen(parts: list[TeamPart], values: list[str]) -> list[TeamPart]:
    """The parts cut down to the rows the form ticked; anything else it names is ignored."""
    wanted = set(values)
    kept = [
        TeamPart(part.team, [row for row in part.rows if item_value(row) in wanted])
        for part in parts
    ]
    return [part for part in kept if part.rows]


def _map_name(team: Team, node_key: str) -> str:
    return f"map:{team.key}{SEPARATOR}{node_key}"


def _mapping(data, team: Team) -> dict[str, str] | None:
    if "planned" not in data:
        return None
    prefix = _map_name(team, "")
    return {
        key.removeprefix(prefix): value
        for key, value in data.items()
        if key.startswith(prefix) and value
    }


def _fingerprint(parts: list[TeamPart], target: Team) -> str:
    joined = "|".join(f"{part.team.key}>{fingerprint(part.options.plan, target)}" for part in parts)
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def handover(request, creator: str):
    workspace = request.workspace
    directory = snapshots.creator_directory(workspace=workspace)
    presenter = Presenter(workspace.teams, directory)
    person = presenter.creator(creator)
    parts, audits = owned(workspace, creator)
    context = {
        "person": person,
        "parts": parts,
        "total": sum(len(part.rows) for part in parts),
        "teams": workspace.teams,
        "collected_at": min((a.collected_at for a in audits.values()), default=None),
        "unread": unread(audits),
        "page_title": f"Hand over what {person.export_name} owns",
    }
    data = request.POST
    action = data.get("do") if request.method == "POST" else None
    if action is None:
        return render(request, "copying/handover.html", context)
    picked = chosen(parts, data.getlist("item"))
    context.update(
        picked=picked, items=[item_value(r) for p in picked for r in p.rows], posted=True
    )
    if not picked:
        context["problem"] = "Nothing was ticked: tick what to hand over, then choose again."
        return render(request, "copying/handover.html", context, status=400)
    if action in ("delete", "confirm-delete"):
        return _delete(request, context, picked, confirmed=action == "confirm-delete")
    if action == "copy":
        return _copy(request, context, picked)
    context["problem"] = "That is not something a handover can do."
    return render(request, "copying/handover.html", context, status=400)


def _delete(request, context: dict, picked: list[TeamPart], *, confirmed: bool):
    workspace = request.workspace
    person = context["person"]
    kept = [
        (part.team, row)
        for part in picked
        for row in part.rows
        if not catalog.get(row.kind).deletable
    ]
    picked = [
        TeamPart(part.team, [row for row in part.rows if catalog.get(row.kind).deletable])
        for part in picked
    ]
    picked = [part for part in picked if part.rows]
    context.update(
        picked=picked,
        kept=kept,
        undeletable=_undeletable(),
        items=[item_value(r) for p in picked for r in p.rows],
    )
    if not picked:
        context["problem"] = (
            f"None of what was ticked can be deleted: the upstream offers no way to delete "
            f"{_undeletable()}."
        )
        return render(request, "copying/handover.html", context, status=400)
    if confirmed:
        for part in picked:
            start_delete(
                user=request.user,
                api_key=workspace.key,
                team=part.team,
                targets=[(catalog.get(r.kind), r.resource_id, r.name) for r in part.rows],
                title=f"Delete {len(part.rows)} of {person.export_name}'s resources in "
                f"{part.team.label}",
            )
        messages.success(request, _started("Deleting", picked))
        return redirect("jobs")
    for part in picked:
        part.impact = Impact()
    checks = {}  # every team's kinds, side by side
    for index, part in enumerate(picked):
        per_kind = defaultdict(list)
        for row in part.rows:
            per_kind[row.kind].append(row.resource_id)
        try:
            client = workspace.client_in(part.team)
        except UpstreamError as error:
            part.error = error
            continue
        for slug, ids in per_kind.items():
            checks[(index, slug)] = partial(impact_of, client, slug, ids)
    for (index, _), outcome in fan_out(checks).items():
        part = picked[index]
        if not outcome.ok:
            part.error = outcome.error
            continue
        for resource_id, uses in outcome.value.uses.items():
            part.impact.uses.setdefault(resource_id, []).extend(uses)
        part.impact.unknown += outcome.value.unknown
    context["depended_on"] = sum(1 for part in picked for _, _, uses in part.impact_rows if uses)
    count = len(context["items"])
    context["page_title"] = f"Delete {count} of {person.export_name}'s resources?"
    return render(request, "copying/handover_delete.html", context)


def _copy(request, context: dict, picked: list[TeamPart]):
    workspace = request.workspace
    data = request.POST
    person = context["person"]
    wanted_team = (data.get("to") or "").strip()
    target = workspace.find(wanted_team) if wanted_team else None
    if target is None:
        context["problem"] = "Pick one of your teams to copy into."
        return render(request, "copying/handover.html", context, status=400)
    plans = {}  # every source team's plan, side by side
    for index, part in enumerate(picked):
        try:
            source, into = workspace.client_in(part.team), workspace.client_in(target)
        except UpstreamError as error:
            part.error = error
            continue
        plans[index] = partial(
            selectors.copy_options,
            source=source,
            target=into,
            wanted=part.wanted,
            mapping=_mapping(data, part.team),
            names={f"{row.kind}:{row.resource_id}": row.name for row in part.rows},
        )
    for index, outcome in fan_out(plans).items():
        if outcome.ok:
            picked[index].options = outcome.value
        else:
            picked[index].error = outcome.error
    readable = [part for part in picked if part.options is not None]
    shown = _fingerprint(readable, target)
    status = 200
    doing = [part for part in readable if part.options.plan.nodes]
    if "start" in data and not doing:
        status = 400
        context["problem"] = "Nothing of what was ticked can be copied: see why below."
    elif "start" in data and data.get("plan") == shown:
        for part in doing:
            copy_job.start_copy(
                user=request.user,
                api_key=workspace.key,
                source_team=part.team,
                target_team=target,
                plan=part.options.plan,
                title=f"Hand over {len(part.rows)} of {person.export_name}'s resources "
                f"from {part.team.label} to {target.label}",
            )
        messages.success(request, _started(f"Copying into {target.label}", doing))
        return redirect("jobs")
    elif "start" in data:
        status = 409
        context["problem"] = (
            "The plan changed since it was shown (in a team, or in what you picked): check it "
            "again, then start."
        )
    context.update(
        target=target,
        fingerprint=shown,
        nodes=sum(len(part.options.plan.nodes) for part in doing),
        bytes=sum(part.options.plan.bytes for part in readable),
        page_title=f"Copy {len(context['items'])} of {person.export_name}'s resources to "
        f"{target.label}",
    )
    return render(request, "copying/handover_copy.html", context, status=status)


def _undeletable() -> str:
    return ", ".join(kind.label.lower() for kind in catalog.team_kinds() if not kind.deletable)


def _started(what: str, parts: list[TeamPart]) -> str:
    if len(parts) == 1:
        return f"{what} has started, as one job."
    return f"{what} has started, as {len(parts)} jobs: one for each team."
