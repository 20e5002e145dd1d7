"""Fetching a whole list: the pages after the first are asked side by side, in order, and a
failed page fails the list rather than leaving a silent gap."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from dashboard.upstream import errors
from dashboard.upstream.catalog import FILES
from dashboard.upstream.client import UpstreamClient

SIZE = FILES.max_page_size  # the largest page, as the catalog says the upstream takes it
ITEMS = [{"id": f"file-{n:04d}", "object": "file"} for n in range(3 * SIZE + 50)]


class Pages(BaseHTTPRequestHandler):
    """A files list served page by page, slowly, counting the requests in flight."""

    lock = threading.Lock()
    in_flight = 0
    most_in_flight = 0
    offsets: list[int]
    failing_offset: int | None = None
    with_total = False

    def do_GET(self):
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.most_in_flight = max(cls.most_in_flight, cls.in_flight)
        try:
            time.sleep(0.1)
            query = parse_qs(urlparse(self.path).query)
            offset, limit = int(query["offset"][0]), int(query["limit"][0])
            cls.offsets.append(offset)
            if offset == cls.failing_offset:
                status, payload = 503, {"detail": "busy"}
            else:
                status, payload = 200, {"object": "list", "data": ITEMS[offset : offset + limit]}
                if cls.with_total:
                    payload["total"] = len(ITEMS)
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            with cls.lock:
                cls.in_flight -= 1

    def log_message(self, *args):
        pass


@pytest.fixture
def pages(settings):
    settings.UPSTREAM_RETRIES = 0
    handler = type("Handler", (Pages,), {"offsets": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.handler = handler
    server.client = UpstreamClient("sk-test", base_url=f"http://127.0.0.1:{server.server_port}")
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("with_total", [False, True], ids=["no-total", "total"])
def test_the_whole_list_comes_in_order_with_pages_asked_side_by_side(pages, with_total):
    pages.handler.with_total = with_total

    items = pages.client.resources.list_all(FILES)

    assert items == ITEMS
    offsets = pages.handler.offsets
    assert sorted(offsets) == list(range(0, SIZE * len(offsets), SIZE))  # each page once
    assert 3 * SIZE in offsets  # the last page, with the last 50
    assert len(offsets) <= (4 if with_total else 4 + 3)  # few or none past the end
    assert pages.handler.most_in_flight > 1


def test_a_list_whose_length_is_expected_is_asked_all_at_once(pages):
    page = pages.client.resources.list_upto(FILES, limit=20_000, expect=len(ITEMS))

    assert page.items == ITEMS and page.total == len(ITEMS) and not page.has_more
    assert sorted(pages.handler.offsets) == [0, SIZE, 2 * SIZE, 3 * SIZE]
    assert pages.handler.most_in_flight == 4  # one round trip


def test_reading_goes_on_after_the_start_already_read(pages):
    page = pages.client.resources.list_upto(FILES, limit=20_000, start=ITEMS[:SIZE])

    assert page.items == ITEMS and page.total == len(ITEMS)
    assert 0 not in pages.handler.offsets and SIZE in pages.handler.offsets


def test_a_page_that_fails_fails_the_whole_list(pages):
    pages.handler.failing_offset = 2 * SIZE

    with pytest.raises(errors.UpstreamUnavailableError):
        pages.client.resources.list_all(FILES)
