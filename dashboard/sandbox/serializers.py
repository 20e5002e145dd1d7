"""Each kind as the wire shows it: the fields, types and enums the official SDK's models need.

Creators go out as the upstream sends them per kind: ``user_id`` as an int for deployments and
projects, as a string for agents, tools and data jobs, ``created_by`` (a string) on files; every
team resource also carries ``team_id``. Fine-tunes and vector databases get ``user_id`` and
``team_id`` as extra keys (the SDK keeps or drops them harmlessly).

Jobs are shown as they are *now* (``progress.py``), so each serializer takes ``now``: one
answer shows every item as of one moment.

A list hands a serializer each item's field values (and annotations) as attributes of a plain
namespace rather than a model instance (``Kind.list``): a serializer reads fields, and follows
a relation (``a.tools``) only for a kind that prefetches it (``Kind.related``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from dashboard.sandbox import progress
from dashboard.sandbox.models import (
    SandboxAgent,
    SandboxApp,
    SandboxAppJob,
    SandboxDataJob,
    SandboxDeployment,
    SandboxFile,
    SandboxFineTune,
    SandboxIngestionJob,
    SandboxMessage,
    SandboxProject,
    SandboxPythonFunction,
    SandboxRun,
    SandboxThread,
    SandboxTool,
    SandboxVectorDB,
    SandboxVectorDBFile,
)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def _owned(resource, *, user_id_as_int: bool = False) -> dict:
    """The ownership and time fields every team resource shares."""
    return {
        "user_id": resource.creator_id if user_id_as_int else str(resource.creator_id),
        "team_id": str(resource.team_id),
        "created_at": iso(resource.created_at),
        "updated_at": iso(resource.updated_at),
    }


def file(f: SandboxFile) -> dict:
    return {
        "id": f.pk,
        "object": "file",
        "filename": f.filename,
        "bytes": f.bytes,
        "purpose": f.purpose,
        "type": f.file_type,
        "created_at": iso(f.created_at),
        "created_by": str(f.creator_id),
        "team_id": str(f.team_id),
        "deleted": False,
    }


def fine_tune(ft: SandboxFineTune, now: datetime | None = None) -> dict:
    status = progress.fine_tune(ft, now).status
    return {
        **ft.extra,
        "id": ft.pk,
        "object": "fine-tune",
        "status": status,
        "model": ft.model,
        "experiment_name": ft.experiment_name,
        "accel_type": ft.accel_type,
        "n_accel": ft.n_accel,
        "completed_at": iso(progress.fine_tune_completed_at(ft, now)),
        "inference_available": bool(ft.extra.get("inference_available")) and status == "completed",
        **_owned(ft),
    }


EVENTS_BY_STATUS = {
    "pending": ("JOB_PENDING",),
    "queued": ("JOB_PENDING",),
    "running": ("JOB_PENDING", "JOB_START", "TRAINING_START", "EPOCH_COMPLETE"),
    "completed": (
        "JOB_PENDING",
        "JOB_START",
        "TRAINING_START",
        "EPOCH_COMPLETE",
        "EPOCH_COMPLETE",
        "TRAINING_COMPLETE",
        "MODEL_UPLOAD_COMPLETE",
        "JOB_COMPLETE",
    ),
    "failed": ("JOB_PENDING", "JOB_START", "TRAINING_START", "JOB_ERROR"),
    "cancelled": ("JOB_PENDING", "CANCEL_REQUESTED", "JOB_STOPPED"),
    "deleted": ("JOB_PENDING", "JOB_COMPLETE"),
}


def fine_tune_events(ft: SandboxFineTune, now: datetime | None = None) -> list[dict]:
    """The job's events so far: as it moved along its timeline, or (for a job set in a state)
    a plausible, deterministic history for its status."""
    timeline = progress.fine_tune_events(ft, now)
    if timeline is not None:
        return [{**event, "created_at": iso(event["created_at"])} for event in timeline]
    events, epoch = [], 0
    for step, event_type in enumerate(EVENTS_BY_STATUS.get(ft.status, ("JOB_PENDING",))):
        event = {
            "object": "fine-tune-event",
            "created_at": iso(ft.created_at + timedelta(minutes=10 * step)),
            "type": event_type,
            "level": "Error" if event_type == "JOB_ERROR" else "Info",
            "message": event_type.replace("_", " ").capitalize() + ".",
        }
        if event_type == "EPOCH_COMPLETE":
            epoch += 1
            event.update(epoch=float(epoch), loss=round(1.5 / (epoch + 1), 4))
        events.append(event)
    return events


def agent_tool(tool: SandboxTool) -> dict:
    """A tool as an agent lists it (the SDK's AgentToolResponse)."""
    return {
        "type": tool.type,
        "id": tool.pk,
        "name": tool.name,
        "description": tool.description,
        "config": tool.config,
    }


def tool(t: SandboxTool) -> dict:
    data = {**agent_tool(t), "version": t.version, **_owned(t)}
    if t.status:
        data["status"] = t.status
    return data


def agent(a: SandboxAgent, tools: Iterable[SandboxTool] | None = None) -> dict:
    """``tools``: the agent's tools when they are not (yet) saved, for a preview."""
    return {
        "reasoning_effort": "medium",
        **a.extra,
        "id": a.pk,
        "name": a.name,
        "instructions": a.instructions,
        "status": a.status,
        "model_id": a.model_id,
        "tools": [agent_tool(t) for t in (a.tools.all() if tools is None else tools)],
        "last_deployed_at": iso(a.updated_at) if a.status == "Active" else None,
        "active_duration": 0,
        **_owned(a),
    }


def deployment(d: SandboxDeployment, now: datetime | None = None) -> dict:
    state = progress.deployment(d, now)
    deployed = (state.since or d.updated_at) if state.status == "Active" else None
    return {
        **d.extra,
        "id": d.pk,
        "name": d.name,
        "description": d.description,
        "model_type": d.model_type,
        "model_id": d.model_id,
        "status": state.status,
        "n_instances": d.n_instances,
        "last_deployed_at": iso(deployed),
        **_owned(d, user_id_as_int=True),
    }


def vector_db(v: SandboxVectorDB) -> dict:
    """Expects the ``file_count`` and ``size_in_bytes`` annotations of the kind's queryset."""
    return {
        "id": v.pk,
        "object": "vector_database",
        "name": v.name,
        "model": v.model,
        "dimension": v.dimension,
        "description": v.description,
        "file_count": v.file_count,
        "size_in_bytes": v.size_in_bytes or 0,
        **_owned(v),
    }


def vector_db_file(vf: SandboxVectorDBFile) -> dict:
    """Served under the file's own id, so it links to the team file it came from."""
    return {
        "id": vf.file_id,
        "vector_database_id": vf.vector_db_id,
        "filename": vf.file.filename,
        "created_at": iso(vf.created_at),
        "status": vf.status,
        "error_message": vf.error_message,
        "metadata": {},
    }


def project(p: SandboxProject) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "description": p.description,
        "runs": p.runs,
        "runs_deployed": p.runs_deployed,
        "last_modified": iso(p.updated_at),
        **_owned(p, user_id_as_int=True),
    }


