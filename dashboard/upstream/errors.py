"""Typed upstream failures, each with a message a person can act on.

Views catch :class:`UpstreamError` and render ``error.message`` in the page; they never let an
upstream failure become a Django 500. Messages never contain an API key or a raw body.
"""

from __future__ import annotations

import json
from typing import TypeVar

from dashboard.upstream.profiles.types import ErrorDialect
from dashboard.upstream.values import mended

DETAIL_MAX_CHARS = 300


class UpstreamError(Exception):
    """Base of every failure reaching the upstream. ``status`` is the HTTP status, if any."""

    title = "The upstream request failed"
    default_message = "The upstream could not complete the request."
    http_status = 502  # what a dashboard page answers with when this error is the whole page
    # The call reached the upstream (it was sent whole): the upstream may have acted on it.
    sent = False
    # A change was sent, but no answer said what came of it: it may have been made.
    outcome_unknown = False

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        detail: str = "",
        field_errors: dict[str, str] | None = None,
    ):
        self.message = message or self.default_message
        self.status = status
        self.detail = detail
        # What the upstream said of each field of the request body, by dotted path.
        self.field_errors = field_errors or {}
        super().__init__(self.message)

    def __str__(self) -> str:  # never includes headers, so never the key
        return self.message


class NoApiKeyError(UpstreamError):
    title = "No API key yet"
    default_message = "Add an upstream API key on the Keys page to see your resources."
    http_status = 409


class ApiKeyUnreadableError(UpstreamError):
    title = "Your stored API key cannot be read"
    default_message = (
        "Your stored API key cannot be decrypted with the dashboard's encryption keys. "
        "Ask an administrator, or delete it and add it again on the Keys page."
    )
    http_status = 503


class BadKeyError(UpstreamError):
    title = "API key rejected"
    default_message = (
        "The upstream rejected your API key (401). It may have been revoked or mistyped: "
        "check it on the Keys page, or add a new one."
    )
    http_status = 401

    def __init__(self, message: str | None = None, *, status: int | None = None, **kwargs):
        if message is None and status is not None:
            message = self.default_message.replace("(401)", f"({status})")
        super().__init__(message, status=status, **kwargs)


class ForbiddenError(UpstreamError):
    title = "Not allowed in this team"
    default_message = (
        "The upstream refused this (403): you are not a member of this team, or your role "
        "in it does not allow this action."
    )
    http_status = 403


class NotFoundError(UpstreamError):
    title = "Not found"
    default_message = "The upstream has no such resource in this team (404)."
    http_status = 404


class ConflictError(UpstreamError):
    title = "Conflict"
    default_message = (
        "The upstream refused this because it conflicts with the resource's state (409)."
    )
    http_status = 409


class InvalidRequestError(UpstreamError):
    title = "Rejected as invalid"
    default_message = "The upstream rejected the request as invalid."
    http_status = 400


class TooLargeError(UpstreamError):
    title = "Too large"
    default_message = "The upstream refused the request because it is too large (413)."
    http_status = 413


class RateLimitedError(UpstreamError):
    title = "Rate limited"
    http_status = 429

    def __init__(self, retry_after: float | None = None, **kwargs):
        self.retry_after = retry_after
        if retry_after:
            seconds = max(1, round(retry_after))
            message = (
                f"The upstream is rate limiting requests (429). Try again in {seconds} "
                f"second{'s' if seconds != 1 else ''}."
            )
        else:
            message = "The upstream is rate limiting requests (429). Try again in a moment."
        super().__init__(message, **kwargs)


class UpstreamUnavailableError(UpstreamError):
    title = "Upstream unavailable"
    default_message = (
        "The upstream is not available right now (server error). Nothing was changed on this "
        "page; try again in a minute."
    )
    http_status = 503


class UpstreamTimeoutError(UpstreamUnavailableError):
    title = "Upstream too slow"
    default_message = "The upstream did not answer in time. Try again in a minute."
    http_status = 504


class UpstreamUnreachableError(UpstreamUnavailableError):
    title = "Upstream unreachable"
    default_message = (
        "The upstream cannot be reached (connection failed). Check that it is running, or try "
        "again in a minute."
    )


class BadResponseError(UpstreamError):
    title = "Unreadable answer"
    default_message = (
        "The upstream answered with something the dashboard cannot read. Try again; if it "
        "persists, the upstream may be misconfigured."
    )
    http_status = 502


CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
E = TypeVar("E", bound=Exception)


def unsure(error: UpstreamError) -> UpstreamError:
    """``error`` as the failure of a change: when the change was sent but no answer said what
    came of it (none in time, a broken or unreadable one, a server error while handling it),
    the same error saying that the change may have been made, so that no one is told to
    simply try again and makes it twice. A refusal (4xx), a connection never made, a redirect
    or "unavailable" (503: not handled) is what it says."""
    if error.outcome_unknown or not error.sent:
        return error  # never sent (no connection, no time left, a value it cannot carry)
    if not isinstance(error, UpstreamUnavailableError | BadResponseError):
        return error
    if error.status == 503 or redirected(error):
        return error
    if isinstance(error, UpstreamTimeoutError):
        why = "The upstream did not answer in time"
    elif isinstance(error, BadResponseError):
        why = "The upstream's answer could not be read"
    elif error.status:
        why = f"The upstream answered with a server error (error {error.status}) while handling it"
    else:
        why = "The connection to the upstream broke before its answer came"
    return outcome_unknown(
        type(error)(
            f"{why}, so whether the change was made is not known. Look before trying again: "
            "it may have been made.",
            status=error.status,
            detail=error.detail,
        )
    )


