"""What the API does to existing team resources beyond reading and deleting them: cancel,
promote and demote jobs and deployments, update (or preview updating) agents and tools,
duplicate tools, replace a function's code, move files in and out of vector databases and data
jobs, start and cancel data jobs.

Each refuses what the upstream refuses, with the same status: 409 for a state that forbids the
change. What a request *names* has been checked by its view (422); these only change state.
Jobs are judged by their status now (``progress.py``), not the status stored.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from dashboard.sandbox import errors, progress
from dashboard.sandbox.enums import FINE_TUNE_ACTIVE
from dashboard.sandbox.factories import iso_or_none
from dashboard.sandbox.models import (
    SandboxAgent,
    SandboxDataJob,
    SandboxDataJobFile,
    SandboxDeployment,
    SandboxFile,
    SandboxFineTune,
    SandboxPythonFunction,
    SandboxTeam,
    SandboxTool,
    SandboxVectorDB,
    prefixed_id,
)

AGENT_UPDATABLE = ("name", "instructions", "model_id")
AGENT_EXTRA_UPDATABLE = (
    "planner_model_id",
    "tool_model_id",
    "reasoning_effort",
    "temperature",
    "output",
)
BOOKKEEPING = frozenset({"updated_at", "version", "last_deployed_at"})


def diff(before: dict, after: dict) -> dict[str, dict[str, Any]]:
    """``{field: {"before": …, "after": …}}`` for each field a change would alter."""
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in dict.fromkeys([*before, *after])
        if name not in BOOKKEEPING and before.get(name) != after.get(name)
    }


# --- Fine-tunes ---------------------------------------------------------------------------
def cancel_fine_tune(fine_tune: SandboxFineTune) -> SandboxFineTune:
    status = progress.fine_tune(fine_tune).status
    if status not in FINE_TUNE_ACTIVE:
        raise errors.Conflict(
            f"Fine-tuning job {fine_tune.pk} is {status} and cannot be cancelled."
        )
    now = timezone.now()
    fine_tune.status = "cancelled"
    fine_tune.completed_at = now
    fine_tune.updated_at = now
    fine_tune.save(update_fields=["status", "completed_at", "updated_at"])
    return fine_tune


def set_fine_tune_served(fine_tune: SandboxFineTune, served: bool) -> SandboxFineTune:
    """Promote (serve for inference) or demote a completed fine-tune's model. Idempotent."""
    status = progress.fine_tune(fine_tune).status
    if status != "completed":
        verb = "promoted" if served else "demoted"
        raise errors.Conflict(
            f"Fine-tuning job {fine_tune.pk} is {status}; only a completed job's model can be "
            f"{verb}."
        )
    fine_tune.extra["inference_available"] = served
    fine_tune.updated_at = timezone.now()
    fine_tune.save(update_fields=["extra", "updated_at"])
    return fine_tune


# --- Deployments --------------------------------------------------------------------------
def promote_deployment(deployment: SandboxDeployment) -> SandboxDeployment:
    """Deploy again (Pending, then Active by itself); a deployment already up stays as it is."""
    if progress.deployment(deployment).status in ("Pending", "Active"):
        return deployment
    now = timezone.now()
    deployment.status, deployment.timeline_start, deployment.updated_at = "Pending", now, now
    deployment.save(update_fields=["status", "timeline_start", "updated_at"])
    return deployment


def demote_deployment(deployment: SandboxDeployment) -> SandboxDeployment:
    """Take the deployment down (Inactive). Idempotent."""
    if progress.deployment(deployment).status == "Inactive":
        return deployment
    deployment.status, deployment.timeline_start = "Inactive", None
    deployment.updated_at = timezone.now()
    deployment.save(update_fields=["status", "timeline_start", "updated_at"])
    return deployment


# --- Agents -------------------------------------------------------------------------------
def team_tools(team: SandboxTeam, tool_ids: Iterable[str]) -> list[SandboxTool]:
    """The team's tools with these ids, in the order named (ids checked by the caller)."""
    tool_ids = list(dict.fromkeys(tool_ids))
    found = {tool.pk: tool for tool in SandboxTool.objects.filter(team=team, pk__in=tool_ids)}
    return [found[tool_id] for tool_id in tool_ids if tool_id in found]


def apply_agent_changes(agent: SandboxAgent, changes: dict[str, Any]) -> list[SandboxTool] | None:
    """Set the fields a PATCH names on ``agent`` without saving; returns its new tools (None
    when unchanged)."""
    for name in AGENT_UPDATABLE:
        if changes.get(name) is not None:
            setattr(agent, name, changes[name])
    agent.extra = copy.deepcopy(agent.extra)
    for name in AGENT_EXTRA_UPDATABLE:
        if name in changes:
            agent.extra[name] = changes[name]
    agent.updated_at = timezone.now()
    if changes.get("tool_ids") is not None:
        return team_tools(agent.team, changes["tool_ids"])
    return None


def update_agent(agent: SandboxAgent, changes: dict[str, Any]) -> SandboxAgent:
    tools = apply_agent_changes(agent, changes)
    with transaction.atomic():
        agent.save()
        if tools is not None:
            agent.tools.set(tools)
    return agent


def set_agent_status(agent: SandboxAgent, status: str) -> SandboxAgent:
    """Promote (Active) or demote (Inactive) an agent. Idempotent."""
    if agent.status != status:
        agent.status = status
        agent.updated_at = timezone.now()
        agent.save(update_fields=["status", "updated_at"])
    return agent


