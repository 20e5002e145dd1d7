"""The sandbox upstream's behaviour, as plain functions the views, the seed and tests share.

Identity (users, API keys stored as SHA-256 hashes, personal workspaces, teams and roles), the
team rules of DESIGN §1 (``team_for_header``), file storage on disk, factories that create each
resource kind in a team by a user, and the operations the API offers (cancel a fine-tune, run
an agent on a thread…). Functions raise :mod:`dashboard.sandbox.errors` exceptions for anything
a client could get wrong.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.move import file_move_safe
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dashboard.sandbox import errors
from dashboard.sandbox.models import (
    SandboxAgent,
    SandboxApiKey,
    SandboxDataJob,
    SandboxDeployment,
    SandboxFile,
    SandboxFineTune,
    SandboxMembership,
    SandboxMessage,
    SandboxProject,
    SandboxRun,
    SandboxTeam,
    SandboxThread,
    SandboxTool,
    SandboxUser,
    SandboxVectorDB,
    SandboxVectorDBFile,
    prefixed_id,
)

# --- The enums of the wire contract (values a response may carry) -----------------------
FILE_PURPOSES = (
    "fine-tune",
    "preference-fine-tune",
    "reinforcement-fine-tune",
    "pre-train",
    "alignment",
)
TRAINING_FILE_TYPES = ("jsonl", "parquet", "pt")  # the SDK's TrainingFileType
ALIGNMENT_FILE_TYPES = (  # the SDK's AlignmentFileType
    "html",
    "md",
    "rst",
    "rtf",
    "txt",
    "xml",
    "json",
    "jsonl",
    "csv",
    "doc",
    "docx",
    "pdf",
    "ppt",
    "pptx",
)
FILE_TYPES = tuple(dict.fromkeys(TRAINING_FILE_TYPES + ALIGNMENT_FILE_TYPES))
FINE_TUNE_STATUSES = ("pending", "queued", "running", "cancelled", "failed", "completed", "deleted")
FINE_TUNE_ACTIVE = frozenset({"pending", "queued", "running"})
ACCEL_TYPES = ("GAUDI2", "GAUDI3", "A100", "A10", "H100", "MI300X")
AGENT_STATUSES = ("Inactive", "Pending", "Active", "Updating", "Failed")
REASONING_EFFORTS = ("low", "medium", "high", "performance_optimized", "speed_optimized")
TOOL_TYPES = ("file_search", "web_search", "run_python", "agent_as_tool", "mcp_connector")
TOOL_STATUSES = ("Active", "Pending_authorization", "Inactive", "Deprecated", "Failed")
DEPLOYMENT_TYPES = ("Fine-tuned Run", "Base Model")
DEPLOYMENT_STATUSES = ("Inactive", "Pending", "Active", "Failed", "Started", "Success")
DATA_JOB_TYPES = ("principle_files", "context_grounded_files", "context_grounded_vector_db")
DATA_JOB_STATUSES = (
    "file_processing",
    "needs_review",
    "ready_to_start",
    *("pending", "queued", "running", "cancelled", "failed", "completed", "stopped"),
)
MESSAGE_ROLES = ("user", "assistant", "system", "tool")

DEFAULT_MODEL = "meta-llama/Llama-3.1-8B-Instruct"
NOT_A_MEMBER = "You are not a member of this team, or the team does not exist."


def _check_choice(value: Any, choices: Iterable[str], what: str) -> str:
    if value not in choices:
        raise errors.BadRequest(f"Unknown {what} {value!r}; expected one of: {', '.join(choices)}.")
    return value


# --- Identity ---------------------------------------------------------------------------
def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_api_key() -> str:
    return "sk-sbx-" + secrets.token_urlsafe(32)


def add_api_key(user: SandboxUser, api_key: str, *, label: str = "") -> SandboxApiKey:
    """Let ``api_key`` sign in as ``user`` (only its hash is stored). Idempotent."""
    key, _ = SandboxApiKey.objects.get_or_create(
        key_hash=hash_key(api_key), defaults={"user": user, "label": label}
    )
    return key


def user_for_key(api_key: str) -> SandboxUser | None:
    if not api_key:
        return None
    key = SandboxApiKey.objects.select_related("user").filter(key_hash=hash_key(api_key)).first()
    return key.user if key else None


@transaction.atomic
def create_user(
    username: str, *, org_role: str = SandboxUser.OrgRole.MEMBER, api_key: str | None = None
) -> tuple[SandboxUser, str]:
    """A user with a personal workspace and an API key: ``api_key``, or a fresh random one.

    The key is returned; only its hash is stored.
    """
    _check_choice(org_role, SandboxUser.OrgRole.values, "organisation role")
    user = SandboxUser.objects.create(username=username, org_role=org_role)
    team = SandboxTeam.objects.create(name=f"{username} (personal)", personal_of=user)
    SandboxMembership.objects.create(team=team, user=user, role=SandboxMembership.Role.ADMIN)
    api_key = api_key or new_api_key()
    add_api_key(user, api_key, label="default")
    return user, api_key


def personal_team(user: SandboxUser) -> SandboxTeam:
    return SandboxTeam.objects.get(personal_of=user)


def add_member(team: SandboxTeam, user: SandboxUser, role: str) -> SandboxMembership:
    _check_choice(role, SandboxMembership.Role.values, "team role")
    membership, _ = SandboxMembership.objects.update_or_create(
        team=team, user=user, defaults={"role": role}
    )
    return membership


@transaction.atomic
def create_team(name: str, members: list[tuple[SandboxUser, str]]) -> SandboxTeam:
    team = SandboxTeam.objects.create(name=name)
    for user, role in members:
        add_member(team, user, role)
    return team


def team_for_header(user: SandboxUser, header: str | None) -> SandboxTeam:
    """The team a request acts in: its ``x-team-id``, or the personal workspace without one.

    A malformed id, an unknown team and a team the user is not in all get the same 403, so
    the answer never reveals whether a team exists.
    """
    header = (header or "").strip()
    if not header:
        return personal_team(user)
    try:
        team_id = uuid.UUID(header)
    except ValueError:
        raise errors.Forbidden(NOT_A_MEMBER) from None
    team = SandboxTeam.objects.filter(pk=team_id, memberships__user=user).first()
    if team is None:
        raise errors.Forbidden(NOT_A_MEMBER)
    return team


# --- Files ------------------------------------------------------------------------------
def storage_dir() -> Path:
    return Path(settings.SANDBOX_STORAGE_DIR)


def file_path(file: SandboxFile) -> Path:
    return storage_dir() / file.storage_name


def file_type_of(filename: str) -> str:
    """The file's type from its extension; 400 when it is not one the upstream accepts."""
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix not in FILE_TYPES:
        shown = f".{suffix}" if suffix else "no extension"
        raise errors.BadRequest(
            f"Unsupported file type ({shown}); expected one of: {', '.join(FILE_TYPES)}."
        )
    return suffix


