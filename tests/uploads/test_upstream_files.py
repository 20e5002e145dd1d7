"""The upload call on the wire: the same multipart body as the official SDK sends, streamed with
a Content-Length, never retried, whether from a file or relayed while the file arrives; and the
JSON Lines check on its own."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dashboard.uploads import checks
from dashboard.uploads.purposes import PURPOSES, purpose_for
from dashboard.upstream import errors
from dashboard.upstream.client import UpstreamClient

TEAM = "124cb1bb-d8d3-4e9b-9c96-2039fba43e78"
CREATED = {"id": "file-1", "object": "file", "filename": "train.jsonl", "created_by": "7"}


class Capture(BaseHTTPRequestHandler):
    """Keeps every request (method, path, headers, body) and answers with ``answer``."""

    requests: list[dict]
    answer: dict

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if len(body) < length:  # the sender stopped short: an HTTP server answers nothing
            self.requests.append({"cut_off_after": len(body), "length": length})
            return
        self.requests.append(
            {"method": self.command, "path": self.path, "headers": self.headers, "body": body}
        )
        payload = json.dumps(self.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_PUT = do_POST = _handle

    def log_message(self, *args):
        pass


@pytest.fixture
def capture():
    handler = type("Handler", (Capture,), {"requests": [], "answer": CREATED})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    server.requests = handler.requests
    server.handler = handler
    yield server
    server.shutdown()
    server.server_close()


def parts_of(request) -> list[tuple[str, str | None, str | None, bytes]]:
    """(name, filename, content type, content) of each multipart part, in order."""
    content_type = request["headers"]["Content-Type"]
    boundary = content_type.split("boundary=")[1].strip('"').encode()
    found = []
    for raw in request["body"].split(b"--" + boundary)[1:-1]:
        head, _, content = raw.strip(b"\r\n").partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n") if ": " in line)
        headers = {k.lower(): v for k, v in headers.items()}
        disposition = headers["content-disposition"]
        fields = dict(
            item.strip().split("=", 1) for item in disposition.split(";")[1:] if "=" in item
        )
        found.append(
            (
                fields["name"].strip('"'),
                fields["filename"].strip('"') if "filename" in fields else None,
                headers.get("content-type"),
                content,
            )
        )
    return found


class ReadRecorder:
    """A file-like body that remembers how much was asked of it at a time."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)
        self._size = len(data)
        self.reads: list[int] = []

    def __len__(self):  # what is left, as requests-toolbelt asks it
        return self._size - self._data.tell()

    def read(self, size=-1):
        self.reads.append(size)
        return self._data.read(size)


def uploaded_by_the_sdk(capture, tmp_path, content: bytes) -> UpstreamClient:
    """``content`` uploaded as train.jsonl by the official SDK into TEAM; a dashboard client
    for the same upstream and team."""
    from seekrai import SeekrFlow

    path = tmp_path / "train.jsonl"
    path.write_bytes(content)
    sdk = SeekrFlow(
        base_url=capture.base_url, api_key="sk-test", supplied_headers={"x-team-id": TEAM}
    )
    sdk.files.upload(path, purpose="fine-tune")
    return UpstreamClient("sk-test", TEAM, base_url=capture.base_url)


def test_upload_sends_the_sdks_multipart_body_streamed_with_a_length(capture, tmp_path):
    content = b'{"prompt": "p", "completion": "c"}\n' * 150_000  # about 5 MB
    client = uploaded_by_the_sdk(capture, tmp_path, content)
    body = ReadRecorder(content)

    created = client.files.upload(purpose="fine-tune", filename="train.jsonl", content=body)

    assert created == CREATED
    by_sdk, by_dashboard = capture.requests
    assert (by_dashboard["method"], by_dashboard["path"]) == ("PUT", "/v1/flow/files")
    assert parts_of(by_dashboard) == parts_of(by_sdk)
    assert [p[:3] for p in parts_of(by_dashboard)] == [
        ("purpose", None, None),
        ("files", "train.jsonl", "application/octet-stream"),
        ("filename", "upload", "application/octet-stream"),
    ]
    assert parts_of(by_dashboard)[2][3] == b"train.jsonl"
    headers = by_dashboard["headers"]
    assert int(headers["Content-Length"]) == len(by_dashboard["body"])
    assert "Transfer-Encoding" not in headers
    assert (headers["Authorization"], headers["x-team-id"]) == ("sk-test", TEAM)
    assert -1 not in body.reads and max(body.reads) <= 1024 * 1024  # never read whole


