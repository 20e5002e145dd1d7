"""The sandbox's routes, mounted at ``/sandbox/``: paths exactly as the official SDK builds them.

Trailing slashes only where the contract has them (``v2/flow/agents/``, ``v1/threads/``). The
final catch-all answers every other path with a JSON 404; because it resolves every path,
CommonMiddleware's APPEND_SLASH never turns a sandbox 404 into a redirect.
"""

from __future__ import annotations

from django.urls import path, re_path

from dashboard.sandbox import kinds, views
from dashboard.sandbox.api import Endpoint, Scope


def team(route: str, **handlers):
    return path(route, Endpoint(Scope.TEAM, handlers))


def mine(route: str, **handlers):
    return path(route, Endpoint(Scope.USER, handlers))


def kind_routes(kind: kinds.Kind, *, on_list: dict | None = None, on_detail: dict | None = None):
    """A kind's list and detail routes (detail deletes too when the kind can be deleted),
    plus any other methods the kind accepts on them."""
    detail = {"GET": views.detail_of(kind), **(on_detail or {})}
    if kind.delete is not None:
        detail["DELETE"] = views.delete_of(kind)
    return [
        team(kind.list_path, GET=views.list_of(kind), **(on_list or {})),
        team(kind.detail_path, **detail),
    ]


THREAD = "v1/threads/<str:thread_id>"

urlpatterns = [
    # Files: fixed sub-paths come before the <pk> route, which would otherwise take them.
    team("v1/flow/files/validate_metadata", POST=views.validate_metadata),
    team("v1/flow/bulk_files", PUT=views.upload_files),
    *kind_routes(kinds.FILES, on_list={"PUT": views.upload_file}),
    team("v1/flow/files/<str:pk>/content", GET=views.file_content),
    team("v1/flow/files/<str:pk>/rename", PUT=views.rename_file),
    # Fine-tunes: the sync SDK cancels with PUT, the async one with POST.
    *kind_routes(kinds.FINE_TUNES),
    team(
        "v1/flow/fine-tunes/<str:pk>/cancel",
        PUT=views.cancel_fine_tune,
        POST=views.cancel_fine_tune,
    ),
    team("v1/flow/fine-tunes/<str:pk>/events", GET=views.fine_tune_events),
    # Agents (v2).
    team("v2/flow/agents/create", POST=views.create_agent),
    *kind_routes(kinds.AGENTS, on_detail={"PATCH": views.update_agent}),
    *kind_routes(kinds.DEPLOYMENTS),
    *kind_routes(kinds.VECTOR_DBS),
    team("v1/flow/vectordb/<str:pk>/files", GET=views.vector_db_files),
    *kind_routes(kinds.PROJECTS),
    *kind_routes(kinds.TOOLS),
    *kind_routes(kinds.DATA_JOBS),
    # Threads and everything in them belong to the caller.
    mine("v1/threads/", GET=views.list_threads, POST=views.create_thread),
    mine(THREAD, GET=views.get_thread, DELETE=views.delete_thread),
    mine(f"{THREAD}/messages", GET=views.list_messages, POST=views.create_message),
    mine(
        f"{THREAD}/messages/<str:message_id>",
        GET=views.get_message,
        PATCH=views.update_message,
        DELETE=views.delete_message,
    ),
    mine(f"{THREAD}/runs", GET=views.list_runs, POST=views.create_run),
    mine(f"{THREAD}/runs/stream/vercel", POST=views.stream_run),
    mine(f"{THREAD}/runs/<str:run_id>", GET=views.get_run),
    mine(f"{THREAD}/runs/<str:run_id>/cancel", POST=views.cancel_run),
    re_path(r"^.*$", Endpoint(Scope.PUBLIC, {"*": views.not_found})),
]