def clean_filename(name: str) -> str:
    """The base name only: a client's path components never reach the disk or the record."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base or base in (".", ".."):
        raise errors.BadRequest("The upload has no file name.")
    return base[:255]


def _new_file(team, user, filename: str, purpose: str, write) -> SandboxFile:
    """Record a file whose content ``write(destination)`` puts on disk."""
    filename = clean_filename(filename)
    _check_choice(purpose, FILE_PURPOSES, "file purpose")
    file_type = file_type_of(filename)
    file_id = prefixed_id("file")
    storage_name = f"{team.pk}/{file_id}"
    destination = storage_dir() / storage_name
    destination.parent.mkdir(parents=True, exist_ok=True)
    write(destination)
    size = destination.stat().st_size
    if size == 0:
        destination.unlink(missing_ok=True)
        raise errors.BadRequest("The file is empty.")
    try:
        return SandboxFile.objects.create(
            id=file_id,
            team=team,
            creator=user,
            filename=filename,
            purpose=purpose,
            file_type=file_type,
            bytes=size,
            storage_name=storage_name,
        )
    except Exception:
        destination.unlink(missing_ok=True)
        raise


def create_file(
    team: SandboxTeam,
    user: SandboxUser,
    *,
    filename: str = "train.jsonl",
    purpose: str = "fine-tune",
    content: bytes = b'{"prompt": "Hello", "completion": "Hi!"}\n',
    created_at: datetime | None = None,
) -> SandboxFile:
    file = _new_file(team, user, filename, purpose, lambda dest: dest.write_bytes(content))
    if created_at is not None:
        SandboxFile.objects.filter(pk=file.pk).update(created_at=created_at, updated_at=created_at)
        file.refresh_from_db()
    return file


def store_upload(
    team: SandboxTeam, user: SandboxUser, upload: UploadedFile, *, filename: str, purpose: str
) -> SandboxFile:
    """Keep an uploaded file: a spooled temporary file is moved, never read into memory."""

    def write(destination: Path) -> None:
        if hasattr(upload, "temporary_file_path"):
            file_move_safe(upload.temporary_file_path(), str(destination))
            return
        with destination.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)

    return _new_file(team, user, filename, purpose, write)


def delete_file(file: SandboxFile) -> None:
    path = file_path(file)
    file.delete()
    path.unlink(missing_ok=True)


def rename_file(file: SandboxFile, new_filename: str) -> SandboxFile:
    new_filename = clean_filename(new_filename)
    file.file_type = file_type_of(new_filename)
    file.filename = new_filename
    file.updated_at = timezone.now()
    file.save(update_fields=["filename", "file_type", "updated_at"])
    return file


def validate_alignment_metadata(purpose: str, suffix: str, size: int) -> str | None:
    """Why an alignment upload would be refused, or ``None`` when it would be accepted."""
    if purpose not in FILE_PURPOSES:
        return f"Unknown purpose {purpose!r}."
    if suffix.lower().lstrip(".") not in ALIGNMENT_FILE_TYPES:
        return f"Files of type {suffix!r} cannot be used for alignment."
    if size <= 0:
        return "The file is empty."
    if size > max_upload_bytes():
        return f"The file is larger than the limit of {max_upload_bytes()} bytes."
    return None


def max_upload_bytes() -> int:
    return int(getattr(settings, "SANDBOX_MAX_UPLOAD_BYTES", 4 * 1024**3))


# --- Factories for the other team kinds --------------------------------------------------
def _create(model_class, prefix: str | None, team, user, created_at: datetime | None, /, **fields):
    when = created_at or timezone.now()
    if prefix:
        fields["id"] = prefixed_id(prefix)
    return model_class.objects.create(
        team=team, creator=user, created_at=when, updated_at=when, **fields
    )


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
    created_at: datetime | None = None,
) -> SandboxFineTune:
    _check_choice(status, FINE_TUNE_STATUSES, "fine-tune status")
    _check_choice(accel_type, ACCEL_TYPES, "accelerator type")
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
        },
    )


def create_tool(
    team: SandboxTeam,
    user: SandboxUser,
    *,
    name: str,
    type: str = "web_search",  # the wire's own field name
    description: str = "",
    config: dict | None = None,
    status: str = "",
    created_at: datetime | None = None,
) -> SandboxTool:
    _check_choice(type, TOOL_TYPES, "tool type")
    if status:
        _check_choice(status, TOOL_STATUSES, "tool status")
    return _create(
        SandboxTool,
        "tool",
        team,
        user,
        created_at,
        name=name,
        type=type,
        description=description or f"The {name} tool.",
        config={key.lower(): value for key, value in (config or {}).items()},
        status=status or ("Active" if type == "mcp_connector" else ""),
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
    _check_choice(status, AGENT_STATUSES, "agent status")
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
    created_at: datetime | None = None,
) -> SandboxDeployment:
    _check_choice(model_type, DEPLOYMENT_TYPES, "deployment model type")
    _check_choice(status, DEPLOYMENT_STATUSES, "deployment status")
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
        extra={
            "total_input_tokens": 0,
            "total_output_tokens": 0,
            "hardware_type": "Dedicated",
            "processor": "H100",
            "memory": "80Gi",
        },
    )


def create_vector_db(
    team: SandboxTeam,
    user: SandboxUser,
    *,
    name: str,
    model: str = "intfloat/e5-mistral-7b-instruct",
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
    created_at: datetime | None = None,
) -> SandboxDataJob:
    _check_choice(job_type, DATA_JOB_TYPES, "data job type")
    _check_choice(status, DATA_JOB_STATUSES, "data job status")
    return _create(
        SandboxDataJob, "dj", team, user, created_at, name=name, job_type=job_type, status=status
    )


# --- Operations on team resources ---------------------------------------------------------
def cancel_fine_tune(fine_tune: SandboxFineTune) -> SandboxFineTune:
    if fine_tune.status not in FINE_TUNE_ACTIVE:
        raise errors.Conflict(
            f"Fine-tuning job {fine_tune.pk} is {fine_tune.status} and cannot be cancelled."
        )
    now = timezone.now()
    fine_tune.status = "cancelled"
    fine_tune.completed_at = now
    fine_tune.updated_at = now
    fine_tune.save(update_fields=["status", "completed_at", "updated_at"])
    return fine_tune


def team_tools(team: SandboxTeam, tool_ids: Iterable[str]) -> list[SandboxTool]:
    """The team's tools with these ids; 404 when one is not the team's."""
    tool_ids = list(dict.fromkeys(tool_ids))
    tools = list(SandboxTool.objects.filter(team=team, pk__in=tool_ids))
    missing = set(tool_ids) - {tool.pk for tool in tools}
    if missing:
        raise errors.not_found(f"Tool {sorted(missing)[0]}")
    return tools


AGENT_UPDATABLE = ("name", "instructions", "model_id")
AGENT_EXTRA_UPDATABLE = (
    "planner_model_id",
    "tool_model_id",
    "reasoning_effort",
    "temperature",
    "output",
)


def update_agent(agent: SandboxAgent, changes: dict[str, Any]) -> SandboxAgent:
    """Apply the fields a PATCH names (already checked for type by the view)."""
    for name in AGENT_UPDATABLE:
        if changes.get(name) is not None:
            setattr(agent, name, changes[name])
    for name in AGENT_EXTRA_UPDATABLE:
        if name in changes:
            agent.extra[name] = changes[name]
    if changes.get("tool_ids") is not None:
        agent.tools.set(team_tools(agent.team, changes["tool_ids"]))
    agent.updated_at = timezone.now()
    agent.save()
    return agent


def delete_tool(tool: SandboxTool) -> None:
    """Tools an active agent uses stay: the upstream refuses to pull them from under it."""
    users = list(tool.agents.filter(status="Active").values_list("name", flat=True))
    if users:
        raise errors.Conflict(f"Tool {tool.pk} is used by active agents: {', '.join(users)}.")
    tool.delete()


def agents_of_user(user: SandboxUser):
    """Agents in any team the user belongs to (runs name an agent, whatever the team header)."""
    return SandboxAgent.objects.filter(team__memberships__user=user).distinct()


# --- Threads, messages, runs (owned by a user, never by a team) -------------------------
def create_thread(
    user: SandboxUser, *, meta_data: dict | None = None, created_at: datetime | None = None
) -> SandboxThread:
    return SandboxThread.objects.create(
        id=prefixed_id("thread"),
        user=user,
        meta_data=meta_data or {},
        created_at=created_at or timezone.now(),
    )


def create_message(
    thread: SandboxThread,
    role: str,
    content: str | list,
    *,
    agent_id: str | None = None,
    run_id: str | None = None,
    meta_data: dict | None = None,
    created_at: datetime | None = None,
) -> SandboxMessage:
    """Append a message; its time is kept after the thread's last one so order is stable."""
    _check_choice(role, MESSAGE_ROLES, "message role")
    when = created_at or timezone.now()
    last = thread.messages.aggregate(last=Max("created_at"))["last"]
    if last is not None and when <= last:
        when = last + timedelta(microseconds=1)
    return SandboxMessage.objects.create(
        id=prefixed_id("msg"),
        thread=thread,
        role=role,
        content=content,
        agent_id=agent_id,
        run_id=run_id,
        meta_data=meta_data or {},
        created_at=when,
    )