def pieces_of(content: bytes, size: int = 256 * 1024) -> list[bytes]:
    return [content[i : i + size] for i in range(0, len(content), size)]


def wait_for(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_a_relayed_upload_sends_the_sdks_body_and_holds_the_last_piece_back(capture, tmp_path):
    content = b'{"prompt": "p", "completion": "c"}\n' * 100_000  # about 3.4 MB, 14 pieces
    client = uploaded_by_the_sdk(capture, tmp_path, content)

    with client.files.relay(
        purpose="fine-tune", filename="train.jsonl", size=len(content)
    ) as relay:
        for piece in pieces_of(content):
            relay.send(piece)
        time.sleep(0.5)  # all but the last piece is on its way: the upstream cannot finish
        assert len(capture.requests) == 1
        created = relay.finish()

    assert created == CREATED
    by_sdk, by_dashboard = capture.requests
    assert parts_of(by_dashboard) == parts_of(by_sdk)
    headers = by_dashboard["headers"]
    assert int(headers["Content-Length"]) == len(by_dashboard["body"])
    assert "Transfer-Encoding" not in headers
    assert (headers["Authorization"], headers["x-team-id"]) == ("sk-test", TEAM)


def test_an_aborted_relay_stops_short_of_its_announced_length(capture):
    content = b"x" * (3 * 1024 * 1024)
    client = UpstreamClient("sk-test", TEAM, base_url=capture.base_url)

    with client.files.relay(purpose="pre-train", filename="a.txt", size=len(content)) as relay:
        for piece in pieces_of(content):
            relay.send(piece)
        relay.abort()

    assert wait_for(lambda: len(capture.requests) == 1)
    [cut] = capture.requests
    assert cut["cut_off_after"] < cut["length"] - 256 * 1024  # the last piece never went


def test_leaving_a_relay_without_finishing_it_aborts_it(capture):
    client = UpstreamClient("sk-test", TEAM, base_url=capture.base_url)

    with (
        pytest.raises(RuntimeError),
        client.files.relay(purpose="pre-train", filename="a.txt", size=10 * 1024 * 1024) as relay,
    ):
        for piece in pieces_of(b"y" * (2 * 1024 * 1024)):
            relay.send(piece)
        raise RuntimeError("the caller failed")

    assert wait_for(lambda: len(capture.requests) == 1)
    assert "cut_off_after" in capture.requests[0]
    assert wait_for(lambda: not [t for t in threading.enumerate() if t.name == "upload-relay"])


def test_a_relay_whose_first_piece_is_its_last_opens_nothing_until_finished(capture):
    client = UpstreamClient("sk-test", TEAM, base_url=capture.base_url)

    with client.files.relay(purpose="pre-train", filename="a.txt", size=5) as relay:
        relay.send(b"hello")
        time.sleep(0.3)
        assert capture.requests == []  # a file that fails now would never reach the upstream
        relay.finish()

    assert parts_of(capture.requests[0])[1] == ("files", "a.txt", "text/plain", b"hello")


def test_an_upstream_that_refuses_before_the_end_stops_the_relay_with_its_reason():
    """A server that answers 403 at once, without reading the body, then hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        conn, _ = listener.accept()
        conn.recv(64 * 1024)
        answer = b'{"detail": "Not a member of this team"}'
        conn.sendall(
            b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(answer)}\r\nConnection: close\r\n\r\n".encode()
            + answer
        )
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    client = UpstreamClient(
        "sk-test", TEAM, base_url=f"http://127.0.0.1:{listener.getsockname()[1]}"
    )
    try:
        with (
            pytest.raises(errors.ForbiddenError),
            client.files.relay(
                purpose="fine-tune", filename="t.jsonl", size=200 * 1024 * 1024
            ) as relay,
        ):
            for piece in pieces_of(b"z" * (200 * 1024 * 1024), 1024 * 1024):
                relay.send(piece)
            relay.finish()
    finally:
        listener.close()


def test_file_part_content_type_is_guessed_from_the_name_as_the_sdk_does(capture):
    client = UpstreamClient("sk-test", None, base_url=capture.base_url)

    client.files.upload(purpose="pre-train", filename="notes.txt", content=io.BytesIO(b"hi"))

    [request] = capture.requests
    assert parts_of(request)[1] == ("files", "notes.txt", "text/plain", b"hi")
    assert "x-team-id" not in request["headers"]  # the personal workspace


def test_validate_metadata_asks_with_purpose_suffix_and_size(capture):
    capture.handler.answer = {"is_valid": False, "errors": "Too big for alignment."}
    client = UpstreamClient("sk-test", TEAM, base_url=capture.base_url)

    verdict = client.files.validate_metadata(purpose="alignment", suffix="PDF", size=42)

    assert (verdict.is_valid, verdict.errors) == (False, "Too big for alignment.")
    [request] = capture.requests
    assert request["path"] == "/v1/flow/files/validate_metadata"
    assert json.loads(request["body"]) == {"purpose": "alignment", "suffix": "PDF", "size": 42}


def test_validate_metadata_of_an_unexpected_shape_is_an_unreadable_answer(capture):
    capture.handler.answer = {"valid": "yes"}
    client = UpstreamClient("sk-test", TEAM, base_url=capture.base_url)

    with pytest.raises(errors.BadResponseError):
        client.files.validate_metadata(purpose="alignment", suffix="pdf", size=1)


def test_a_connection_broken_mid_file_is_said_so_and_not_retried():
    """A server that reads part of the body, then hangs up: one attempt, a clear message."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def serve():
        listener.settimeout(10)
        conn, _ = listener.accept()
        accepted.append(conn)
        conn.recv(64 * 1024)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()  # a reset, with most of the file unsent
        listener.settimeout(1)  # long enough for a retry to show up
        with contextlib.suppress(OSError):
            accepted.append(listener.accept()[0])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    client = UpstreamClient("sk-test", TEAM, base_url=base_url)
    big = io.BytesIO(b"x" * 20_000_000)
    try:
        with pytest.raises(errors.UpstreamUnavailableError) as raised:
            client.files.upload(purpose="fine-tune", filename="big.jsonl", content=big)
        thread.join(timeout=5)
    finally:
        listener.close()
    assert "broke while the file was being sent" in raised.value.message
    assert len(accepted) == 1


def test_an_upstream_that_cannot_be_reached_is_said_so():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    client = UpstreamClient("sk-test", TEAM, base_url=f"http://127.0.0.1:{port}")

    with pytest.raises(errors.UpstreamUnreachableError):
        client.files.upload(purpose="fine-tune", filename="a.jsonl", content=io.BytesIO(b"{}\n"))


# --- The JSON Lines check -------------------------------------------------------------------
def test_a_line_too_long_to_check_is_reported_and_the_count_goes_on(monkeypatch):
    monkeypatch.setattr(checks, "MAX_LINE_BYTES", 64)
    monkeypatch.setattr(checks, "READ_PIECE_BYTES", 16)  # lines cross pieces
    content = b'{"a": 1}\n' + b'{"long": "' + b"x" * 500 + b'"}\n' + b"[3]\n"

    report = checks.check_json_lines(io.BytesIO(content))

    assert report.problems == [
        "Line 2 is longer than 64\xa0bytes, more than the dashboard checks in one line. Split "
        "the example, or check that lines end with a line break.",
        "Line 3 holds a JSON list, not an object; every line must be one {…} object.",
    ]


@pytest.mark.parametrize("piece", [1, 7, 4096])
def test_the_check_finds_the_same_whatever_pieces_the_file_arrives_in(piece):
    content = b'{"a": 1}\n\n[2]\n{"b": "\xff"}\r\n{"c": 3}'
    whole = checks.JsonLinesChecker()
    whole.feed(content)
    pieces = checks.JsonLinesChecker()
    for start in range(0, len(content), piece):
        pieces.feed(content[start : start + piece])

    assert pieces.finish() == whole.finish()
    assert [p.split(" ")[1] for p in whole.report.problems] == ["2", "3", "4"]


def test_a_good_json_lines_file_passes_and_is_rewound():
    body = io.BytesIO(b'{"a": 1}\r\n{"b": [1, 2]}\n\n')

    report = checks.check_json_lines(body)

    assert report.passed and body.tell() == 0


def test_every_purpose_is_one_the_upstream_knows_and_takes_known_types():
    from seekrai.types.files import AlignmentFileType, FilePurpose, TrainingFileType

    known_types = {t.value for t in TrainingFileType} | {t.value for t in AlignmentFileType}
    assert {p.value for p in PURPOSES} == {p.value for p in FilePurpose}
    assert all(set(p.file_types) <= known_types for p in PURPOSES)
    assert set(purpose_for("alignment").file_types) == {t.value for t in AlignmentFileType}
