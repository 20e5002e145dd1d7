"""The upstream client: the only place that builds upstream URLs and headers.

A client is bound to one API key and one team (``None``: the personal workspace). Every call
says its :class:`~dashboard.upstream.catalog.Scope`; ``x-team-id`` is added to team calls only.
``client_for(request)`` (in ``dashboard.upstream.binding``) builds one from the signed-in
user's active key and the session's active team.
"""

from __future__ import annotations

import json
import logging
import math
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.utils import timezone
from urllib3.exceptions import ReadTimeoutError

from dashboard.upstream import errors
from dashboard.upstream.catalog import Pagination, ResourceKind, Scope, Wrapping
from dashboard.upstream.deadline import (
    DeadlineTimeout,
    call_deadline,
    current_page_deadline,
    seconds_left,
)
from dashboard.upstream.fanout import fan_out
from dashboard.upstream.http import get_session

logger = logging.getLogger(__name__)

USER_AGENT = "TeamDashboard/0.1 (SeekrFlow team dashboard)"
LIST_ALL_LIMIT = 20_000  # a safety stop when a whole list is fetched page by page
LIST_ALL_WINDOW = 4  # pages asked at once when the upstream does not say how many there are


@dataclass
class Page:
    items: list[dict]
    has_more: bool
    total: int | None = None  # known when the upstream says it, or the whole list was fetched


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


def can_name_a_resource(value: Any) -> bool:
    """Whether an id can name anything: not empty, not a dot segment that would climb a path,
    and free of control characters (NUL, CR, LF…)."""
    text = str(value)
    return text not in ("", ".", "..") and not any(
        unicodedata.category(ch) == "Cc" for ch in text
    )


def segment(value: Any) -> str:
    """An id as exactly one URL path segment of an upstream path.

    Everything is percent-encoded (``/``, ``?``, ``#``, ``%`` included), so an id can never
    reach another path, a query or a fragment. An id that cannot name a resource at all is not
    found, before any call is made.
    """
    text = str(value)
    if not can_name_a_resource(text):
        raise errors.NotFoundError(
            "There is no resource with such an ID (404): it is empty, a dot path or holds "
            "control characters."
        )
    return quote(text, safe="")


