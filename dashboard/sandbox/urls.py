"""The sandbox's routes, mounted at ``/sandbox/``: paths exactly as the official SDK builds them.

Trailing slashes only where the upstream has them (``v2/flow/agents/``, ``v1/threads/``). The
final catch-all answers every other path with a JSON 404; because it resolves every path,
CommonMiddleware's APPEND_SLASH never turns a sandbox 404 into a redirect.
"""

from __future__ import annotations

from django.urls import path, re_path

from dashboard.sandbox import errors, kinds
from dashboard.sandbox.api import Endpoint, Scope
from dashboard.sandbox.views import files, resources, threads


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

urlpatterns = [
    # Files: fixed sub-paths come before the <pk> route, which would otherwise take them.
    team("v1/flow/files/validate_metadata", POST=files.validate_metadata),
    team("v1/flow/bulk_files", PUT=files.upload_files),
    *kind_routes(kinds.FILES, on_list={"PUT": files.upload_file}),
    team("v1/flow/files/<str:pk>/content", GET=files.file_content),
    team("v1/flow/files/<str:pk>/rename", PUT=files.rename_file),
    # Fine-tunes: the sync SDK cancels with PUT, the async one with POST.
    *kind_routes(kinds.FINE_TUNES),
    team(
        "v1/flow/fine-tunes/<str:pk>/cancel",
        PUT=resources.cancel_fine_tune,
        POST=resources.cancel_fine_tune,
    ),
    team("v1/flow/fine-tunes/<str:pk>/events", GET=resources.fine_tune_events),
    # Agents (v2).
    team("v2/flow/agents/create", POST=resources.create_agent),
    *kind_routes(kinds.AGENTS, on_detail={"PATCH": resources.update_agent}),
    *kind_routes(kinds.DEPLOYMENTS),
    *kind_routes(kinds.VECTOR_DBS),
    team("v1/flow/vectordb/<str:pk>/files", GET=resources.vector_db_files),
    *kind_routes(kinds.PROJECTS),
    *kind_routes(kinds.TOOLS),
    *kind_routes(kinds.DATA_JOBS),
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
