"""The machinery every sandbox endpoint shares, so the views only say what differs.

An :class:`Endpoint` is one URL with a handler per HTTP method. On each request it records the
request, waits the configured latency, applies any matching fault rule, answers 405 for other
methods, authenticates the API key, resolves the team of the team header for team-scoped
endpoints (403), and renders what the handler returns: a dict or list as JSON, ``None`` as
204, an :class:`~dashboard.sandbox.errors.ApiError` as an error body.

What differs between the upstream APIs the sandbox speaks is its :class:`Dialect`: where it is
mounted, which headers carry the key and the team, the status of a bad key and the shape of an
error body. :data:`SEEKRFLOW` (at ``/sandbox/``: ``Authorization`` and ``x-team-id`` unless the
``SANDBOX_KEY_HEADER`` and ``SANDBOX_TEAM_HEADER`` settings say otherwise, 401, ``{"detail": …}``)
and :data:`RUNGEN` (at ``/rungen/``: ``x-api-key`` and ``x-team-id``, 403, ``{"error": …}``).

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
AUTHORIZATION = "authorization"


class Dialect:
    """How one upstream API says what every endpoint shares: the SeekrFlow API's way.

    Header names are read from settings on every request, so tests can change them.
    """

    name = "sandbox"  # the mount's name, as fault rules and the recorder write it
    mount = MOUNT
    bad_key_message = "Invalid or missing API key."
    not_a_member = identity.NOT_A_MEMBER
    personal_team_header = True  # whether the personal workspace's own id may be sent

    def key_header(self) -> str:
        return getattr(settings, "SANDBOX_KEY_HEADER", "") or "Authorization"

    def team_header(self) -> str:
        return getattr(settings, "SANDBOX_TEAM_HEADER", "") or "x-team-id"

    def api_key(self, request: HttpRequest) -> str:
        """The raw key; in an ``Authorization`` header, with or without a ``Bearer `` prefix
        (the official SDK sends none). Any other header carries the raw key."""
        name = self.key_header()
        value = request.headers.get(name, "").strip()
        if name.lower() == AUTHORIZATION and value[:7].lower() == "bearer ":
            value = value[7:].strip()
        return value

    def bad_key(self) -> errors.ApiError:
        return errors.Unauthorized(self.bad_key_message)

    def error(self, exc: errors.ApiError) -> HttpResponseBase:
        return exc.response()

    def error_response(self, status: int, message: str) -> JsonResponse:
        """An error this dialect's way, for answers made outside a handler (faults)."""
        return JsonResponse({"detail": message}, status=status)

    def relative_path(self, request: HttpRequest) -> str:
        path = request.path_info
        return path[len(self.mount) :] if path.startswith(self.mount) else path.lstrip("/")


class RunGenDialect(Dialect):
    """RunGen.AI's API: ``x-api-key`` (the raw key), ``x-team-id``, 403 for a bad key, and
    every error as ``{"error": "…"}`` (a body that fails validation is a 400)."""

    name = "rungen"
    mount = "/rungen/"
    bad_key_message = "Invalid API key."
    not_a_member = "You are not a member of this team."
    personal_team_header = False  # a personal area has no team id

    def key_header(self) -> str:
        return "x-api-key"

    def team_header(self) -> str:
        return "x-team-id"

    def bad_key(self) -> errors.ApiError:
        return errors.Forbidden(self.bad_key_message)

    def error(self, exc: errors.ApiError) -> HttpResponseBase:
        status = 400 if isinstance(exc, errors.Unprocessable) else exc.status
        response = self.error_response(status, exc.detail)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    def error_response(self, status: int, message: str) -> JsonResponse:
        return JsonResponse({"error": message}, status=status)


SEEKRFLOW = Dialect()
RUNGEN = RunGenDialect()


class Scope(enum.Enum):
    TEAM = "team"  # acts in the team of the team header (the personal workspace without one)
    USER = "user"  # the caller's own (threads): the team header is accepted and ignored
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


def render(result: Any) -> HttpResponseBase:
    if isinstance(result, HttpResponseBase):
        return result
    if result is None:
        return HttpResponse(status=204)
    return JsonResponse(result, safe=False)


class Endpoint:
    """One sandbox URL: a handler per method, behind the checks every endpoint shares."""

    csrf_exempt = True  # read by CsrfViewMiddleware: API clients send no CSRF token

    def __init__(self, scope: Scope, handlers: dict[str, Handler], dialect: Dialect = SEEKRFLOW):
        self.scope = scope
        self.handlers = {method.upper(): handler for method, handler in handlers.items()}
        self.dialect = dialect

    def __call__(self, request: HttpRequest, **kwargs) -> HttpResponseBase:
        dialect = self.dialect
        path = dialect.relative_path(request)
        user = identity.user_for_key(dialect.api_key(request))
        recorder.record(
            recorder.RecordedRequest(
                method=request.method,
                path=path,
                query=request.GET.dict(),
                team_header=request.headers.get(dialect.team_header()),
                authorization=dialect.key_header() in request.headers,
                user_agent=request.headers.get("User-Agent", ""),
                user_id=user.pk if user else None,
                mount=dialect.name,
            )
        )
        latency_ms = int(getattr(settings, "SANDBOX_LATENCY_MS", 0) or 0)
        if latency_ms > 0:
            time.sleep(latency_ms / 1000)
        try:
            rule = faults.find(request.method, path, mount=dialect.name)
        except faults.FaultSpecError as exc:
            logger.error("SANDBOX_FAULTS is invalid: %s", exc)
            return dialect.error_response(500, f"SANDBOX_FAULTS is invalid: {exc}")
        if rule is not None:
            return faults.respond(
                rule,
                request,
                lambda: self.answer(request, user, kwargs),
                error=dialect.error_response,
            )
        return self.answer(request, user, kwargs)

    def answer(
        self, request: HttpRequest, user: SandboxUser | None, kwargs: dict
    ) -> HttpResponseBase:
        try:
            return render(self.dispatch(request, user, kwargs))
        except errors.ApiError as exc:
            return self.dialect.error(exc)

    def dispatch(self, request: HttpRequest, user: SandboxUser | None, kwargs: dict) -> Any:
        handler = self.handlers.get(request.method) or self.handlers.get("*")
        if handler is None:
            allowed = ", ".join(sorted(self.handlers))
            raise errors.MethodNotAllowed(
                f"Method {request.method} not allowed here.", headers={"Allow": allowed}
            )
        if self.scope is Scope.PUBLIC:
            return handler(request, **kwargs)
        dialect = self.dialect
        if user is None:
            raise dialect.bad_key()
        team = None
        if self.scope is Scope.TEAM:
            team = identity.team_for_header(
                user,
                request.headers.get(dialect.team_header()),
                message=dialect.not_a_member,
                personal_id_allowed=dialect.personal_team_header,
            )
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
