"""Plain calls (JSON in, JSON out) skip ``requests`` and go through urllib3 directly: on the
wire they are the calls ``requests`` would have sent, and they keep its guarantees: no cookie
kept, the body capped after decompressing it, a bad header value refused."""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from dashboard.upstream import errors, transport
from dashboard.upstream.catalog import FILES, Scope
from dashboard.upstream.client import USER_AGENT, UpstreamClient
from dashboard.upstream.http import reset_session
from dashboard.upstream.paths import expand


class Recorder(BaseHTTPRequestHandler):
    """Answers every call with ``answer`` and keeps what it was sent."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str, dict[str, str], bytes]]
    answer: tuple[int, dict[str, str], bytes] = (200, {}, b'{"ok": true}')

    def handle_call(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        type(self).seen.append((self.command, self.path, dict(self.headers.items()), body))
        status, headers, payload = type(self).answer
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = handle_call

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(settings, handler):
    """A local HTTP server answering with ``handler``; calls to it are never retried."""
    settings.UPSTREAM_RETRIES = 0
    reset_session()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.handler = handler
    server.base_url = f"http://127.0.0.1:{server.server_port}/api"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        reset_session()


@pytest.fixture
def recorder(settings):
    with serving(settings, type("Handler", (Recorder,), {"seen": []})) as server:
        yield server


def sent_by_requests(server, method, path, *, headers, params=None, json_body=None):
    """What ``requests`` puts on the wire for the same call (the client's old way)."""
    with requests.Session() as session:
        session.trust_env = False
        session.request(
            method,
            server.base_url + "/" + path,
            params=params,
            json=json_body,
            headers={"Authorization": "sk-secret", "User-Agent": USER_AGENT, **headers},
            timeout=5,
        ).close()
    return server.handler.seen.pop()


CALLS = [
    ("GET", "v1/flow/files", {"limit": 5, "order": "desc"}, None, Scope.TEAM),
    ("GET", expand("v1/flow/files/{id}", "a b/ü?#%"), {"q": "x y&z", "n": None}, None, Scope.TEAM),
    ("POST", "v1/threads/", None, {"meta_data": {"title": 'é "q"'}}, Scope.USER),
    ("PATCH", expand("v1/flow/tools/{id}", "tool-1"), None, {"name": "n"}, Scope.TEAM),
    ("DELETE", expand("v1/flow/files/{id}", "file-1"), None, None, Scope.TEAM),
]


@pytest.mark.parametrize(("method", "path", "params", "body", "scope"), CALLS)
def test_a_plain_call_is_on_the_wire_what_requests_would_send(
    recorder, method, path, params, body, scope
):
    client = UpstreamClient("sk-secret", "team-1", base_url=recorder.base_url, deadline=None)
    assert client.request(method, path, scope=scope, params=params, json_body=body) == {"ok": True}
    sent = recorder.handler.seen.pop()
    team = {"x-team-id": "team-1"} if scope is Scope.TEAM else {}
    expected = sent_by_requests(recorder, method, path, headers=team, params=params, json_body=body)
    assert sent == expected


def test_the_request_target_is_the_one_requests_builds():
    odd = ["file-1", "a b", "ä/ö?#%", "x%41y", "~._-", "+&=;,", "[x]", "'\"<>"]
    params = [None, {"limit": 5}, {"q": "a b+c&d=é", "n": None, "m": [1, None, "2"], "t": True}]
    for base in ["http://h:1/sandbox/", "https://flow.example.com/", "http://h/a%20b/"]:
        for resource_id in odd:
            path = expand("v1/flow/files/{id}/content", resource_id)
            for query in params:
                built = requests.Request("GET", base + path, params=query).prepare().path_url
                assert transport.target(base, path, query) == built


def test_a_cookie_the_upstream_sets_is_never_sent_back(recorder):
    recorder.handler.answer = (200, {"Set-Cookie": "session=alice; Path=/"}, b"[]")
    client = UpstreamClient("sk-secret", base_url=recorder.base_url, deadline=None)
    client.request("GET", "v1/flow/files", scope=Scope.TEAM)
    client.request("GET", "v1/flow/files", scope=Scope.TEAM)
    assert [call[2].get("Cookie") for call in recorder.handler.seen] == [None, None]


def test_a_compressed_answer_is_capped_once_decompressed(recorder, settings):
    settings.UPSTREAM_MAX_BODY_BYTES = 10_000
    items = [{"id": f"file-{n}", "object": "file", "filename": "x" * 50} for n in range(2_000)]
    packed = gzip.compress(json.dumps({"data": items}).encode())
    assert len(packed) < settings.UPSTREAM_MAX_BODY_BYTES
    recorder.handler.answer = (200, {"Content-Encoding": "gzip"}, packed)
    client = UpstreamClient("sk-secret", base_url=recorder.base_url, deadline=None)
    with pytest.raises(errors.BadResponseError, match="far larger than expected"):
        client.resources.list_page(FILES, limit=5)
    settings.UPSTREAM_MAX_BODY_BYTES = 10_000_000
    assert len(client.resources.list_page(FILES, limit=5).items) == 5


@pytest.mark.parametrize("team", ["team\r\nX-Evil: 1", " team", "team\n"])
def test_a_header_value_that_could_split_the_request_is_refused(recorder, team):
    client = UpstreamClient("sk-secret", team, base_url=recorder.base_url, deadline=None)
    with pytest.raises(errors.UpstreamUnavailableError):
        client.request("GET", "v1/flow/files", scope=Scope.TEAM)
    assert recorder.handler.seen == []


class ChunkedWithALength(BaseHTTPRequestHandler):
    """Answers a large chunked body while claiming a small Content-Length."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = json.dumps({"data": [{"id": "x" * 100}] * 2_000}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "10")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for start in range(0, len(body), 4096):
            piece = body[start : start + 4096]
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args):
        pass


def test_a_chunked_answer_is_capped_whatever_length_it_claims(settings):
    settings.UPSTREAM_MAX_BODY_BYTES = 1_000
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChunkedWithALength)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = UpstreamClient(
            "sk-secret", base_url=f"http://127.0.0.1:{server.server_port}", deadline=None
        )
        with pytest.raises(errors.BadResponseError, match="far larger than expected"):
            client.request("GET", "v1/flow/files", scope=Scope.TEAM)
    finally:
        server.shutdown()
        server.server_close()


def test_an_answer_said_to_be_too_long_is_not_read_at_all(recorder, settings):
    """A page asks many lists at once: an answer whose length says it is over the cap is
    refused without holding any of it (before, each held up to the cap before giving up)."""
    import tracemalloc

    settings.UPSTREAM_MAX_BODY_BYTES = 4_000_000
    item = {"id": "file-1", "object": "file", "filename": "x" * 900}
    recorder.handler.answer = (200, {}, json.dumps({"data": [item] * 5_000}).encode())
    client = UpstreamClient("sk-secret", base_url=recorder.base_url, deadline=None)
    tracemalloc.start()
    try:
        with pytest.raises(errors.BadResponseError, match="far larger than expected"):
            client.resources.list_page(FILES, limit=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"{peak} bytes held for an answer never to be kept"
    settings.UPSTREAM_MAX_BODY_BYTES = 10_000_000
    assert len(client.resources.list_page(FILES, limit=5).items) == 5  # a new connection


class HangsUp(BaseHTTPRequestHandler):
    """Reads each call whole, then closes the connection without answering."""

    protocol_version = "HTTP/1.1"

    def hang_up(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.close_connection = True

    do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = hang_up

    def log_message(self, *args):
        pass


@pytest.fixture
def hangs_up(settings):
    with serving(settings, HangsUp) as server:
        yield server.base_url


def test_a_change_that_reached_the_upstream_and_got_no_answer_may_have_been_made(hangs_up):
    client = UpstreamClient("sk-secret", base_url=hangs_up, deadline=None)
    with pytest.raises(errors.UpstreamError) as caught:
        client.request("DELETE", "v1/flow/files/file-1", scope=Scope.TEAM)
    assert caught.value.outcome_unknown, caught.value.message
    assert "whether the change was made is not known" in caught.value.message
    with pytest.raises(errors.UpstreamError) as read:  # a read is only what it is
        client.request("GET", "v1/flow/files", scope=Scope.TEAM)
    assert not read.value.outcome_unknown
    with pytest.raises(errors.UpstreamError) as asked:  # and so is a question sent by POST
        client.request("POST", "v1/flow/files/check", scope=Scope.TEAM, changes=False)
    assert not asked.value.outcome_unknown


def test_a_change_never_sent_failed(settings):
    """No connection made, or no time left to send it: the change was not made."""
    settings.UPSTREAM_RETRIES = 0
    reset_session()
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = UpstreamClient("sk-secret", base_url=f"http://127.0.0.1:{port}/api", deadline=None)
    with pytest.raises(errors.UpstreamUnreachableError) as caught:
        refused.request("DELETE", "v1/flow/files/file-1", scope=Scope.TEAM)
    assert not caught.value.outcome_unknown and not caught.value.sent
    late = UpstreamClient(
        "sk-secret", base_url=f"http://127.0.0.1:{port}/api", deadline=time.monotonic() - 1
    )
    with pytest.raises(errors.UpstreamTimeoutError) as spent:
        late.request("DELETE", "v1/flow/files/file-1", scope=Scope.TEAM)
    assert not spent.value.outcome_unknown
    assert "within the time this page allows" in spent.value.message
