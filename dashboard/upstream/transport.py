"""Plain calls (a JSON body or none, a JSON answer read whole) sent through urllib3 directly.

``requests`` prepares every call anew (settings and headers merged, URL parsed and re-quoted,
hooks, cookies, an adapter found) and costs about as much CPU again as the exchange itself; a
page making nine calls pays it nine times. A plain call needs none of it, so it goes straight to
the connection pool of the process's one session (``http.py``): the same connections, the same
TLS verification, the same ``Retry`` (GET/HEAD only, capped ``Retry-After``, bounded by the
page's deadline), the same headers on the wire, and no cookie jar at all. Uploads, forms and
streams still go through ``requests``.

What ``requests`` would have raised is raised here as the same typed error (see
:func:`failure`); the URL is the one ``requests`` would have built (a test compares them).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from urllib3 import HTTPConnectionPool, HTTPResponse
from urllib3.exceptions import (
    ClosedPoolError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

from dashboard.upstream import errors
from dashboard.upstream.http import get_session

# The headers ``requests`` sends on every call (Accept, Accept-Encoding, Connection), under
# the caller's own.
DEFAULT_HEADERS = {
    name: value for name, value in requests.utils.default_headers().items()
    if name != "User-Agent"
}
# A header value ``requests`` accepts: no leading white space, no CR or LF anywhere.
VALID_HEADER_VALUE = re.compile(r"^\S[^\r\n]*$|^$")
CHUNK_BYTES = 64 * 1024

_lock = threading.Lock()
_pools: dict[str, tuple[requests.Session, HTTPConnectionPool, Retry]] = {}


class TimedOut(Exception):
    """The call, or its answer, timed out (the caller words the error: see ``client.py``)."""


def connection_for(base_url: str) -> tuple[HTTPConnectionPool, Retry]:
    """The session's connection pool for ``base_url``'s host, set up as ``requests`` sets it
    up (TLS verified against its CA bundle), and the session's ``Retry``."""
    session = get_session()
    found = _pools.get(base_url)
    if found is not None and found[0] is session and found[1].pool is not None:
        return found[1], found[2]
    with _lock:
        adapter = session.get_adapter(base_url)
        prepared = requests.PreparedRequest()
        prepared.url = base_url
        pool = adapter.get_connection_with_tls_context(prepared, True, proxies={}, cert=None)
        adapter.cert_verify(pool, base_url, True, None)
        _pools[base_url] = (session, pool, adapter.max_retries)
    return pool, adapter.max_retries


def query_string(params: dict | None) -> str:
    """``params`` as ``requests`` encodes them: a value of None left out, a list repeated."""
    if not params:
        return ""
    pairs = []
    for key, values in params.items():
        if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
            values = [values]
        for value in values:
            if value is not None:
                pairs.append((key, value))
    return urlencode(pairs, doseq=True)


def target(base_url: str, path: str, params: dict | None) -> str:
    """The request target (path and query) of ``path`` under ``base_url``."""
    split = urlsplit(base_url + path.lstrip("/"))
    query = "&".join(part for part in (split.query, query_string(params)) if part)
    return (split.path or "/") + (f"?{query}" if query else "")


def json_body(value: Any) -> bytes | None:
    if value is None:
        return None
    try:
        return json.dumps(value, allow_nan=False).encode("utf-8")
    except ValueError as exc:  # NaN or infinity: requests refuses it too
        raise errors.UpstreamUnavailableError() from exc


def send(
    method: str,
    base_url: str,
    path: str,
    *,
    headers: dict[str, str],
    params: dict | None = None,
    body: bytes | None = None,
    timeout: Any,
) -> HTTPResponse:
    """Send one call; its answer is returned unread. A failure to get one is raised as
    :class:`TimedOut` or a typed upstream error."""
    sent = {**DEFAULT_HEADERS, **headers}
    if body is not None:
        sent.setdefault("Content-Type", "application/json")
        sent["Content-Length"] = str(len(body))
    elif method not in ("GET", "HEAD"):
        sent["Content-Length"] = "0"
    for value in sent.values():
        if not VALID_HEADER_VALUE.match(value):
            raise errors.UpstreamUnavailableError()  # requests: InvalidHeader
    pool, retries = connection_for(base_url)
    try:
        return pool.urlopen(
            method,
            target(base_url, path, params),
            body=body,
            headers=sent,
            retries=retries,
            redirect=False,
            assert_same_host=False,
            preload_content=False,
            decode_content=False,
            timeout=timeout,
        )
    except (HTTPError, OSError, ValueError) as exc:
        raise failure(exc) from exc


def failure(exc: BaseException) -> Exception:
    """The error for a call that got no answer, as ``client.py`` maps ``requests``' own."""
    reason = exc.reason if isinstance(exc, MaxRetryError) else exc
    # A refused connection is a NewConnectionError, which urllib3 makes a ConnectTimeoutError.
    if isinstance(reason, Urllib3Timeout) and not isinstance(reason, NewConnectionError):
        return TimedOut()
    if isinstance(reason, ResponseError):
        return errors.UpstreamUnavailableError()
    if isinstance(exc, MaxRetryError | ClosedPoolError | ProtocolError | SSLError | OSError):
        return errors.UpstreamUnreachableError()
    return errors.UpstreamUnavailableError()


def gather_capped(chunks: Iterable[bytes], limit: int, strict: bool) -> bytes:
    """The chunks joined, up to ``limit`` bytes: past it, an error (``strict``) or what came
    before it."""
    kept, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            if strict:
                raise errors.BadResponseError(
                    "The upstream's answer was far larger than expected, so the "
                    "dashboard stopped reading it. Try again, or narrow the request."
                )
            break
        kept.append(chunk)
    return b"".join(kept)


def read_capped(response: HTTPResponse, limit: int, *, strict: bool = True) -> bytes:
    """The answer's body, up to ``limit`` bytes once decoded: past it, an error (``strict``)
    or the first ``limit`` bytes. The connection goes back to the pool when it was read whole.
    """
    try:
        length = response.headers.get("Content-Length")
        if (
            length is not None
            and length.isdigit()
            and int(length) <= limit
            and not response.headers.get("Content-Encoding")
            and not response.headers.get("Transfer-Encoding")  # chunked: the length is not it
            and not response.chunked
        ):
            return response.read()  # at once: the length is known and nothing is to decode
        return gather_capped(response.stream(CHUNK_BYTES, decode_content=True), limit, strict)
    except ReadTimeoutError as exc:
        raise errors.UpstreamTimeoutError(
            "Timed out: the upstream stopped sending its answer part-way. Try again in a minute."
        ) from exc
    except (HTTPError, OSError) as exc:
        raise errors.UpstreamUnavailableError(
            "The connection to the upstream broke while it was answering. Try again."
        ) from exc
    finally:
        response.close()
        response.release_conn()