def ingestion_job(job: SandboxIngestionJob, now: datetime | None = None) -> dict:
    state = progress.ingestion(job, now)
    return {
        **job.extra,
        "id": job.pk,
        "object": "vector_database.ingestion_job",
        "vector_database_id": job.vector_db_id,
        "status": state.status,
        "file_ids": list(job.file_ids),
        "error_message": None,
        "metaflow_run_id": None,
        **_owned(job),
        "updated_at": iso(state.since or job.updated_at),
    }


def python_function(f: SandboxPythonFunction) -> dict:
    return {
        "id": f.pk,
        "object": "python_function",
        "version": f.version,
        "name": f.name,
        "description": f.description,
        "active": f.active,
        "code": f.code,
        **_owned(f),
    }


DATA_JOB_OWN_KEYS = ("started_at", "cancelled_at")  # kept in ``extra`` for the timeline only


def data_job(j: SandboxDataJob, now: datetime | None = None) -> dict:
    state = progress.data_job(j, now)
    shown = {key: value for key, value in j.extra.items() if key not in DATA_JOB_OWN_KEYS}
    return {
        "alignment_job_id": None,
        "system_prompt": None,
        "instructions": None,
        **shown,
        "id": j.pk,
        "name": j.name,
        "job_type": j.job_type,
        "status": state.status,
        "deleted": False,
        **_owned(j),
        "updated_at": iso(max(filter(None, (j.updated_at, state.since)))),
    }