def expand(template: str, resource_id: Any) -> str:
    """A catalog path (``…/{id}…``) for one resource, its id quoted as one segment."""
    return template.format(id=segment(resource_id))


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
        self.base_url = (base_url or settings.SEEKR_BASE_URL).rstrip("/") + "/"
        self.deadline = current_page_deadline() if deadline is _PAGE else deadline

    def __repr__(self) -> str:  # never shows the key
        return f"<UpstreamClient team={self.team_id or 'personal'}>"

    def for_team(self, team_id: str | None) -> UpstreamClient:
        """The same key (and deadline), bound to another team (``None``: personal workspace)."""
        return UpstreamClient(
            self._api_key, team_id, base_url=self.base_url, deadline=self.deadline
        )

    # --- transport ------------------------------------------------------------------------
    def headers(self, scope: Scope, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": self._api_key, "User-Agent": USER_AGENT}
        if scope is Scope.TEAM and self.team_id:
            headers["x-team-id"] = self.team_id
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
        headers: dict[str, str] | None = None,
        timeout: tuple[float, float] | None = None,
    ) -> requests.Response:
        url = self.base_url + path.lstrip("/")
        deadline = self.deadline if timeout is None else None  # own timeouts: streams, uploads
        timeout = timeout or self._timeout()
        try:
            with call_deadline(deadline):
                response = get_session().request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    data=data,
                    headers=self.headers(scope, headers),
                    timeout=timeout,
                    allow_redirects=False,
                    stream=True,
                )
        except requests.Timeout as exc:
            raise self._timed_out(deadline) from exc
        except requests.ConnectionError as exc:
            # With retries used up, urllib3 wraps a read timeout in MaxRetryError, which
            # requests raises as a ConnectionError: it is still a timeout.
            reason = getattr(exc.args[0], "reason", None) if exc.args else None
            if isinstance(reason, ReadTimeoutError):
                raise self._timed_out(deadline) from exc
            raise errors.UpstreamUnreachableError() from exc
        except requests.RequestException as exc:
            raise errors.UpstreamUnavailableError() from exc
        if response.status_code >= 300:
            body = self._read_capped(response, 64 * 1024, strict=False)
            raise errors.error_for_status(
                response.status_code, body, _retry_after(response.headers.get("Retry-After"))
            )
        return response

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
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(chunk_size=64 * 1024):
                size += len(chunk)
                if size > limit:
                    if strict:
                        raise errors.BadResponseError(
                            "The upstream's answer was far larger than expected, so the "
                            "dashboard stopped reading it. Try again, or narrow the request."
                        )
                    break
                chunks.append(chunk)
        except requests.RequestException as exc:
            reason = exc.args[0] if exc.args else None
            if isinstance(exc, requests.Timeout) or isinstance(reason, ReadTimeoutError):
                raise errors.UpstreamTimeoutError(
                    "Timed out: the upstream stopped sending its answer part-way. Try again in "
                    "a minute."
                ) from exc
            raise errors.UpstreamUnavailableError(
                "The connection to the upstream broke while it was answering. Try again."
            ) from exc
        finally:
            response.close()
        return b"".join(chunks)

    def request(self, method: str, path: str, *, scope: Scope, **kwargs) -> Any:
        """Send one call and return its decoded JSON (``{}`` for 204)."""
        response = self._send(method, path, scope=scope, **kwargs)
        body = self._read_capped(response, settings.UPSTREAM_MAX_BODY_BYTES)
        if response.status_code == 204 or not body.strip():
            return {}
        try:
            return json.loads(body)
        except ValueError as exc:
            raise errors.BadResponseError() from exc

    def stream(self, method: str, path: str, *, scope: Scope, **kwargs) -> StreamedResponse:
        """Send one call and hand back the open response, for relaying without buffering."""
        response = self._send(method, path, scope=scope, **kwargs)
        length = response.headers.get("Content-Length")
        return StreamedResponse(
            response=response,
            content_type=response.headers.get("Content-Type", "application/octet-stream"),
            content_length=int(length) if length and length.isdigit() else None,
        )

    # --- catalog-driven reads and writes ------------------------------------------------
    @staticmethod
    def unwrap(kind: ResourceKind | Wrapping, payload: Any) -> tuple[list[dict], int | None]:
        """The items (and the total, when given) of a list answer, checked for shape."""
        wrapping = kind.wrapping if isinstance(kind, ResourceKind) else kind
        items: Any
        total = None
        if wrapping is Wrapping.BARE:
            items = payload
        elif isinstance(payload, dict):
            items = payload.get("data", [] if wrapping is Wrapping.OBJECT_DATA else None)
            raw_total = payload.get("total")
            total = raw_total if isinstance(raw_total, int) else None
        else:
            items = None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise errors.BadResponseError(
                "The upstream answered a list request with data of an unexpected shape."
            )
        return items, total

    def list_page(
        self,
        kind: ResourceKind,
        *,
        offset: int = 0,
        limit: int = 50,
        params: dict | None = None,
    ) -> Page:
        """One page of a kind's list, asked of the upstream in the kind's own style.

        ``has_more`` is learnt by asking for one item more than the page holds.
        """
        query = dict(kind.list_params)
        query.update(params or {})
        if kind.pagination is Pagination.NONE:
            items, total = self.unwrap(kind, self._get_list(kind, query))
            window = items[offset : offset + limit]
            return Page(window, offset + limit < len(items), len(items))
        probe = min(limit + 1, kind.max_page_size)
        if kind.pagination is Pagination.LIMIT_ORDER:
            query.update(limit=min(offset + limit + 1, kind.max_page_size))
            query.setdefault("order", "desc")
            items, total = self.unwrap(kind, self._get_list(kind, query))
            return Page(items[offset : offset + limit], len(items) > offset + limit, total)
        if kind.pagination is Pagination.SKIP_LIMIT:
            query.update(skip=offset, limit=probe)
        else:
            query.update(offset=offset, limit=probe)
        items, total = self.unwrap(kind, self._get_list(kind, query))
        has_more = len(items) > limit if probe > limit else len(items) == probe
        if total is not None:
            has_more = offset + limit < total
        return Page(items[:limit], has_more, total)

    def _get_list(self, kind: ResourceKind, query: dict) -> Any:
        return self.request("GET", kind.list_path, scope=kind.scope, params=query or None)

    def list_all(self, kind: ResourceKind, *, params: dict | None = None) -> list[dict]:
        """The whole list of a kind, paging through the upstream with its largest page.

        After the first page, the next ones are asked side by side (all that are left when the
        upstream gives a total, else ``LIST_ALL_WINDOW`` at a time, stopping at a short page).
        """
        if kind.pagination in (Pagination.NONE, Pagination.LIMIT_ORDER):
            size = LIST_ALL_LIMIT if kind.pagination is Pagination.NONE else kind.max_page_size
            return self.list_page(kind, limit=size, params=params).items
        size = kind.max_page_size
        last_page = math.ceil(LIST_ALL_LIMIT / size)
        first = self.list_page(kind, limit=size, params=params)
        items = list(first.items)
        more, page_no = first.has_more and bool(first.items), 1
        while more and page_no < last_page:
            # The next pages side by side: as many as the total says are left, or a few.
            left = math.ceil((first.total - len(items)) / size) if first.total else 0
            window = range(page_no, min(page_no + max(left, LIST_ALL_WINDOW), last_page))
            outcomes = fan_out(
                {
                    n: partial(self.list_page, kind, offset=n * size, limit=size, params=params)
                    for n in window
                }
            )
            for n in window:  # in order; a failed page fails the whole list
                page = outcomes[n]
                if page.error is not None:
                    raise page.error
                items.extend(page.value.items)
                more = page.value.has_more and bool(page.value.items)
                if not more:
                    break
            page_no = window.stop
        return items

    def retrieve(self, kind: ResourceKind, resource_id: str) -> dict:
        payload = self.request("GET", expand(kind.detail_path, resource_id), scope=kind.scope)
        if not isinstance(payload, dict):
            raise errors.BadResponseError()
        return payload

    def delete(self, kind: ResourceKind, resource_id: str) -> Any:
        if not kind.delete_path:
            raise errors.InvalidRequestError(f"{kind.label} cannot be deleted.")
        return self.request("DELETE", expand(kind.delete_path, resource_id), scope=kind.scope)

    def run_action(self, kind: ResourceKind, action_name: str, resource_id: str) -> Any:
        action = kind.action(action_name)
        if action is None:
            raise errors.InvalidRequestError(f"{kind.label} have no action '{action_name}'.")
        return self.request(action.method, expand(action.path, resource_id), scope=kind.scope)

    def sub_list(self, kind: ResourceKind, index: int, resource_id: str) -> list[dict]:
        sub = kind.sub_lists[index]
        payload = self.request("GET", expand(sub.path, resource_id), scope=kind.scope)
        return self.unwrap(sub.wrapping, payload)[0]

    def content(self, kind: ResourceKind, resource_id: str) -> StreamedResponse:
        """A resource's downloadable content, open for relaying as it arrives."""
        if not kind.content_path:
            raise errors.NotFoundError(f"{kind.label} have no downloadable content.")
        return self.stream("GET", expand(kind.content_path, resource_id), scope=kind.scope)

    def probe_team(self) -> None:
        """A cheap call scoped to this client's team: raises if the key or team is refused."""
        from dashboard.upstream.catalog import FILES

        self.list_page(FILES, limit=1)
