"""Failures on purpose: rules that make chosen sandbox requests fail in chosen ways.

The rules come from ``settings.SANDBOX_FAULTS`` (read on every request, so tests can change it)
unless :func:`set_faults` has overridden them in this process. A spec is a ``;``-separated list
of ``METHOD PATH_REGEX MODE`` rules, for example ``GET ^v1/flow/files$ 503; * ^v2/flow/agents 429``.
``METHOD`` may be ``*``; ``PATH_REGEX`` is searched in the path after the mount (``/sandbox/``
for the SeekrFlow dialect, ``/rungen/`` for RunGen's); ``MODE`` is an HTTP status (4xx/5xx) or
one of :data:`MODES`. The first matching rule wins. A rule applies under every mount unless its
regex starts with a mount's name and a colon: ``GET rungen:^app$ 503`` fails RunGen's list of
apps only, ``* sandbox:. 500`` every SeekrFlow call only.

Modes: ``timeout`` (sleep ``SANDBOX_FAULT_SLEEP_S``, then 504), ``garbage`` (200, not JSON),
``html502`` (a proxy's HTML error page), ``wrongshape`` (200, a JSON string where every endpoint
answers an object or an array), ``large`` (200, a ~60 MB JSON list), ``stall`` (200, the start
of a body, then silence), ``reset`` (the connection breaks off mid-body) and ``setcookie`` (the
normal answer, plus a cookie a client must not keep).
"""

from __future__ import annotations

import functools
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

MOUNTS = ("sandbox", "rungen")  # the names a rule may be limited to
MODES = ("timeout", "garbage", "html502", "wrongshape", "large", "stall", "reset", "setcookie")
LARGE_BODY_BYTES = 60 * 1024 * 1024

_lock = threading.Lock()
_override: str | None = None


class FaultSpecError(ValueError):
    pass


@dataclass(frozen=True)
class FaultRule:
    method: str  # upper case, or "*"
    pattern: re.Pattern
    mode: str  # a status code as text, or one of MODES
    mount: str | None = None  # one of MOUNTS, or None for every mount

    def matches(self, method: str, path: str, mount: str = "sandbox") -> bool:
        return (
            self.method in ("*", method.upper())
            and self.mount in (None, mount)
            and self.pattern.search(path) is not None
        )


_MOUNT_PREFIX = re.compile(r"^([a-z]+):")


@functools.lru_cache(maxsize=64)
def parse(spec: str) -> tuple[FaultRule, ...]:
    """The rules of a spec; raises :class:`FaultSpecError` naming the rule it cannot read."""
    rules = []
    for raw in spec.split(";"):
        if not raw.strip():
            continue
        parts = raw.split()
        if len(parts) != 3:
            raise FaultSpecError(f"fault rule {raw.strip()!r} is not 'METHOD PATH_REGEX MODE'")
        method, regex, mode = parts
        if mode not in MODES and not (mode.isdigit() and 400 <= int(mode) <= 599):
            raise FaultSpecError(f"fault rule {raw.strip()!r}: unknown mode {mode!r}")
        mount = None
        prefix = _MOUNT_PREFIX.match(regex)
        if prefix is not None:
            mount = prefix.group(1)
            if mount not in MOUNTS:
                raise FaultSpecError(
                    f"fault rule {raw.strip()!r}: unknown mount {mount!r} "
                    f"(one of: {', '.join(MOUNTS)})"
                )
            regex = regex[prefix.end() :]
        try:
            pattern = re.compile(regex)
        except re.error as exc:
            raise FaultSpecError(f"fault rule {raw.strip()!r}: bad regex ({exc})") from exc
        rules.append(FaultRule(method.upper(), pattern, mode, mount))
    return tuple(rules)


def set_faults(spec: str) -> None:
    """Use ``spec`` instead of ``settings.SANDBOX_FAULTS`` in this process until cleared."""
    parse(spec)  # refuse a bad spec now rather than on the next request
    global _override
    with _lock:
        _override = spec


def clear_faults() -> None:
    """Drop the override: ``settings.SANDBOX_FAULTS`` applies again."""
    global _override
    with _lock:
        _override = None


def active_spec() -> str:
    with _lock:
        override = _override
    return override if override is not None else getattr(settings, "SANDBOX_FAULTS", "") or ""