# --- Tools --------------------------------------------------------------------------------
def apply_tool_changes(tool: SandboxTool, changes: dict[str, Any]) -> SandboxTool:
    """Set a PATCH's fields on ``tool`` without saving: name, description, and the config keys
    it names (merged into the config); the version moves on."""
    for name in ("name", "description"):
        if changes.get(name) is not None:
            setattr(tool, name, changes[name])
    tool.config = {**tool.config, **changes.get("config", {})}
    if changes.get("secrets") is not None:
        tool.extra = {**tool.extra, "secrets": changes["secrets"]}
    tool.version += 1
    tool.updated_at = timezone.now()
    return tool


def duplicate_tool(tool: SandboxTool, user, name: str | None) -> SandboxTool:
    now = timezone.now()
    return SandboxTool.objects.create(
        id=prefixed_id("tool"),
        team=tool.team,
        creator=user,
        created_at=now,
        updated_at=now,
        name=name or f"{tool.name}_copy",
        type=tool.type,
        description=tool.description,
        config=copy.deepcopy(tool.config),
        status=tool.status,
        version=1,
        extra=copy.deepcopy(tool.extra),
    )


def delete_tool(tool: SandboxTool) -> None:
    """Tools an active agent uses stay: the upstream refuses to pull them from under it."""
    users = list(tool.agents.filter(status="Active").values_list("name", flat=True))
    if users:
        raise errors.Conflict(f"Tool {tool.pk} is used by active agents: {', '.join(users)}.")
    tool.delete()


# --- Python functions ---------------------------------------------------------------------
def replace_code(function: SandboxPythonFunction, name: str, code: str, description: str):
    function.name, function.code, function.description = name, code, description
    function.version += 1
    function.updated_at = timezone.now()
    function.save()
    return function


# --- Vector databases ---------------------------------------------------------------------
def remove_vector_db_file(vector_db: SandboxVectorDB, file_id: str) -> None:
    progress.settle_ingestions(vector_db.team, vector_db.pk)
    removed, _ = vector_db.files.filter(file_id=file_id).delete()
    if not removed:
        raise errors.not_found(f"File {file_id} in vector database {vector_db.pk}")
    vector_db.updated_at = timezone.now()
    vector_db.save(update_fields=["updated_at"])


# --- Data jobs ----------------------------------------------------------------------------
def _require_not_started(job: SandboxDataJob, doing: str) -> None:
    status = progress.data_job(job).status
    if status not in progress.PRE_START:
        raise errors.Conflict(f"Data job {job.pk} is {status}; its {doing} can no longer change.")


def _waiting_status(job: SandboxDataJob) -> str:
    """What a job not yet started waits for, once nothing is being processed."""
    if job.job_type == "context_grounded_vector_db" and job.extra.get("vector_database_id"):
        return "ready_to_start"
    return "ready_to_start" if job.files.exists() else "needs_review"


def _touch(job: SandboxDataJob, *, status: str | None = None, start=False) -> None:
    now = timezone.now()
    if status is not None:
        job.status = status
        job.timeline_start = now if start else None
    job.updated_at = now
    job.save()


@transaction.atomic
def add_data_job_files(job: SandboxDataJob, files: list[SandboxFile], method: str) -> None:
    """The files join the job and are processed (file_processing, then ready_to_start)."""
    _require_not_started(job, "files")
    for file in files:
        SandboxDataJobFile.objects.get_or_create(
            data_job=job, file=file, defaults={"method": method}
        )
    _touch(job, status="file_processing", start=True)


@transaction.atomic
def remove_data_job_files(job: SandboxDataJob, file_ids: list[str]) -> None:
    _require_not_started(job, "files")
    job.files.filter(file_id__in=file_ids).delete()
    processing = progress.data_job(job).status == "file_processing"
    _touch(job, status=None if processing and job.files.exists() else _waiting_status(job))


def update_data_job(job: SandboxDataJob, changes: dict[str, Any]) -> None:
    """Rename at any time; the prompt, instructions and vector database only before it starts."""
    if set(changes) - {"name"}:
        _require_not_started(job, "settings")
    now = iso_or_none(timezone.now())
    if changes.get("name") is not None:
        job.name = changes["name"]
    for key in ("system_prompt", "instructions"):
        if key in changes:
            job.extra[key] = changes[key]
            job.extra[f"{key}_updated_at"] = now
    waiting = None
    if "vector_database_id" in changes:
        job.extra["vector_database_id"] = changes["vector_database_id"]
        if progress.data_job(job).status != "file_processing":
            waiting = _waiting_status(job)
    _touch(job, status=waiting)


def start_data_job(job: SandboxDataJob) -> None:
    status = progress.data_job(job).status
    if status != "ready_to_start":
        raise errors.Conflict(f"Data job {job.pk} is {status}, not ready_to_start.")
    job.extra["alignment_job_id"] = prefixed_id("align")
    job.extra["started_at"] = iso_or_none(timezone.now())
    _touch(job, status="queued", start=True)


def cancel_data_job(job: SandboxDataJob) -> None:
    status = progress.data_job(job).status
    if status not in progress.RUNNING:
        raise errors.Conflict(f"Data job {job.pk} is {status} and cannot be cancelled.")
    job.extra["cancelled_at"] = iso_or_none(timezone.now())
    job.status = "cancelled"  # keeps its timeline start: the alignment job's history
    job.updated_at = timezone.now()
    job.save()
