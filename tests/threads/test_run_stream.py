"""Reading an agent run's event stream as it arrives, whatever state it arrives in."""

from __future__ import annotations

from types import SimpleNamespace

from urllib3.exceptions import ProtocolError

from dashboard.upstream.threads import RunStream, run_id_of, sse_frame
from dashboard.upstream.threads.stream import STREAM_BROKEN_TEXT


class ArrivingBody:
    """An upstream body handing out the given pieces one ``read1`` at a time."""

    def __init__(self, *pieces: bytes, then: Exception | None = None):
        self.pieces = list(pieces)
        self.then = then
        self.closed = False

    def read1(self, size: int) -> bytes:
        if self.pieces:
            return self.pieces.pop(0)
        if self.then is not None:
            raise self.then
        return b""


def stream_of(body: ArrivingBody) -> RunStream:
    response = SimpleNamespace(raw=body, close=lambda: setattr(body, "closed", True))
    return RunStream(SimpleNamespace(response=response, close=response.close))


def test_events_split_across_pieces_are_put_back_together():
    body = ArrivingBody(
        b'data: {"type":"start"}\n\ndata: {"type":"data-run","da',
        b'ta":{"run_id":"run-1"}}\r\n\r\n: keep-alive\nevent: message\n',
        b'data: {"type":"text-delta","delta":"Hi"}\n\ndata: {"type":"finish"}\n\ndata: [DONE]\n\n',
        b'data: {"type":"text-delta","delta":"after the end"}\n\n',
    )
    stream = stream_of(body)
    events = list(stream.events())
    assert [e["type"] for e in events] == ["start", "data-run", "text-delta", "finish"]
    assert stream.run_id == "run-1" and stream.finished and not stream.error_text
    assert body.closed


def test_a_broken_connection_ends_with_an_error_event():
    body = ArrivingBody(b'data: {"type":"text-delta","delta":"Hel"}\n\n', then=ProtocolError("x"))
    stream = stream_of(body)
    events = list(stream.events())
    assert events[-1] == {"type": "error", "errorText": STREAM_BROKEN_TEXT}
    assert stream.broken and not stream.finished and body.closed


def test_an_error_event_is_passed_on_once():
    stream = stream_of(ArrivingBody(b'data: {"type":"error","errorText":"No quota."}\n\n'))
    assert list(stream.events()) == [{"type": "error", "errorText": "No quota."}]
    assert stream.error_text == "No quota." and not stream.broken


def test_unreadable_events_are_skipped():
    stream = stream_of(ArrivingBody(b"data: {not json\n\ndata: [1, 2]\n\n", b'{"type":"finish"}'))
    assert list(stream.events()) == [{"type": "finish"}]


def test_run_ids_are_found_where_streams_put_them():
    assert run_id_of({"type": "data-run", "data": {"run_id": "run-a"}}) == "run-a"
    assert run_id_of({"type": "start", "messageMetadata": {"metadata": {"runId": "b"}}}) == "b"
    assert run_id_of({"type": "start", "messageMetadata": {"metadata": {"agent_id": "x"}}}) == ""


def test_frames_are_what_the_upstream_sends():
    assert sse_frame({"type": "finish"}) == b'data: {"type":"finish"}\n\n'
    assert sse_frame("[DONE]") == b"data: [DONE]\n\n"