def find(method: str, path: str, mount: str = "sandbox") -> FaultRule | None:
    """The first rule for ``method`` on ``path``, relative to the mount named ``mount``."""
    rules = parse(active_spec())
    return next((rule for rule in rules if rule.matches(method, path, mount)), None)


def _sleep_seconds() -> float:
    return float(getattr(settings, "SANDBOX_FAULT_SLEEP_S", 30))


ErrorBody = Callable[[int, str], HttpResponse]


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _status(code: int, error: ErrorBody) -> HttpResponse:
    response = error(code, f"Injected fault: HTTP {code}.")
    if code == 429:
        response["Retry-After"] = "1"
    return response


def _timeout(error: ErrorBody) -> HttpResponse:
    time.sleep(_sleep_seconds())
    return error(504, "Injected fault: the upstream timed out.")


def _garbage() -> HttpResponse:
    return HttpResponse(b"<<garbage>> \x00\xff this is not JSON {", content_type="application/json")


def _html502() -> HttpResponse:
    body = (
        "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
    )
    return HttpResponse(body, status=502, content_type="text/html")


def _wrong_shape() -> HttpResponse:
    return JsonResponse("unexpected", safe=False)


def _large() -> HttpResponse:
    """A valid but huge JSON list, streamed so the sandbox itself stays small."""
    item = json.dumps({"id": "file-large", "object": "file", "filename": "x" * 900}) + ","
    count = LARGE_BODY_BYTES // len(item)
    head, tail = b'{"object":"list","data":[', b'{"id":"file-last","object":"file"}]}'
    chunk = (item * 64).encode()

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(count // 64):
            yield chunk
        yield tail

    response = StreamingHttpResponse(body(), content_type="application/json")
    response["Content-Length"] = str(len(head) + len(chunk) * (count // 64) + len(tail))
    return response


def _stall() -> HttpResponse:
    def body() -> Iterator[bytes]:
        yield b'{"object":"list","data":['
        time.sleep(_sleep_seconds())

    return StreamingHttpResponse(body(), content_type="application/json")


class InjectedReset(ConnectionResetError):
    """Raised mid-body; WSGI servers take a ConnectionResetError as the client having gone."""


def _client_socket(request: HttpRequest) -> socket.socket | None:
    """The connection's socket, where the server lets it be found.

    Gunicorn puts it in the environ; Django's development server (and so the test live server)
    does not, but its ``wsgi.input`` is a LimitedStream over the socket's reader.
    """
    found = request.META.get("gunicorn.socket")
    if found is None:
        reader = getattr(getattr(request.META.get("wsgi.input"), "_read", None), "__self__", None)
        found = getattr(getattr(reader, "raw", None), "_sock", None)
    return found if isinstance(found, socket.socket) else None


def _reset(request: HttpRequest) -> HttpResponse:
    """Half a body, then the connection is shut: the client sees it break off mid-answer.

    The response promises more bytes than it sends, so a client cannot take the early end for
    a complete body. Where the socket cannot be found the body just stops, and the server
    closes the connection (no length is declared then, or it would wait for more).
    """
    client = _client_socket(request)

    def body() -> Iterator[bytes]:
        yield b'{"object":"list","data":[{"id":'
        if client is not None:
            client.shutdown(socket.SHUT_RDWR)
        raise InjectedReset("injected connection reset")

    response = StreamingHttpResponse(body(), content_type="application/json")
    if client is not None:
        response["Content-Length"] = "4096"
    return response


_RESPONDERS = {
    "garbage": _garbage,
    "html502": _html502,
    "wrongshape": _wrong_shape,
    "large": _large,
    "stall": _stall,
}


def _with_cookie(response: HttpResponse) -> HttpResponse:
    response.set_cookie("sandbox-affinity", secrets.token_hex(8), httponly=True)
    return response


def respond(
    rule: FaultRule,
    request: HttpRequest,
    answer: Callable[[], HttpResponse],
    *,
    error: ErrorBody = _error,
) -> HttpResponse:
    """The faulty response for ``rule``; ``answer`` gives the normal one, for modes that
    alter it rather than replace it, and ``error`` an error body in the mount's dialect."""
    if rule.mode.isdigit():
        return _status(int(rule.mode), error)
    if rule.mode == "timeout":
        return _timeout(error)
    if rule.mode == "reset":
        return _reset(request)
    if rule.mode == "setcookie":
        return _with_cookie(answer())
    return _RESPONDERS[rule.mode]()