def redirected(error: UpstreamError) -> bool:
    return bool(error.status) and 300 <= error.status < 400


def may_have_been_made(error: UpstreamError) -> bool:
    """Whether a change that ended in ``error`` may have been made: one marked so, or one
    answered with something that could not be read, or not as what was asked for (an answer
    all the same, unless a redirect)."""
    return error.outcome_unknown or (isinstance(error, BadResponseError) and not redirected(error))


def outcome_unknown(error: UpstreamError) -> UpstreamError:
    """``error``, marked as the end of a change that may have been made."""
    error.sent = error.outcome_unknown = True
    return error


def was_sent(error: E) -> E:
    """``error``, marked as the failure of a call that reached the upstream."""
    error.sent = True
    return error


MESSAGE_KEYS = ("detail", "message", "error")  # where error bodies put their message


def extract_detail(body: bytes | None, keys: tuple[str, ...] = MESSAGE_KEYS) -> str:
    """A short, human-readable detail out of an error body of any shape; a JSON object's
    message is looked for under ``keys``, in that order."""
    if not body:
        return ""
    text = body.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)  # whole: a long body (echoed input) still gives its message
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in keys:
            value = data.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, list):  # FastAPI validation errors
                value = "; ".join(
                    str(item.get("msg", item)) if isinstance(item, dict) else str(item)
                    for item in value[:5]
                )
            if isinstance(value, str) and value.strip():
                return mended(value.strip())[:DETAIL_MAX_CHARS]
        return ""
    if text.lstrip().startswith("<"):  # an HTML error page says nothing useful to a person
        return ""
    return text.strip()[:DETAIL_MAX_CHARS]


FIELD_ERRORS_MAX = 20  # of a validation answer's items, the first read


def extract_field_errors(body: bytes | None) -> dict[str, str]:
    """A validation answer's message per field of the request body (FastAPI's ``detail`` list,
    each naming its field by ``loc``: ``["body", "training_config", "n_epochs"]`` becomes
    ``training_config.n_epochs``)."""
    if not body:
        return {}
    try:
        data = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError:
        return {}
    items = data.get("detail") if isinstance(data, dict) else None
    found: dict[str, str] = {}
    for item in items[:FIELD_ERRORS_MAX] if isinstance(items, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("loc"), list):
            continue
        parts = [str(part) for part in item["loc"] if not isinstance(part, int)]
        if parts and parts[0] in ("body", "query", "path"):
            parts = parts[1:]
        message = item.get("msg")
        if parts and isinstance(message, str) and message.strip():
            found.setdefault(".".join(parts)[:200], mended(message.strip())[:DETAIL_MAX_CHARS])
    return found


def forbidden(status: int, detail: str, *, team_sent: bool) -> ForbiddenError:
    """A refusal: of a call in a team, about the team (membership or role); of one without
    (the personal workspace, threads), about what the key may do."""
    if team_sent:
        return ForbiddenError(status=status, detail=detail)
    error = ForbiddenError(
        f"The upstream refused this ({status}): your API key is not allowed to do it.",
        status=status,
        detail=detail,
    )
    error.title = "Not allowed"
    return error


def error_for_status(
    status: int,
    body: bytes | None,
    retry_after: float | None,
    *,
    dialect: ErrorDialect | None = None,
    team_sent: bool = False,
) -> UpstreamError:
    """The error an answer means, read in the upstream's ``dialect`` (SeekrFlow's when not
    given). A status meaning both "key refused" and "not in this team" is read as the team's
    refusal when a team was named (the client then asks again without it to be sure), as the
    key's otherwise."""
    dialect = dialect or ErrorDialect()
    detail = extract_detail(body, dialect.message_keys)

    def with_detail(cls: type[UpstreamError]) -> UpstreamError:
        message = cls.default_message
        if detail:
            message = f"{message} The upstream said: {detail}"
        return cls(message, status=status, detail=detail, field_errors=extract_field_errors(body))

    if status in dialect.not_a_member and (team_sent or status not in dialect.key_rejected):
        return forbidden(status, detail, team_sent=team_sent)
    if status in dialect.key_rejected:
        return BadKeyError(status=status, detail=detail)
    if status in (401, 403):
        return forbidden(status, detail, team_sent=team_sent)
    if status == 404:
        return NotFoundError(status=status, detail=detail)
    if status == 409:
        return with_detail(ConflictError)
    if status == 413:
        return with_detail(TooLargeError)
    if status == 429:
        return RateLimitedError(retry_after, status=status, detail=detail)
    if 400 <= status < 500:
        return with_detail(InvalidRequestError)
    if 300 <= status < 400:
        return BadResponseError(
            f"The upstream answered with a redirect ({status}), which the dashboard does not "
            "follow. The upstream address may be wrong.",
            status=status,
        )
    return UpstreamUnavailableError(
        f"The upstream is not available right now (error {status}). Nothing was changed; "
        "try again in a minute.",
        status=status,
    )
