"""The sandbox's routes, mounted at ``/sandbox/``: paths exactly as the official SDK builds them.

Trailing slashes only where the upstream has them (``v2/flow/agents/``, ``v1/threads/``). The
final catch-all answers every other path with a JSON 404, never a redirect to the path with a
slash added.
"""

from __future__ import annotations

from django.urls import path, re_path

from dashboard.sandbox import errors, kinds
from dashboard.sandbox.api import Endpoint, Scope
from dashboard.sandbox.views import (
    agents,
    catalog,
    data_jobs,
    files,
    fine_tunes,
    functions,
    resources,
    threads,
    tools,
    vector_dbs,
)


def unknown_path(request, **kwargs) -> None:
    raise errors.NotFound("Not found.")


def team(route: str, **handlers):
    return path(route, Endpoint(Scope.TEAM, handlers))


def mine(route: str, **handlers):
    return path(route, Endpoint(Scope.USER, handlers))


def kind_routes(kind: kinds.Kind, *, on_list: dict | None = None, on_detail: dict | None = None):
    """A kind's list and detail routes (detail deletes too when the kind can be deleted),
    plus any other methods the kind accepts on them."""
    detail = {"GET": resources.detail_of(kind), **(on_detail or {})}
    if kind.delete is not None:
        detail["DELETE"] = resources.delete_of(kind)
    return [
        team(kind.list_path, GET=resources.list_of(kind), **(on_list or {})),
        team(kind.detail_path, **detail),
    ]


THREAD = "v1/threads/<str:thread_id>"
FINE_TUNE = "v1/flow/fine-tunes/<str:pk>"
AGENT = "v2/flow/agents/<str:pk>"
TOOL = "v1/flow/tools/<str:pk>"
VECTOR_DB = "v1/flow/vectordb/<str:pk>"
DEPLOYMENT = "v1/flow/deployments/<str:pk>"
DATA_JOB = "v1/flow/data-jobs/<str:pk>"

urlpatterns = [
    team("v1/flow/models", GET=catalog.models),
    # Files: fixed sub-paths come before the <pk> route, which would otherwise take them.
    team("v1/flow/files/validate_metadata", POST=files.validate_metadata),
    team("v1/flow/bulk_files", PUT=files.upload_files),
    *kind_routes(kinds.FILES, on_list={"PUT": files.upload_file}),
    team("v1/flow/files/<str:pk>/content", GET=files.file_content),
    team("v1/flow/files/<str:pk>/rename", PUT=files.rename_file),
    # Fine-tunes: the sync SDK creates at the singular path and cancels with PUT, the async
    # one creates at the plural path and cancels with POST.
    team("v1/flow/fine-tune", POST=fine_tunes.create),
    *kind_routes(kinds.FINE_TUNES, on_list={"POST": fine_tunes.create}),
    team(f"{FINE_TUNE}/cancel", PUT=fine_tunes.cancel, POST=fine_tunes.cancel),
    team(f"{FINE_TUNE}/events", GET=fine_tunes.events),
    team(f"{FINE_TUNE}/promote-model", GET=fine_tunes.promote),
    team(f"{FINE_TUNE}/demote-model", GET=fine_tunes.demote),
    # Agents (v2).
    team("v2/flow/agents/create", POST=agents.create),
    *kind_routes(kinds.AGENTS, on_detail={"PATCH": agents.update}),
    team(f"{AGENT}/diff", PATCH=agents.preview_update),
    team(f"{AGENT}/promote", PUT=agents.promote),
    team(f"{AGENT}/demote", PUT=agents.demote),
    # Tools and the Python functions run_python tools call.
    *kind_routes(kinds.TOOLS, on_list={"POST": tools.create}, on_detail={"PATCH": tools.update}),
    team(f"{TOOL}/diff", PATCH=tools.preview_update),
    team(f"{TOOL}/duplicate", POST=tools.duplicate),
    team(f"{TOOL}/agents", GET=tools.agents_using),
    *kind_routes(
        kinds.PYTHON_FUNCTIONS,
        on_list={"POST": functions.create},
        on_detail={"PATCH": functions.replace_code},
    ),
    # Deployments.
    *kind_routes(kinds.DEPLOYMENTS, on_list={"POST": catalog.create_deployment}),
    team(f"{DEPLOYMENT}/promote", PUT=catalog.promote_deployment),
    team(f"{DEPLOYMENT}/demote", PUT=catalog.demote_deployment),
    # Vector databases and the jobs that ingest files into them.
    *kind_routes(kinds.VECTOR_DBS, on_list={"POST": vector_dbs.create}),
    team(f"{VECTOR_DB}/files", GET=vector_dbs.files),
    team(f"{VECTOR_DB}/files/<str:file_id>", DELETE=vector_dbs.remove_file),
    team(f"{VECTOR_DB}/ingestion", GET=vector_dbs.ingestion_jobs, POST=vector_dbs.ingest),
    team(f"{VECTOR_DB}/ingestion/<str:job_id>", GET=vector_dbs.ingestion_job),
    *kind_routes(kinds.PROJECTS, on_list={"POST": catalog.create_project}),
    # Data jobs: the detail is the SDK's detail model, with the job's files and timeline.
    *kind_routes(
        kinds.DATA_JOBS,
        on_list={"POST": data_jobs.create},
        on_detail={"GET": data_jobs.detail, "PATCH": data_jobs.update},
    ),
    team(f"{DATA_JOB}/add-files", POST=data_jobs.add_files),
    team(f"{DATA_JOB}/remove-files", POST=data_jobs.remove_files),
    team(f"{DATA_JOB}/start", POST=data_jobs.start),
    team(f"{DATA_JOB}/cancel", POST=data_jobs.cancel),
    # Threads and everything in them belong to the caller.
    mine("v1/threads/", GET=threads.list_threads, POST=threads.create_thread),
    mine(THREAD, GET=threads.get_thread, DELETE=threads.delete_thread),
    mine(f"{THREAD}/messages", GET=threads.list_messages, POST=threads.create_message),
    mine(
        f"{THREAD}/messages/<str:message_id>",
        GET=threads.get_message,
        PATCH=threads.update_message,
        DELETE=threads.delete_message,
    ),
    mine(f"{THREAD}/runs", GET=threads.list_runs, POST=threads.create_run),
    mine(f"{THREAD}/runs/stream/vercel", POST=threads.stream_run),
    mine(f"{THREAD}/runs/<str:run_id>", GET=threads.get_run),
    mine(f"{THREAD}/runs/<str:run_id>/cancel", POST=threads.cancel_run),
    re_path(r"^.*$", Endpoint(Scope.PUBLIC, {"*": unknown_path})),
]
