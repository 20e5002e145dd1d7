"""Plain calls over kept-alive connections (``wire.py``): the answers an HTTP/1.1 server may
give are read as they should be, connections are reused only when that is safe, and an answer
that is not HTTP is a clear error rather than a hang or a wrong result."""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

from dashboard.upstream import errors
from dashboard.upstream.catalog import Scope
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.http import reset_session

BODY = json.dumps({"data": [{"id": "file-1"}]}).encode()


class Scripted:
    """A TCP server answering each request with the next scripted answer (bytes, or a callable
    given the connection), counting connections and requests."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.connections = 0
        self.requests: list[bytes] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/api/"
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn):
        reader = conn.makefile("rb")
        with conn:
            while self.answers:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = reader.readline()
                    if not line:
                        return
                    head += line
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                self.requests.append(head + reader.read(length))
                answer = self.answers.pop(0)
                if callable(answer):
                    if answer(conn) == "close":
                        return
                else:
                    conn.sendall(answer)

    def close(self):
        self.server.close()


@pytest.fixture
def scripted(settings):
    settings.UPSTREAM_RETRIES = 0
    reset_session()
    made = []

    def start(*answers):
        server = Scripted(answers)
        made.append(server)
        return server

    yield start
    for server in made:
        server.close()
    reset_session()


def answer(body=BODY, *, status="200 OK", headers=(), version="HTTP/1.1", length=True):
    lines = [f"{version} {status}", "Content-Type: application/json", *headers]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def call(server, method="GET", **kwargs):
    client = UpstreamClient("sk-secret", "team-1", base_url=server.base_url, deadline=None)
    return client.request(method, "v1/flow/files", scope=Scope.TEAM, **kwargs)


def test_one_connection_serves_call_after_call(scripted):
    server = scripted(*[answer() for _ in range(5)])
    for _ in range(5):
        assert call(server) == {"data": [{"id": "file-1"}]}
    assert server.connections == 1
    assert len(server.requests) == 5


def test_a_connection_the_upstream_closed_while_idle_is_replaced(scripted):
    closed = threading.Event()

    def answer_then_close(conn):
        conn.sendall(answer())
        conn.close()
        closed.set()
        return "close"

    server = scripted(answer_then_close, answer())
    assert call(server)["data"]
    assert closed.wait(5)
    assert call(server, "POST", json_body={"name": "x"})["data"]  # not written to a dead socket
    assert server.connections == 2


@pytest.mark.parametrize(
    ("closing", "server_closes"),
    [
        (answer(headers=["Connection: close"]), False),
        (answer(version="HTTP/1.0"), False),
        (answer(length=False), True),  # its body ends where the connection does
    ],
    ids=["connection-close", "http-1.0", "no-length"],
)
def test_an_answer_that_ends_its_connection_is_read_and_not_reused(
    scripted, closing, server_closes
):
    def closing_answer(conn):
        conn.sendall(closing)
        return "close" if server_closes else None

    server = scripted(closing_answer, answer(), answer())
    assert call(server)["data"]
    assert call(server)["data"]
    assert server.connections == 2


def chunked(body: bytes, *, trailers=b"") -> bytes:
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    pieces = [body[i : i + 7] for i in range(0, len(body), 7)]
    return (
        head
        + b"".join(f"{len(p):x};ext=1\r\n".encode() + p + b"\r\n" for p in pieces)
        + b"0\r\n"
        + trailers
        + b"\r\n"
    )


def raw_deflate(body: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(body) + packer.flush()


@pytest.mark.parametrize(
    "reply",
    [
        chunked(BODY, trailers=b"X-Checksum: 1\r\n"),
        answer(gzip.compress(BODY), headers=["Content-Encoding: gzip"]),
        answer(zlib.compress(BODY), headers=["Content-Encoding: deflate"]),
        answer(raw_deflate(BODY), headers=["Content-Encoding: deflate"]),
        b"HTTP/1.1 100 Continue\r\n\r\n" + answer(),
    ],
    ids=["chunked", "gzip", "deflate", "raw-deflate", "100-continue"],
)
def test_every_way_an_answer_may_come_is_read(scripted, reply):
    server = scripted(reply, answer())
    assert call(server) == {"data": [{"id": "file-1"}]}
    assert call(server)["data"]  # and the connection is still good for the next call
    assert server.connections == 1


@pytest.mark.parametrize(
    "retry_after", [["Retry-After: 7"], ["Retry-After:", "\t7"]], ids=["plain", "folded"]
)
def test_a_refusal_keeps_its_retry_after_and_the_connection(scripted, retry_after):
    refusal = answer(b'{"detail": "slow"}', status="429 Too Many Requests", headers=retry_after)
    server = scripted(refusal, answer())
    with pytest.raises(errors.RateLimitedError) as caught:
        call(server)
    assert caught.value.retry_after == 7
    assert call(server)["data"]
    assert server.connections == 1


@pytest.mark.parametrize(
    "reply",
    [
        b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
        b"HTTP/1.1 2OO OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n" + b"X-Many: 1\r\n" * 101 + b"\r\n",
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"x" * 70_000 + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" + BODY,
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!",
    ],
    ids=[
        "not-http",
        "bad-status",
        "too-many-headers",
        "long-line",
        "short-body",
        "bad-chunk",
        "bad-gzip",
    ],
)
def test_an_answer_that_is_not_good_http_is_a_clear_error(scripted, reply):
    def reply_and_close(conn):
        conn.sendall(reply)
        return "close"

    server = scripted(reply_and_close)
    with pytest.raises(errors.UpstreamError) as caught:
        call(server)
    assert isinstance(
        caught.value, errors.UpstreamUnreachableError | errors.UpstreamUnavailableError
    )
    assert caught.value.message


def test_bytes_past_the_end_of_an_answer_are_never_read_as_the_next(scripted):
    smuggled = answer(b'{"data": [{"id": "someone-elses"}]}')
    server = scripted(answer() + smuggled, answer(), answer())
    assert call(server) == {"data": [{"id": "file-1"}]}
    assert call(server) == {"data": [{"id": "file-1"}]}  # the next answer, not the extra one
    assert server.connections == 2


def members(*parts: bytes) -> bytes:
    return b"".join(gzip.compress(part) for part in parts)


@pytest.mark.parametrize(
    "reply",
    [
        answer(members(BODY[:10], BODY[10:]), headers=["Content-Encoding: gzip"]),
        answer(members(BODY) + b"\0\0", headers=["Content-Encoding: gzip"]),
        b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"".join(
            f"{len(p):x}\r\n".encode() + p + b"\r\n"
            for p in (lambda d: [d[:1], d[1:]])(raw_deflate(BODY))
        )
        + b"0\r\n\r\n",
    ],
    ids=["gzip-members", "gzip-trailing-zeros", "raw-deflate-first-byte-alone"],
)
def test_compressed_bodies_in_every_shape_are_decoded(scripted, reply):
    server = scripted(reply, answer())
    assert call(server) == {"data": [{"id": "file-1"}]}


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n" + b"x" * 1000,
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n",
        b"HTTP/1.1 \xb2\xb2\xb2 OK\r\nContent-Length: 2\r\n\r\n{}",
    ],
    ids=["negative-chunk", "chunk-longer-than-said", "odd-digits"],
)
def test_a_malformed_body_or_status_is_a_clear_error_at_once(scripted, reply):
    server = scripted(reply)  # the connection stays open: an error must not wait for it
    with pytest.raises((errors.UpstreamUnavailableError, errors.UpstreamUnreachableError)):
        call(server)


def test_a_retried_refusal_whose_body_breaks_or_whose_retry_after_is_odd_stays_typed(
    scripted, settings
):
    settings.UPSTREAM_RETRIES = 1
    reset_session()
    broken = b"HTTP/1.1 503 Busy\r\nContent-Length: 50\r\n\r\n{}"

    def broken_then_close(conn):
        conn.sendall(broken)
        return "close"

    server = scripted(broken_then_close, answer())
    assert call(server)["data"]  # the read GET is retried on a new connection
    odd = answer(b"{}", status="503 Busy", headers=["Retry-After: soon-ish"])
    server = scripted(odd, odd)
    with pytest.raises(errors.UpstreamUnavailableError):
        call(server)


class Answering(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        type(self).seen.add(self.client_address)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


def serve_https(tmp_path, host: str) -> ThreadingHTTPServer:
    """An HTTPS upstream on 127.0.0.1 whose certificate, for ``host``, a private authority
    signed; the authority's certificate is in ``tmp_path/ca.pem``, trusted until told."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(host).configure_cert(context)
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    handler = type("Handler", (Answering,), {"seen": set()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.base_url = f"https://127.0.0.1:{server.server_port}/api/"
    server.handler = handler
    return server


@pytest.fixture
def https_upstream(settings, tmp_path):
    settings.UPSTREAM_RETRIES = 0
    made = []

    def start(host="127.0.0.1"):
        made.append(serve_https(tmp_path, host))
        reset_session()
        return made[-1]

    yield start
    for server in made:
        server.shutdown()
        server.server_close()
    reset_session()


def test_an_https_upstream_signed_by_the_configured_authority_is_answered_over_one_connection(
    https_upstream, settings, tmp_path
):
    settings.UPSTREAM_CA_BUNDLE = str(tmp_path / "ca.pem")
    server = https_upstream()
    for _ in range(3):
        assert call(server) == {"data": [{"id": "file-1"}]}
    assert len(server.handler.seen) == 1  # one TLS connection, kept


def test_an_https_upstream_no_trusted_authority_signed_is_never_sent_a_key(https_upstream):
    server = https_upstream()  # certifi's authorities: the private one is not among them
    with pytest.raises(errors.UpstreamUnreachableError) as caught:
        call(server)
    assert "cannot be reached" in caught.value.message
    assert server.handler.seen == set()


def test_an_https_upstream_whose_certificate_names_another_host_is_refused(
    https_upstream, settings, tmp_path
):
    settings.UPSTREAM_CA_BUNDLE = str(tmp_path / "ca.pem")
    server = https_upstream("upstream.example.com")
    with pytest.raises(errors.UpstreamUnreachableError):
        call(server)
    assert server.handler.seen == set()
