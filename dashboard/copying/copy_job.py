"""The copy job: the plan's nodes as the job's steps, done one after another by the worker with
the key of the person who started it (see ``jobs.runner``)."""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import urlencode

from django.urls import reverse

from dashboard.accounts.services import client_for_key
from dashboard.copying.plan import Node, Plan
from dashboard.copying.services import CopyContext, copy_node
from dashboard.jobs import services as jobs
from dashboard.jobs.runner import JobError, JobRun
from dashboard.teams.workspace import PERSONAL, Team

KIND = "copy"
LABEL = "Copy to another team"


def start_copy(*, user, api_key, source_team: Team, target_team: Team, plan: Plan, title: str = ""):
    """Start copying ``plan`` (as mapped) from one team into another, as a background job."""
    what = f"“{plan.name}”" if plan.source_id else plan.name
    positions = {node.key: position for position, node in enumerate(plan.nodes, start=1)}
    steps = [
        jobs.StepPlan(
            label=node.label,
            kind=node.kind,
            source_id=node.source_id,
            action=node.action,
            depends_on=[positions[key] for key in node.depends_on if key in positions],
            bytes_total=node.bytes if node.action == "copy" else None,
        )
        for node in plan.nodes
    ]
    return jobs.start_job(
        user=user,
        kind=KIND,
        title=title or f"{what} from {source_team.label} to {target_team.label}",
        api_key=api_key,
        source_team=source_team,
        target_team=target_team,
        params={
            "kind": plan.kind,
            "source_id": plan.source_id,
            "nodes": _nodes(plan),
            "follow_up": plan.follow_up,
            "missing": sorted(plan.missing),
        },
        steps=steps,
    )


def _nodes(plan: Plan) -> list[dict]:
    return [{**asdict(node), "depends_on": list(node.depends_on)} for node in plan.nodes]


def _team(key: str, label: str) -> Team:
    return Team(None if key == PERSONAL else key, label)


def run_copy(run: JobRun) -> None:
    job = run.job
    if job.api_key is None:
        raise JobError(
            "The API key this copy acted with has been removed, so it cannot go on. Start it "
            "again with another key."
        )
    nodes = [Node(**{**n, "depends_on": tuple(n["depends_on"])}) for n in run.params["nodes"]]
    source_team = _team(job.source_team, job.source_team_label)
    target_team = _team(job.target_team, job.target_team_label)
    context = CopyContext(
        user=job.user,
        source=client_for_key(job.api_key, source_team.id),
        target=client_for_key(job.api_key, target_team.id),
        source_team=source_team,
        target_team=target_team,
        job_id=job.pk,
        missing=frozenset(run.params.get("missing", ())),
    )
    ids = {}
    for step in run.steps:  # what the steps done before (this run or an earlier one) made
        made = (step.result or {}).get("id") if step.status == "done" else None
        if isinstance(made, str) and made:
            ids[nodes[step.position - 1].key] = made
    for step in run.pending():
        run.check()
        if run.blocked(step):
            step.skip("Not done: a step it needs did not succeed.")
            continue
        node = nodes[step.position - 1]
        with run.step(step.position, stop_on_failure=False) as current:

            def progress(done: int, total: int, current=current) -> None:
                run.check()  # a cancelled copy stops mid-file; the target keeps nothing of it
                current.progress(done, total)

            made = copy_node(context=context, node=node, ids=ids, progress=progress)
            ids[node.key] = made["id"]
            current.done(result=made)
    follow_up = run.params.get("follow_up")
    if follow_up and all(step.status == "done" for step in run.steps):
        run.offer_next(url=_follow_up_url(job, follow_up, ids), label=follow_up["label"])


def _follow_up_url(job, follow_up: dict, ids: dict[str, str]) -> str:
    """What the copy was for, opened filled in with the copies: a new fine-tune in the target
    team with the copied training files and the original's settings."""
    query = list(follow_up.get("values", {}).items())
    for name, keys in follow_up.get("files", {}).items():
        query += [(name, ids[key]) for key in keys if key in ids]
    url = reverse("resource-new", args=[job.target_team, follow_up["kind"]])
    return f"{url}?{urlencode(query)}"