def data_job_detail(j: SandboxDataJob, now: datetime | None = None) -> dict:
    """The detail model: the job, its files, its alignment job and what happened so far."""
    base = data_job(j, now)
    status = base["status"]
    files = [
        {
            "file_id": row.file_id,
            "record_id": f"rec-{row.pk}",
            "name": row.file.filename,
            "type": row.file.file_type,
            "created_at": iso(row.file.created_at),
            "status": "processing" if status == "file_processing" else "completed",
        }
        for row in j.files.select_related("file")
    ]
    started, cancelled = j.extra.get("started_at"), j.extra.get("cancelled_at")
    timeline = [_moment(iso(j.created_at), "CREATED", "The data job was created.")]
    if files:
        timeline.append(_moment(files[-1]["created_at"], "FILES_ADDED", "Files were added."))
    alignment = None
    if base["alignment_job_id"]:
        alignment = {
            "id": base["alignment_job_id"],
            "status": status,
            "created_at": started,
            "updated_at": base["updated_at"],
            "stopped_at": cancelled,
        }
        timeline.append(_moment(started, "STARTED", "Data generation started."))
        if status in ("running", "completed") and j.timeline_start is not None:
            _, running, done = progress.stage_starts(j.timeline_start, progress.RUN_STAGES)
            timeline.append(_moment(iso(running), "RUNNING", "Data generation is running."))
            if status == "completed":
                timeline.append(_moment(iso(done), "COMPLETED", "The data is ready."))
        if cancelled:
            timeline.append(_moment(cancelled, "CANCELLED", "The data job was cancelled."))
    return {
        **base,
        "additional_alignment_file_ids": [],
        "ingestion_jobs": [],
        "alignment_job": alignment,
        "files": files,
        "fine_tuning_job_ids": [],
        "timeline": timeline,
    }


def _moment(when: str | None, event_type: str, message: str) -> dict:
    return {"timestamp": when, "event_type": event_type, "message": message, "metadata": {}}


def thread(t: SandboxThread) -> dict:
    return {
        "id": t.pk,
        "object": "thread",
        "created_at": iso(t.created_at),
        "status": t.status,
        "active_run_id": t.active_run_id,
        "meta_data": t.meta_data,
    }


def message(m: SandboxMessage) -> dict:
    return {
        "id": m.pk,
        "object": "thread.message",
        "thread_id": m.thread_id,
        "role": m.role,
        "content": m.content,
        "agent_id": m.agent_id,
        "run_id": m.run_id,
        "meta_data": m.meta_data,
        "created_at": iso(m.created_at),
    }


def run(r: SandboxRun) -> dict:
    return {
        "id": r.pk,
        "object": "thread.run",
        "created_at": iso(r.created_at),
        "agent_id": r.agent_id,
        "thread_id": r.thread_id,
        "status": r.status,
        "is_active": r.status in (SandboxRun.Status.QUEUED, SandboxRun.Status.RUNNING),
        "started_at": iso(r.started_at),
        "completed_at": iso(r.completed_at),
        "cancelled_at": iso(r.cancelled_at),
        "failed_at": iso(r.failed_at),
        "model": r.model,
        "temperature": r.temperature,
        "top_p": r.top_p,
        "tools": [],
        "meta_data": r.meta_data,
        "usage": r.usage,
        "response_format": "auto",
        "tool_choice": "auto",
        "parallel_tool_calls": False,
    }


# --- RunGen.AI's dialect --------------------------------------------------------------------
def _rungen_owned(resource: SandboxApp | SandboxAppJob) -> dict:
    """RunGen's ownership fields: no team in a personal area; the user's id as a string."""
    personal = resource.team.personal_of_id is not None
    return {
        "owner_team_id": None if personal else str(resource.team_id),
        "owner_user_id": str(resource.creator_id),
        "created_by": str(resource.creator_id),
    }


def app(a: SandboxApp) -> dict:
    return {
        "id": str(a.pk),
        "name": a.name,
        "description": a.description,
        "configuration": a.configuration,
        "workflow": a.workflow,
        "active_workers": a.active_workers,
        "status": "RUNNING" if a.running else "STOPPED",
        **_rungen_owned(a),
        "created_at": iso(a.created_at),
        "updated_at": iso(a.updated_at),
    }


def app_job(job: SandboxAppJob, now: datetime | None = None) -> dict:
    state = progress.app_job(job, now)
    return {
        "id": str(job.pk),
        "app_id": str(job.app_id),
        "status": state.status,
        "input": job.input,
        "output": job.output if state.status == SandboxAppJob.Status.COMPLETED else None,
        "created_at": iso(job.created_at),
        "started_at": iso(state.started_at),
        "completed_at": iso(state.completed_at),
        **_rungen_owned(job),
    }
