"""The sandbox's error answers: an exception per status, rendered as ``{"detail": "…"}`` (a
request body that fails validation as FastAPI does, ``{"detail": [{type, loc, msg, input}…]}``).

The sandbox's functions raise these wherever a request cannot be honoured; the endpoint
machinery turns them into JSON responses, so a client mistake is always a 4xx and never a
Django error page.
"""

from __future__ import annotations

from django.http import JsonResponse


class ApiError(Exception):
    status = 400

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}

    def response(self) -> JsonResponse:
        response = JsonResponse({"detail": self.detail}, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class MethodNotAllowed(ApiError):
    status = 405


class Conflict(ApiError):
    status = 409


class PayloadTooLarge(ApiError):
    status = 413


class UnsupportedMediaType(ApiError):
    status = 415


class Unprocessable(ApiError):
    status = 422


class Invalid(Unprocessable):
    """A request body that fails validation: every problem, each with its location (``loc``,
    e.g. ``["body", "training_config", "n_epochs"]``), so a client can show it by its field."""

    def __init__(self, problems: list[dict]):
        super().__init__("; ".join(f"{'.'.join(map(str, p['loc']))}: {p['msg']}" for p in problems))
        self.problems = problems

    def response(self) -> JsonResponse:
        return JsonResponse({"detail": self.problems}, status=self.status)


def not_found(label: str) -> NotFound:
    """The one answer for a resource that does not exist *or* belongs to another team."""
    return NotFound(f"{label} not found.")
