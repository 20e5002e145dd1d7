"""RunGen.AI's apps and their jobs, in RunGen's dialect (mounted at ``/rungen/``).

An app lives in a team (``x-team-id``) or in its creator's personal area (no header). Its
``active_workers`` (0 to 10) say whether it runs; a job started on it with ``run_async`` moves
on by itself while it has workers (``progress.app_job``). Every mistake is a 400 with one
message naming the fields; a body must be a JSON object (415 for another content type).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from dashboard.sandbox import errors, factories, progress, serializers
from dashboard.sandbox.api import Context, json_body
from dashboard.sandbox.models import SandboxApp, SandboxAppJob

MAX_NAME = 100
MAX_WORKERS = 10
DEFAULT_WORKERS = 1
STOP_FIRST = "Stop the app first: set active_workers to 0 before deleting it."
JSON_TYPES = ("application/json",)


# --- Reading what the client sent ---------------------------------------------------------
def body_of(request: HttpRequest) -> dict:
    """The JSON object in the body (``{}`` if empty): 415 for another content type, 400 if it
    is not JSON or not an object, 413 if it is too large."""
    content_type = (request.content_type or "").lower()
    known = content_type in ("", *JSON_TYPES) or content_type.endswith("+json")
    if not known and request.headers.get("Content-Length", "0") not in ("", "0"):
        raise errors.UnsupportedMediaType("Send the request body as application/json.")
    try:
        return json_body(request)
    except errors.Invalid as exc:
        problem = exc.problems[0]
        if problem["type"] == "model_attributes_type":
            raise errors.BadRequest("The request body must be a JSON object.") from None
        raise errors.BadRequest(problem["msg"]) from None


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _app_fields(body: dict, *, creating: bool) -> dict[str, Any]:
    """The app fields ``body`` sets (all of them when creating, with their defaults)."""
    problems: list[str] = []
    values: dict[str, Any] = {}
    if creating or "name" in body:
        name = body.get("name")
        if name is None:
            problems.append("name is required.")
        elif not isinstance(name, str) or not name.strip():
            problems.append("name must be a non-empty string.")
        elif len(name) > MAX_NAME:
            problems.append(f"name must be at most {MAX_NAME} characters.")
        else:
            values["name"] = name
    if creating or "description" in body:
        description = body.get("description")
        if description is None:
            values["description"] = ""
        elif not isinstance(description, str):
            problems.append("description must be a string.")
        else:
            values["description"] = description
    if creating or "configuration" in body:
        configuration = body.get("configuration")
        if configuration is None:
            configuration = {}
        if not isinstance(configuration, dict):
            problems.append("configuration must be an object.")
        else:
            tier = configuration.get("gpu_tier")
            tier = "STANDARD" if tier is None else tier
            if tier not in factories.GPU_TIERS:
                problems.append(
                    f"configuration.gpu_tier must be one of {', '.join(factories.GPU_TIERS)}."
                )
            else:
                values["configuration"] = {**configuration, "gpu_tier": tier}
    if creating or "workflow" in body:
        workflow = body.get("workflow")
        if workflow is None:
            workflow = {}
        if not isinstance(workflow, dict):
            problems.append("workflow must be an object.")
        elif workflow.get("model_url") is not None and not isinstance(workflow["model_url"], str):
            problems.append("workflow.model_url must be a string.")
        else:
            values["workflow"] = workflow
    if creating or "active_workers" in body:
        workers = body.get("active_workers", DEFAULT_WORKERS)
        if (
            not isinstance(workers, int)
            or isinstance(workers, bool)
            or not 0 <= workers <= MAX_WORKERS
        ):
            problems.append(f"active_workers must be an integer from 0 to {MAX_WORKERS}.")
        else:
            values["active_workers"] = workers
    if problems:
        raise errors.BadRequest(" ".join(problems))
    return values


# --- Apps -----------------------------------------------------------------------------------
def _app(ctx: Context, app_id: str, *, for_update: bool = False) -> SandboxApp:
    """The scope's app ``app_id``: 404 for an app of another team or person, or none at all."""
    pk = _uuid(app_id)
    apps = SandboxApp.objects.select_related("team").filter(team=ctx.team)
    if for_update:
        apps = apps.select_for_update(of=("self",))
    found = apps.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise errors.NotFound("App not found.")
    return found


def list_apps(ctx: Context) -> dict:
    apps = SandboxApp.objects.select_related("team").filter(team=ctx.team)
    return {"data": [serializers.app(a) for a in apps.order_by("-created_at", "-pk")]}


def create_app(ctx: Context) -> JsonResponse:
    values = _app_fields(body_of(ctx.request), creating=True)
    made = factories.create_app(
        ctx.team,
        ctx.user,
        name=values["name"],
        description=values["description"],
        gpu_tier=values["configuration"]["gpu_tier"],
        configuration=values["configuration"],
        workflow=values["workflow"],
        active_workers=values["active_workers"],
    )
    return JsonResponse({"data": serializers.app(made)}, status=201)


def get_app(ctx: Context, app_id: str) -> dict:
    return serializers.app(_app(ctx, app_id))  # bare, unlike every other answer


def update_app(ctx: Context, app_id: str) -> dict:
    values = _app_fields(body_of(ctx.request), creating=False)
    with transaction.atomic():
        app = _app(ctx, app_id, for_update=True)
        if values:
            was_running = app.running
            for name, value in values.items():
                setattr(app, name, value)
            app.updated_at = timezone.now()
            app.save()
            progress.app_workers_changed(app, was_running, app.updated_at)
    return {"data": serializers.app(app)}


def delete_app(ctx: Context, app_id: str) -> None:
    with transaction.atomic():
        app = _app(ctx, app_id, for_update=True)
        if app.running:
            raise errors.Conflict(STOP_FIRST)
        app.delete()


# --- Jobs -----------------------------------------------------------------------------------
def run_async(ctx: Context, app_id: str) -> dict:
    body = body_of(ctx.request)
    app = _app(ctx, app_id)
    job_input = body.get("input")
    if job_input is None:
        job_input = {}
    if not isinstance(job_input, dict):
        raise errors.BadRequest("input must be an object.")
    job = factories.create_app_job(app, ctx.user, input=job_input, live=True)
    return {"data": serializers.app_job(job)}


def get_job(ctx: Context, app_id: str, job_id: str) -> dict:
    app = _app(ctx, app_id)
    pk = _uuid(job_id)
    job = (
        SandboxAppJob.objects.select_related("team").filter(app=app, pk=pk).first()
        if pk is not None
        else None
    )
    if job is None:
        raise errors.NotFound("Job not found.")
    return {"data": serializers.app_job(job)}
