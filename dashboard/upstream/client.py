"""The upstream client: the only place that builds upstream URLs and headers.

A client is bound to one API key and one team (``None``: the personal workspace). It is the
transport (:meth:`UpstreamClient.request`, :meth:`UpstreamClient.stream`) under namespaces
shaped like the official SDK's: ``client.resources`` for the catalog's kinds, ``client.files``
for uploads, ``client.threads`` for personal threads, messages and runs. Every call says its
:class:`~dashboard.upstream.catalog.Scope`; ``x-team-id`` is added to team calls only. The
dashboard builds clients from the signed-in user's workspace (``dashboard.teams.workspace``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.timeout import Timeout

from dashboard.upstream import errors, listcache, profiles, transport
from dashboard.upstream.catalog import Scope
from dashboard.upstream.deadline import (
    DeadlineTimeout,
    call_deadline,
    current_page_deadline,
    seconds_left,
)
from dashboard.upstream.files import FilesApi
from dashboard.upstream.http import get_session
from dashboard.upstream.resources import ResourcesApi
from dashboard.upstream.threads import ThreadsApi
from dashboard.upstream.values import mended

logger = logging.getLogger(__name__)

USER_AGENT = "TeamDashboard/0.1 (team dashboard)"


@dataclass
class StreamedResponse:
    """An open upstream response to relay (file content, an SSE run)."""

    response: requests.Response
    content_type: str
    content_length: int | None

    def iter_bytes(self, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
        try:
            yield from self.response.iter_content(chunk_size=chunk_size)
        except requests.RequestException as exc:
            logger.warning("upstream stream broke: %s", type(exc).__name__)
            return
        finally:
            self.response.close()

    def iter_lines(self) -> Iterator[str]:
        try:
            for line in self.response.iter_lines(decode_unicode=False):
                yield line.decode("utf-8", errors="replace")
        except requests.RequestException as exc:
            logger.warning("upstream stream broke: %s", type(exc).__name__)
            return
        finally:
            self.response.close()

    def close(self) -> None:
        self.response.close()


SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def decode_json(body: bytes) -> Any:
    """JSON as the upstream sent it, except that a half of a UTF-16 pair left alone (valid JSON
    can write ``"\\ud800"``, but no page or database can take it) becomes U+FFFD."""
    value = json.loads(body)
    return _mend_surrogates(value) if SURROGATE_ESCAPE.search(body) else value


def _mend_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return mended(value)
    if isinstance(value, list):
        return [_mend_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_mend_surrogates(k): _mend_surrogates(v) for k, v in value.items()}
    return value


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


_PAGE = object()  # a client's deadline, unless told otherwise: the page's being built
# Whether a key is refused without a team, where one status means both "key refused" and "not
# in this team": key fingerprint (the key at its upstream) -> (when learnt, refused).
_key_verdicts: dict[str, tuple[float, bool]] = {}
KEY_VERDICT_SECONDS = 30


class UpstreamClient:
    """Calls for one API key in one team. ``deadline`` (a ``time.monotonic()`` instant, or None)
    bounds every call that sets no timeout of its own; by default it is the deadline of the page
    the client is built for (see ``deadline.py``)."""

    def __init__(
        self,
        api_key: str,
        team_id: str | None = None,
        *,
        base_url: str | None = None,
        deadline: float | None | object = _PAGE,
    ):
        if not api_key:
            raise errors.NoApiKeyError()
        self._api_key = api_key
        self.team_id = team_id or None
        self.base_url = (base_url or profiles.base_url()).rstrip("/") + "/"
        self.deadline = current_page_deadline() if deadline is _PAGE else deadline

    def __repr__(self) -> str:  # never shows the key
        return f"<UpstreamClient team={self.team_id or 'personal'}>"

    @cached_property
    def key_fingerprint(self) -> str:
        """Names the key at its upstream (to keep what it read apart from what others read, and
        from what another upstream answered it) without showing it."""
        return hashlib.sha256(f"{self.base_url}\n{self._api_key}".encode()).hexdigest()[:32]

    @cached_property
    def resources(self) -> ResourcesApi:
        return ResourcesApi(self)

    @cached_property
    def files(self) -> FilesApi:
        return FilesApi(self)

    @cached_property
    def threads(self) -> ThreadsApi:
        return ThreadsApi(self)

    def for_team(self, team_id: str | None) -> UpstreamClient:
        """The same key (and deadline), bound to another team (``None``: personal workspace)."""
        return UpstreamClient(
            self._api_key, team_id, base_url=self.base_url, deadline=self.deadline
        )

    # --- transport ------------------------------------------------------------------------
    def sends_team(self, scope: Scope) -> bool:
        return scope is Scope.TEAM and bool(self.team_id)

    def headers(self, scope: Scope, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The key and (for a team call) the team, in the headers the profile names."""
        name, scheme = profiles.key_header()
        headers = {name: f"{scheme} {self._api_key}" if scheme else self._api_key}
        headers["User-Agent"] = USER_AGENT
        team_header = profiles.team_header()
        if team_header and self.sends_team(scope):
            headers[team_header] = self.team_id
        if extra:
            headers.update(extra)
        return headers

    def _send(
        self,
        method: str,
        path: str,
        *,
        scope: Scope,
        params: dict | None = None,
        json_body: Any = None,
        data: Any = None,
        files: Any = None,
        headers: dict[str, str] | None = None,
        timeout: tuple[float, float] | None = None,
        plain: bool = False,
    ) -> requests.Response | tuple[int, bytes]:
        """Send one call: its open response, or with ``plain`` (no form, no file) its status
        and body, read through urllib3 directly (see ``transport.py``)."""
        deadline = self.deadline if timeout is None else None  # own timeouts: streams, uploads
        timeout = timeout or self._timeout()
        changes = method not in ("GET", "HEAD") and scope is Scope.TEAM
        if changes:
            # Whether or not it succeeds, the team may have changed: lists read of it go stale.
            # Before the call and after it, so that no list read while it ran is reused.
            listcache.changed(self)
        try:
            if plain:
                return self._exchange_plain(
                    method, path, scope, deadline, timeout, headers, params, json_body
                )
            url = self.base_url + path.lstrip("/")
            kwargs = {"params": params, "json": json_body, "data": data, "files": files}
            return self._exchange(method, url, scope, deadline, timeout, headers, **kwargs)
        finally:
            if changes:
                listcache.changed(self)

    def _exchange_plain(self, method, path, scope, deadline, timeout, headers, params, json_body):
        if isinstance(timeout, tuple):
            timeout = Timeout(connect=timeout[0], read=timeout[1])
        try:
            with call_deadline(deadline):
                response = transport.send(
                    method,
                    self.base_url,
                    path,
                    headers=self.headers(scope, headers),
                    params=params,
                    body=transport.json_body(json_body),
                    timeout=timeout,
                )
        except transport.TimedOut as exc:
            error = self._timed_out(deadline)
            error.sent = exc.sent
            raise error from exc
        if response.status >= 300:
            body = transport.read_capped(response, 64 * 1024, strict=False)
            raise errors.was_sent(self._refused(response.status, body, response.headers, scope))
        return response.status, transport.read_capped(response, settings.UPSTREAM_MAX_BODY_BYTES)

    def _exchange(self, method, url, scope, deadline, timeout, headers, **kwargs):
        try:
            with call_deadline(deadline):
                response = get_session().request(
                    method,
                    url,
                    **kwargs,
                    headers=self.headers(scope, headers),
                    timeout=timeout,
                    allow_redirects=False,
                    stream=True,
                )
        except requests.Timeout as exc:
            error = self._timed_out(deadline)
            error.sent = not isinstance(exc, requests.ConnectTimeout)  # a read timed out
            raise error from exc
        except requests.ConnectionError as exc:
            # With retries used up, urllib3 wraps a read timeout in MaxRetryError, which
            # requests raises as a ConnectionError: it is still a timeout.
            reason = getattr(exc.args[0], "reason", None) if exc.args else None
            if isinstance(reason, ReadTimeoutError):
                raise errors.was_sent(self._timed_out(deadline)) from exc
            raise errors.UpstreamUnreachableError() from exc
        except requests.RequestException as exc:
            raise errors.UpstreamUnavailableError() from exc
        if response.status_code >= 300:
            body = self._read_capped(response, 64 * 1024, strict=False)
            raise errors.was_sent(
                self._refused(response.status_code, body, response.headers, scope)
            )
        return response

    def _refused(self, status: int, body: bytes, headers, scope: Scope) -> errors.UpstreamError:
        """The error an answer of ``status`` means, in the profile's dialect. Where one status
        means both "key refused" and "not in this team", a team call so refused is asked again
        without the team: refused there too, it was the key."""
        dialect = profiles.active_profile().errors
        team_sent = self.sends_team(scope) and profiles.team_header() is not None
        error = errors.error_for_status(
            status,
            body,
            _retry_after(headers.get("Retry-After")),
            dialect=dialect,
            team_sent=team_sent,
        )
        if team_sent and dialect.ambiguous(status):
            rejected = self._key_rejected()
            if rejected:
                return errors.BadKeyError(status=status, detail=error.detail)
            if rejected is None:  # could not be told apart: both are said
                return errors.ForbiddenError(
                    f"{error.message} Or the upstream rejected your API key: it answers "
                    f"{status} to both, and could not be asked which.",
                    status=status,
                    detail=error.detail,
                )
        return error

    def _key_rejected(self) -> bool | None:
        """Whether the upstream refuses this key even without a team (None: it could not be
        asked). Known for a short while per key, so a page of refused calls asks once."""
        memo = self.key_fingerprint
        known = _key_verdicts.get(memo)
        if known is not None and time.monotonic() - known[0] < KEY_VERDICT_SECONDS:
            return known[1]
        try:
            self.for_team(None).resources.probe_team()
            rejected = False
        except errors.BadKeyError:
            rejected = True
        except errors.UpstreamError:
            return None
        if len(_key_verdicts) > 10_000:
            _key_verdicts.clear()
        _key_verdicts[memo] = (time.monotonic(), rejected)
        return rejected

    def _timeout(self) -> tuple[float, float] | DeadlineTimeout:
        connect, read = settings.UPSTREAM_CONNECT_TIMEOUT, settings.UPSTREAM_READ_TIMEOUT
        left = seconds_left(self.deadline)
        if left is None:
            return connect, read
        if left <= 0:
            raise self._timed_out(self.deadline)
        return DeadlineTimeout(connect=connect, read=read, deadline=self.deadline)

    @staticmethod
    def _timed_out(deadline: float | None) -> errors.UpstreamTimeoutError:
        left = seconds_left(deadline)
        if left is not None and left <= 0.05:
            return errors.UpstreamTimeoutError(
                "Timed out: the upstream did not answer within the time this page allows "
                f"({settings.UPSTREAM_PAGE_DEADLINE:g} s). Try again in a minute."
            )
        return errors.UpstreamTimeoutError()

    @staticmethod
    def _read_capped(response: requests.Response, limit: int, *, strict: bool = True) -> bytes:
        try:
            return transport.gather_capped(response.iter_content(64 * 1024), limit, strict)
        except requests.RequestException as exc:
            reason = exc.args[0] if exc.args else None
            if isinstance(exc, requests.Timeout) or isinstance(reason, ReadTimeoutError):
                raise errors.was_sent(
                    errors.UpstreamTimeoutError(
                        "Timed out: the upstream stopped sending its answer part-way. Try "
                        "again in a minute."
                    )
                ) from exc
            raise errors.was_sent(
                errors.UpstreamUnavailableError(
                    "The connection to the upstream broke while it was answering. Try again."
                )
            ) from exc
        finally:
            response.close()

    def request(
        self, method: str, path: str, *, scope: Scope, changes: bool | None = None, **kwargs
    ) -> Any:
        """Send one call and return its decoded JSON (``{}`` for 204). A change (any method
        but GET and HEAD, unless ``changes`` says it is only a question) whose outcome no
        answer told fails saying so (see :func:`errors.unsure`)."""
        try:
            return self._request(method, path, scope=scope, **kwargs)
        except errors.UpstreamError as exc:
            if changes is False or (changes is None and method not in errors.CHANGES):
                raise
            known = errors.unsure(exc)
            if known is exc:
                raise
            raise known from exc

    def _request(self, method: str, path: str, *, scope: Scope, **kwargs) -> Any:
        if kwargs.get("data") is None and kwargs.get("files") is None:
            status, body = self._send(method, path, scope=scope, plain=True, **kwargs)
        else:
            response = self._send(method, path, scope=scope, **kwargs)
            status = response.status_code
            body = self._read_capped(response, settings.UPSTREAM_MAX_BODY_BYTES)
        if status == 204 or not body or body.isspace():
            return {}
        try:
            return decode_json(body)
        except ValueError as exc:
            raise errors.was_sent(errors.BadResponseError()) from exc

    def stream(self, method: str, path: str, *, scope: Scope, **kwargs) -> StreamedResponse:
        """Send one call and hand back the open response, for relaying without buffering."""
        response = self._send(method, path, scope=scope, **kwargs)
        length = response.headers.get("Content-Length")
        return StreamedResponse(
            response=response,
            content_type=response.headers.get("Content-Type", "application/octet-stream"),
            content_length=int(length) if length and length.isdigit() else None,
        )
