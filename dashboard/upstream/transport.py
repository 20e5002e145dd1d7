"""Plain calls (a JSON body or none, a JSON answer read whole), sent without ``requests``.

``requests`` prepares every call anew (settings and headers merged, URL parsed and re-quoted,
hooks, cookies, an adapter found) and ``http.client`` under it parses each answer's head as an
e-mail message; together they cost several times the exchange itself, and a page making nine
calls pays it nine times. A plain call needs none of it: it goes over ``wire.py``'s kept-alive
connections, with the same headers on the wire as ``requests`` would send, TLS verified against
the same certificates (``http.ca_bundle``), no cookie jar at all, and the process session's
``Retry`` (GET/HEAD only, capped ``Retry-After``, bounded by the page's deadline). Uploads,
forms and streams still go through ``requests``.

What ``requests`` would have raised is raised here as the same typed error (see
:func:`failure`); the URL is the one ``requests`` would have built (a test compares them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
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

from dashboard.upstream import errors, wire
from dashboard.upstream.http import ca_bundle, get_session, kept_connections

# The headers ``requests`` sends on every call (Accept, Accept-Encoding, Connection), under
# the caller's own.
DEFAULT_HEADERS = {
    name: value for name, value in requests.utils.default_headers().items()
    if name != "User-Agent"
}
# The codings ``wire.py`` decodes (``requests`` adds brotli and zstandard where installed).
DEFAULT_HEADERS["Accept-Encoding"] = "gzip, deflate"
# A header value ``requests`` accepts: no leading white space, no CR or LF anywhere.
VALID_HEADER_VALUE = re.compile(r"(\S[^\r\n]*)?")
HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # an HTTP token
REQUEST_TARGET = re.compile(r"/[!-~]*")  # printable ASCII, as a URL once encoded is
CHUNK_BYTES = 64 * 1024

TOO_LARGE = (
    "The upstream's answer was far larger than expected, so the dashboard stopped reading "
    "it. Try again, or narrow the request."
)


class TimedOut(Exception):
    """The call, or its answer, timed out (the caller words the error: see ``client.py``);
    ``sent``: after the request reached the upstream."""

    sent = False


def origin_for(base_url: str) -> tuple[wire.Origin, Retry]:
    """The kept-alive connections to ``base_url``'s origin, and the session's ``Retry``."""
    session = get_session()
    retries = session.get_adapter(base_url).max_retries
    bundle = ca_bundle()
    return wire.origin_for(session, base_url, keep=kept_connections(), ca_bundle=bundle), retries


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
) -> wire.Answer:
    """Send one call; its answer is returned unread. A failure to get one is raised as
    :class:`TimedOut` or a typed upstream error."""
    sent = {**DEFAULT_HEADERS, **headers}
    if body is not None:
        sent.setdefault("Content-Type", "application/json")
        sent["Content-Length"] = str(len(body))
    elif method not in ("GET", "HEAD"):
        sent["Content-Length"] = "0"
    for name, value in sent.items():
        if not (HEADER_NAME.fullmatch(name) and VALID_HEADER_VALUE.fullmatch(value)):
            raise errors.UpstreamUnavailableError()  # requests: InvalidHeader
    origin, retries = origin_for(base_url)
    url = target(base_url, path, params)
    if not REQUEST_TARGET.fullmatch(url):  # white space or a control character in the base URL
        raise errors.UpstreamUnavailableError()
    try:
        request = origin.head(method, url, sent) + (body or b"")
    except UnicodeEncodeError as exc:  # http.client refuses a header value beyond Latin-1 too
        raise errors.UpstreamUnavailableError() from exc
    while True:
        try:
            answer = origin.exchange(method, request, timeout, url)
        except HTTPError as exc:
            try:
                retries = retries.increment(method, url, error=exc)
                retries.sleep()
            except (HTTPError, OSError, ValueError) as final:  # used up, or not to be retried
                error = failure(final)
                error.sent = getattr(exc, "request_sent", False)
                raise error from exc
            continue
        try:
            if not retries.is_retry(method, answer.status, bool(answer.headers.get("Retry-After"))):
                return answer
            try:
                retries = retries.increment(method, url, response=answer)
            except MaxRetryError:
                return answer  # as urllib3 without raise_on_status: the last answer is the answer
            drain(answer)
            retries.sleep(answer)
        except (HTTPError, OSError, ValueError) as exc:  # a Retry-After that is not a time
            answer.close()
            error = failure(exc)
            error.sent = True  # it was answered
            raise error from exc


def drain(answer: wire.Answer) -> None:
    """Read an answer given up on, so that its connection can serve the retry."""
    try:
        answer.read_capped(CHUNK_BYTES)
    except (HTTPError, OSError, ValueError):
        pass  # the connection is closed instead
    finally:
        answer.close()


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
                raise errors.was_sent(errors.BadResponseError(TOO_LARGE))
            break
        kept.append(chunk)
    return b"".join(kept)


def read_capped(answer: wire.Answer, limit: int, *, strict: bool = True) -> bytes:
    """The answer's body, up to ``limit`` bytes once decoded: past it, an error (``strict``)
    or the first ``limit`` bytes. The connection is kept for another call when the answer was
    read whole."""
    try:
        body, more = answer.read_capped(limit, unread_if_longer=strict)
    except (TimeoutError, ReadTimeoutError) as exc:
        raise errors.was_sent(
            errors.UpstreamTimeoutError(
                "Timed out: the upstream stopped sending its answer part-way. Try again in a "
                "minute."
            )
        ) from exc
    except (HTTPError, OSError) as exc:
        raise errors.was_sent(
            errors.UpstreamUnavailableError(
                "The connection to the upstream broke while it was answering. Try again."
            )
        ) from exc
    finally:
        answer.close()
    if more and strict:
        raise errors.was_sent(errors.BadResponseError(TOO_LARGE))
    return body
