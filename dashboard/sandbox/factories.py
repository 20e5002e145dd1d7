"""Create a resource of each team kind, in a team, by a user: for the API, the seed and tests.

Every value an enum field takes is checked (400 otherwise), and fields the sandbox never
queries go into ``extra`` with the defaults the upstream would give them. ``created_at`` places
a resource in the past; it defaults to now.

A job is created in the state asked for, where it stays; with ``live=True`` it starts a
timeline instead and moves on by itself (``progress.py``), as the jobs the API creates do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils import timezone

from dashboard.sandbox.enums import (
    ACCEL_TYPES,
    AGENT_STATUSES,
    DATA_JOB_STATUSES,
    DATA_JOB_TYPES,
    DEPLOYMENT_STATUSES,
    DEPLOYMENT_TYPES,
    FINE_TUNE_STATUSES,
    TOOL_STATUSES,
    TOOL_TYPES,
    check_choice,
)
from dashboard.sandbox.model_catalog import DEFAULT_EMBEDDING_MODEL, DEFAULT_MODEL
from dashboard.sandbox.models import (
    SandboxAgent,
    SandboxApp,
    SandboxAppJob,
    SandboxDataJob,
    SandboxDeployment,
    SandboxFile,
    SandboxFineTune,
    SandboxIngestionJob,
    SandboxProject,
    SandboxPythonFunction,
    SandboxTeam,
    SandboxTool,
    SandboxUser,
    SandboxVectorDB,
    SandboxVectorDBFile,
    prefixed_id,
)
from dashboard.sandbox.python_code import describe
from dashboard.sandbox.storage import new_file

__all__ = ["DEFAULT_MODEL", "DEFAULT_EMBEDDING_MODEL"]  # and the create_* functions


def _create(model_class, prefix: str | None, team, user, created_at: datetime | None, /, **fields):
    when = created_at or timezone.now()
    if prefix:
        fields["id"] = prefixed_id(prefix)
    return model_class.objects.create(
        team=team, creator=user, created_at=when, updated_at=when, **fields
    )


def create_file(
    team: SandboxTeam,
    user: SandboxUser,
    *,
    filename: str = "train.jsonl",
    purpose: str = "fine-tune",
    content: bytes = b'{"prompt": "Hello", "completion": "Hi!"}\n',
    created_at: datetime | None = None,
) -> SandboxFile:
    file = new_file(team, user, filename, purpose, lambda dest: dest.write_bytes(content))
    if created_at is not None:
        SandboxFile.objects.filter(pk=file.pk).update(created_at=created_at, updated_at=created_at)
        file.refresh_from_db()
    return file


def create_fine_tune(
    team: SandboxTeam,
    user: SandboxUser,
    *,
    status: str = "completed",
    model: str = DEFAULT_MODEL,
    experiment_name: str = "experiment",
    accel_type: str = "H100",
    n_accel: int = 8,
    training_files: Iterable[str] = (),
    project_id: int | None = None,
    n_epochs: int = 3,
    options: dict | None = None,
    live: bool = False,
    created_at: datetime | None = None,
) -> SandboxFineTune:
    """``options``: the job's other training and infrastructure fields (validation_files,
    batch_size, lora_config, n_node…), over the defaults. ``live``: pending, then on by itself."""
    status = "pending" if live else status
    check_choice(status, FINE_TUNE_STATUSES, "fine-tune status")
    check_choice(accel_type, ACCEL_TYPES, "accelerator type")
    when = created_at or timezone.now()
    finished = status in ("completed", "failed", "cancelled")
    return _create(
        SandboxFineTune,
        "ft",
        team,
        user,
        when,
        status=status,
        model=model,
        experiment_name=experiment_name,
        accel_type=accel_type,
        n_accel=n_accel,
        completed_at=when + timedelta(hours=2) if finished else None,
        timeline_start=when if live else None,
        extra={
            "training_files": list(training_files),
            "validation_files": [],
            "n_epochs": n_epochs,
            "n_node": 1,
            "batch_size": 16,
            "learning_rate": 1e-5,
            "project_id": project_id,
            "fine_tune_type": "STANDARD",
            "inference_available": status == "completed",
            **(options or {}),
        },
    )


def create_tool(
    team: SandboxTeam,
    user: SandboxUser,
    *,
    name: str,
    type: str = "web_search",  # the wire's own field name
    description: str | None = None,
    config: dict | None = None,
    status: str = "",
    secrets: dict | None = None,
    created_at: datetime | None = None,
) -> SandboxTool:
    """``secrets``: what the tool keeps but never shows (an MCP connector's OAuth client)."""
    check_choice(type, TOOL_TYPES, "tool type")
    if status:
        check_choice(status, TOOL_STATUSES, "tool status")
    return _create(
        SandboxTool,
        "tool",
        team,
        user,
        created_at,
        name=name,
        type=type,
        description=f"The {name} tool." if description is None else description,
        config={key.lower(): value for key, value in (config or {}).items()},
        status=status or ("Active" if type == "mcp_connector" else ""),
        extra={"secrets": dict(secrets)} if secrets else {},
    )


def create_agent(
    team: SandboxTeam,
    user: SandboxUser,
    *,
    name: str,
    instructions: str = "You are a helpful assistant.",
    model_id: str = DEFAULT_MODEL,
    status: str = "Active",
    tools: Iterable[SandboxTool] = (),
    options: dict | None = None,
    created_at: datetime | None = None,
) -> SandboxAgent:
    """``options``: the agent's other wire fields (reasoning_effort, temperature, output…)."""
    check_choice(status, AGENT_STATUSES, "agent status")
    agent = _create(
        SandboxAgent,
        "agent",
        team,
        user,
        created_at,
        name=name,
        instructions=instructions,
        model_id=model_id,
        status=status,
        extra={"reasoning_effort": "medium", **(options or {})},
    )
    agent.tools.set(list(tools))
    return agent


def create_deployment(
    team: SandboxTeam,
    user: SandboxUser,
    *,
    name: str,
    description: str = "A deployed model.",
    model_type: str = "Base Model",
    model_id: str = DEFAULT_MODEL,
    status: str = "Active",
    n_instances: int = 1,
    processor: str = "H100",
    live: bool = False,
    created_at: datetime | None = None,
) -> SandboxDeployment:
    """``live``: Pending, then Active by itself."""
    status = "Pending" if live else status
    check_choice(model_type, DEPLOYMENT_TYPES, "deployment model type")
    check_choice(status, DEPLOYMENT_STATUSES, "deployment status")
    return _create(
        SandboxDeployment,
        "dep",
        team,
        user,
        created_at,
        name=name,
        description=description,
        model_type=model_type,
        model_id=model_id,
        status=status,
        n_instances=n_instances,
        timeline_start=(created_at or timezone.now()) if live else None,
        extra={
            "total_input_tokens": 0,
            "total_output_tokens": 0,
            "hardware_type": "Dedicated",
            "processor": processor,
            "memory": "80Gi",
        },
    )


def create_vector_db(
    team: SandboxTeam,
    user: SandboxUser,
    *,
    name: str,
    model: str = DEFAULT_EMBEDDING_MODEL,
    dimension: int = 4096,
    description: str | None = None,
    files: Iterable[SandboxFile] = (),
    created_at: datetime | None = None,
) -> SandboxVectorDB:
    vector_db = _create(
        SandboxVectorDB,
        "vdb",
        team,
        user,
        created_at,
        name=name,
        model=model,
        dimension=dimension,
        description=description,
    )
    for file in files:
        SandboxVectorDBFile.objects.create(vector_db=vector_db, file=file)
    return vector_db


def create_project(
    team: SandboxTeam,
    user: SandboxUser,
    *,
    name: str,
    description: str = "A fine-tuning project.",
    runs: int = 0,
    runs_deployed: int = 0,
    created_at: datetime | None = None,
) -> SandboxProject:
    return _create(
        SandboxProject,
        None,
        team,
        user,
        created_at,
        name=name,
        description=description,
        runs=runs,
        runs_deployed=runs_deployed,
    )


def create_data_job(
    team: SandboxTeam,
    user: SandboxUser,
    *,
    name: str,
    job_type: str = "principle_files",
    status: str = "needs_review",
    system_prompt: str | None = None,
    instructions: str | None = None,
    created_at: datetime | None = None,
) -> SandboxDataJob:
    check_choice(job_type, DATA_JOB_TYPES, "data job type")
    check_choice(status, DATA_JOB_STATUSES, "data job status")
    when = created_at or timezone.now()
    extra = {
        "system_prompt": system_prompt,
        "system_prompt_updated_at": iso_or_none(when if system_prompt is not None else None),
        "instructions": instructions,
        "instructions_updated_at": iso_or_none(when if instructions is not None else None),
        "alignment_job_id": None,
    }
    return _create(
        SandboxDataJob,
        "dj",
        team,
        user,
        when,
        name=name,
        job_type=job_type,
        status=status,
        extra=extra,
    )


def create_python_function(
    team: SandboxTeam,
    user: SandboxUser,
    *,
    name: str,
    code: str,
    description: str | None = None,
    created_at: datetime | None = None,
) -> SandboxPythonFunction:
    """``description`` defaults to what the code says of itself (its docstring or first
    comment)."""
    return _create(
        SandboxPythonFunction,
        "fn",
        team,
        user,
        created_at,
        name=name,
        code=code,
        description=describe(code) if description is None else description,
    )


def create_ingestion_job(
    vector_db: SandboxVectorDB,
    user: SandboxUser,
    *,
    file_ids: Iterable[str],
    options: dict | None = None,
    created_at: datetime | None = None,
) -> SandboxIngestionJob:
    """Queued now, complete two steps later; then its files are the database's."""
    when = created_at or timezone.now()
    return _create(
        SandboxIngestionJob,
        "ingest",
        vector_db.team,
        user,
        when,
        vector_db=vector_db,
        status="queued",
        timeline_start=when,
        file_ids=list(dict.fromkeys(file_ids)),
        extra={
            "method": "accuracy-optimized",
            "chunking_method": "markdown",
            "token_count": 800,
            "overlap_tokens": 100,
            "metadata": None,
            **(options or {}),
        },
    )


GPU_TIERS = ("STANDARD", "PERFORMANCE", "ENTERPRISE")  # RunGen's


def create_app(
    team: SandboxTeam,
    user: SandboxUser,
    *,
    name: str,
    description: str = "",
    gpu_tier: str = "STANDARD",
    configuration: dict | None = None,
    workflow: dict | None = None,
    active_workers: int = 1,
    created_at: datetime | None = None,
) -> SandboxApp:
    """A RunGen app in ``team`` (a personal workspace for a personal app)."""
    check_choice(gpu_tier, GPU_TIERS, "GPU tier")
    return _create(
        SandboxApp,
        None,
        team,
        user,
        created_at,
        name=name,
        description=description,
        configuration={**(configuration or {}), "gpu_tier": gpu_tier},
        workflow=dict(workflow or {}),
        active_workers=active_workers,
    )


def create_app_job(
    app: SandboxApp,
    user: SandboxUser,
    *,
    input: dict | None = None,
    status: str = "IN_QUEUE",
    output: dict | None = None,
    live: bool = False,
    created_at: datetime | None = None,
) -> SandboxAppJob:
    """A job of ``app`` in ``status``, with times that fit it; ``live``: IN_QUEUE, then on by
    itself while the app has workers. ``output`` is what it answers once COMPLETED."""
    check_choice(status, SandboxAppJob.Status.values, "job status")
    when = created_at or timezone.now()
    if live:
        status = SandboxAppJob.Status.IN_QUEUE
    started = completed = None
    if not live and status != SandboxAppJob.Status.IN_QUEUE:
        started = when + timedelta(seconds=4)
        if status != SandboxAppJob.Status.IN_PROGRESS:
            completed = started + timedelta(seconds=37)
    if output is None and (live or status == SandboxAppJob.Status.COMPLETED):
        output = job_output(app, input or {})
    return _create(
        SandboxAppJob,
        None,
        app.team,
        user,
        when,
        app=app,
        status=status,
        input=dict(input or {}),
        output=output,
        timeline_start=when if live and app.running else None,
        started_at=started,
        completed_at=completed,
    )


def job_output(app: SandboxApp, input: dict) -> dict:
    """What a job answers when it completes: a line about its input."""
    prompt = input.get("prompt")
    if isinstance(prompt, str) and prompt.strip():
        return {"result": f"{app.name} answered: {prompt.strip()[:200]}"}
    return {"result": f"{app.name} completed the job."}


def iso_or_none(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
