"""Each kind as the wire shows it: the fields, types and enums the official SDK's models need.

Creators go out as the upstream sends them per kind: ``user_id`` as an int for deployments and
projects, as a string for agents, tools and data jobs, ``created_by`` (a string) on files; every
team resource also carries ``team_id``. Fine-tunes and vector databases get ``user_id`` and
``team_id`` as extra keys (the SDK keeps or drops them harmlessly).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dashboard.sandbox.models import (
    SandboxAgent,
    SandboxDataJob,
    SandboxDeployment,
    SandboxFile,
    SandboxFineTune,
    SandboxMessage,
    SandboxProject,
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


def fine_tune(ft: SandboxFineTune) -> dict:
    return {
        **ft.extra,
        "id": ft.pk,
        "object": "fine-tune",
        "status": ft.status,
        "model": ft.model,
        "experiment_name": ft.experiment_name,
        "accel_type": ft.accel_type,
        "n_accel": ft.n_accel,
        "completed_at": iso(ft.completed_at),
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


def fine_tune_events(ft: SandboxFineTune) -> list[dict]:
    """A plausible, deterministic event history for the job's status."""
    events, epoch = [], 0
    for step, event_type in enumerate(EVENTS_BY_STATUS[ft.status]):
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


def agent(a: SandboxAgent) -> dict:
    return {
        "reasoning_effort": "medium",
        **a.extra,
        "id": a.pk,
        "name": a.name,
        "instructions": a.instructions,
        "status": a.status,
        "model_id": a.model_id,
        "tools": [agent_tool(t) for t in a.tools.all()],
        "last_deployed_at": iso(a.updated_at) if a.status == "Active" else None,
        "active_duration": 0,
        **_owned(a),
    }


def deployment(d: SandboxDeployment) -> dict:
    return {
        **d.extra,
        "id": d.pk,
        "name": d.name,
        "description": d.description,
        "model_type": d.model_type,
        "model_id": d.model_id,
        "status": d.status,
        "n_instances": d.n_instances,
        "last_deployed_at": iso(d.updated_at) if d.status == "Active" else None,
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


def data_job(j: SandboxDataJob) -> dict:
    return {
        **j.extra,
        "id": j.pk,
        "name": j.name,
        "job_type": j.job_type,
        "status": j.status,
        "alignment_job_id": None,
        "deleted": False,
        **_owned(j),
    }


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
