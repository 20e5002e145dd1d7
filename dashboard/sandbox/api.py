"""The machinery every sandbox endpoint shares, so the views only say what differs.

An :class:`Endpoint` is one URL with a handler per HTTP method. On each request it records the
request, waits the configured latency, applies any matching fault rule, answers 405 for other
methods, authenticates the API key (401), resolves the team of ``x-team-id`` for team-scoped
endpoints (403), and renders what the handler returns: a dict or list as JSON, ``None`` as
204, an :class:`~dashboard.sandbox.errors.ApiError` as ``{"detail": …}``.

Also here: the small readers of query parameters and JSON bodies that turn a client's mistake
into a 4xx rather than an exception.
"""

from __future__ import annotations

import enum
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase

from dashboard.sandbox import errors, faults, identity, recorder
from dashboard.sandbox.models import SandboxTeam, SandboxUser

logger = logging.getLogger(__name__)

MOUNT = "/sandbox/"


class Scope(enum.Enum):
    TEAM = "team"  # acts in the team of x-team-id (the personal workspace without one)
    USER = "user"  # the caller's own (threads): x-team-id is accepted and ignored
    PUBLIC = "public"  # no key needed (only the answer for unknown paths)


@dataclass
class Context:
    """Who is asking, and in which team (``None`` for user-scoped endpoints)."""

    request: HttpRequest
    user: SandboxUser
    team: SandboxTeam | None

    @property
    def query(self):
        return self.request.GET


Handler = Callable[..., Any]


def api_key_of(request: HttpRequest) -> str:
    """The raw key, with or without a ``Bearer `` prefix (the official SDK sends none)."""
    value = request.headers.get("Authorization", "").strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value


def relative_path(request: HttpRequest) -> str:
    path = request.path_info
    return path[len(MOUNT) :] if path.startswith(MOUNT) else path.lstrip("/")


def render(result: Any) -> HttpResponseBase:
    if isinstance(result, HttpResponseBase):
        return result
    if result is None:
        return HttpResponse(status=204)
    return JsonResponse(result, safe=False)


class Endpoint:
    """One sandbox URL: a handler per method, behind the checks every endpoint shares."""

    csrf_exempt = True  # read by CsrfViewMiddleware: API clients send no CSRF token

    def __init__(self, scope: Scope, handlers: dict[str, Handler]):
        self.scope = scope
        self.handlers = {method.upper(): handler for method, handler in handlers.items()}

    def __call__(self, request: HttpRequest, **kwargs) -> HttpResponseBase:
        path = relative_path(request)
        user = identity.user_for_key(api_key_of(request))
        recorder.record(
            recorder.RecordedRequest(
                method=request.method,
                path=path,
                query=request.GET.dict(),
                team_header=request.headers.get("x-team-id"),
                authorization="Authorization" in request.headers,
                user_agent=request.headers.get("User-Agent", ""),
                user_id=user.pk if user else None,
            )
        )
        latency_ms = int(getattr(settings, "SANDBOX_LATENCY_MS", 0) or 0)
        if latency_ms > 0:
            time.sleep(latency_ms / 1000)
        try:
            rule = faults.find(request.method, path)
        except faults.FaultSpecError as exc:
            logger.error("SANDBOX_FAULTS is invalid: %s", exc)
            return JsonResponse({"detail": f"SANDBOX_FAULTS is invalid: {exc}"}, status=500)
        if rule is not None:
            return faults.respond(rule, request, lambda: self.answer(request, user, kwargs))
        return self.answer(request, user, kwargs)

    def answer(
        self, request: HttpRequest, user: SandboxUser | None, kwargs: dict
    ) -> HttpResponseBase:
        try:
            return render(self.dispatch(request, user, kwargs))
        except errors.ApiError as exc:
            return exc.response()

    def dispatch(self, request: HttpRequest, user: SandboxUser | None, kwargs: dict) -> Any:
        handler = self.handlers.get(request.method) or self.handlers.get("*")
        if handler is None:
            allowed = ", ".join(sorted(self.handlers))
            raise errors.MethodNotAllowed(
                f"Method {request.method} not allowed here.", headers={"Allow": allowed}
            )
        if self.scope is Scope.PUBLIC:
            return handler(request, **kwargs)
        if user is None:
            raise errors.Unauthorized("Invalid or missing API key.")
        team = None
        if self.scope is Scope.TEAM:
            team = identity.team_for_header(user, request.headers.get("x-team-id"))
        return handler(Context(request, user, team), **kwargs)


# --- Reading what the client sent ---------------------------------------------------------
def json_body(request: HttpRequest) -> dict:
    """The JSON object in the body (``{}`` if empty): 400 if unreadable, 422 if not an object."""
    try:
        raw = request.body
    except RequestDataTooBig:
        raise errors.PayloadTooLarge("The request body is too large.") from None
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise errors.BadRequest("The request body is not valid JSON.") from None
    if b"\\u0000" in raw or b"\x00" in raw:  # text columns cannot hold NUL characters
        raise _invalid((), "string_unicode", "Text may not contain NUL characters.", None)
    if not isinstance(body, dict):
        raise _invalid((), "model_attributes_type", "Input should be a valid dictionary", body)
    return body


def _invalid(loc: tuple, kind: str, msg: str, value: Any) -> errors.Invalid:
    """One FastAPI-style problem in the body (see ``validation.py`` for whole bodies)."""
    return errors.Invalid([{"type": kind, "loc": ["body", *loc], "msg": msg, "input": value}])


_MISSING = object()
NUMBER = (int, float)  # the kind of a JSON number field


def field(
    body: dict,
    name: str,
    kind: type | tuple[type, ...],
    *,
    required: bool = False,
    default: Any = None,
    choices: tuple | None = None,
) -> Any:
    """One field of a JSON body, checked for type (and allowed values); 422 otherwise."""
    value = body.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise _invalid((name,), "missing", "Field required", None)
        return default
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kind):
        raise _invalid((name,), "type_error", f"Field '{name}' has the wrong type.", value)
    if choices is not None and value not in choices:
        allowed = ", ".join(choices)
        raise _invalid((name,), "enum", f"Field '{name}' must be one of: {allowed}.", value)
    return value


def int_param(request: HttpRequest, name: str, default: int, *, low: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.Unprocessable(f"Query parameter '{name}' must be an integer.") from None
    if not low <= value <= high:
        raise errors.Unprocessable(f"Query parameter '{name}' must be between {low} and {high}.")
    return value


def choice_param(request: HttpRequest, name: str, choices: tuple, default: str | None) -> Any:
    value = request.GET.get(name) or default
    if value is not None and value not in choices:
        raise errors.Unprocessable(
            f"Query parameter '{name}' must be one of: {', '.join(choices)}."
        )
    return value