def message_text(content: str | list) -> str:
    if isinstance(content, str):
        return content
    return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))


def last_user_text(thread: SandboxThread) -> str:
    last = thread.messages.filter(role="user").order_by("-created_at").first()
    return message_text(last.content).strip() if last else ""


def reply_for(thread: SandboxThread, agent: SandboxAgent) -> str:
    """The agent's deterministic answer: its name, echoing the thread's last user message."""
    said = last_user_text(thread)
    return f"{agent.name} here. You said: {said}" if said else f"{agent.name} here. Say something!"


def start_run(
    thread: SandboxThread, agent: SandboxAgent, *, temperature: float, top_p: float, meta_data
) -> SandboxRun:
    """A run in progress: the thread is locked on it until it finishes."""
    now = timezone.now()
    run = SandboxRun.objects.create(
        id=prefixed_id("run"),
        thread=thread,
        agent_id=agent.pk,
        status=SandboxRun.Status.RUNNING,
        model=agent.model_id,
        temperature=temperature,
        top_p=top_p,
        meta_data=meta_data or {},
        created_at=now,
        started_at=now,
    )
    SandboxThread.objects.filter(pk=thread.pk).update(status="locked", active_run_id=run.pk)
    return run


def _release_thread(run: SandboxRun) -> None:
    SandboxThread.objects.filter(pk=run.thread_id, active_run_id=run.pk).update(
        status="available", active_run_id=None
    )


