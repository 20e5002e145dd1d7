"""RunGen.AI's dialect of the sandbox, mounted at ``/rungen/``: its apps and their jobs.

Every route is a team endpoint in :data:`~dashboard.sandbox.api.RUNGEN` (``x-api-key``,
``x-team-id``, ``{"error": …}``). There are no trailing slashes, and no list of jobs. The final
catch-all answers every other path with a JSON 404.
"""

from __future__ import annotations

from django.urls import path, re_path

from dashboard.sandbox import errors
from dashboard.sandbox.api import RUNGEN, Endpoint, Scope
from dashboard.sandbox.views import rungen

APP = "app/<str:app_id>"


def unknown_path(request, **kwargs) -> None:
    raise errors.NotFound("Not found.")


def route(route: str, **handlers):
    return path(route, Endpoint(Scope.TEAM, handlers, RUNGEN))


urlpatterns = [
    route("app", GET=rungen.list_apps, POST=rungen.create_app),
    route(APP, GET=rungen.get_app, PUT=rungen.update_app, DELETE=rungen.delete_app),
    route(f"{APP}/run_async", POST=rungen.run_async),
    route(f"{APP}/job/<str:job_id>", GET=rungen.get_job),
    re_path(r"^.*$", Endpoint(Scope.PUBLIC, {"*": unknown_path}, RUNGEN)),
]