def complete_run(run: SandboxRun, reply: str) -> SandboxMessage | None:
    """Record the reply and finish the run, unless it was cancelled meanwhile."""
    prompt = last_user_text(run.thread)
    with transaction.atomic():
        finished = SandboxRun.objects.filter(pk=run.pk, status=SandboxRun.Status.RUNNING).update(
            status=SandboxRun.Status.COMPLETED,
            completed_at=timezone.now(),
            usage={
                "prompt_tokens": len(prompt.split()),
                "completion_tokens": len(reply.split()),
                "total_tokens": len(prompt.split()) + len(reply.split()),
            },
        )
        message = None
        if finished:
            message = create_message(
                run.thread, "assistant", reply, agent_id=run.agent_id, run_id=run.pk
            )
        _release_thread(run)
    return message


def fail_run(run: SandboxRun) -> None:
    """A run whose client went away before the end stops there, as failed."""
    SandboxRun.objects.filter(pk=run.pk, status=SandboxRun.Status.RUNNING).update(
        status=SandboxRun.Status.FAILED, failed_at=timezone.now()
    )
    _release_thread(run)


def cancel_run(run: SandboxRun) -> SandboxRun:
    cancelled = SandboxRun.objects.filter(
        pk=run.pk, status__in=[SandboxRun.Status.QUEUED, SandboxRun.Status.RUNNING]
    ).update(status=SandboxRun.Status.CANCELLED, cancelled_at=timezone.now())
    if not cancelled:
        run.refresh_from_db()
        raise errors.Conflict(f"Run {run.pk} is {run.status} and cannot be cancelled.")
    _release_thread(run)
    run.refresh_from_db()
    return run


def is_cancelled(run: SandboxRun) -> bool:
    return SandboxRun.objects.filter(pk=run.pk, status=SandboxRun.Status.CANCELLED).exists()
