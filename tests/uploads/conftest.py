"""Upload tests: spooled temporary files go to a folder of the test's own, which must be empty
again after every test, and the sandbox keeps what it stores in the test's temp folder too."""

from __future__ import annotations

import re
import selectors
import socket
import time
from contextlib import contextmanager
from html import unescape
from urllib.parse import quote

import pytest

from tests.conftest import team_url


def upload_url(team=None) -> str:
    """The upload page of ``team``: a sandbox team, None for the personal workspace, or a team
    key exactly as the URL is to name it."""
    if isinstance(team, str):
        return f"/t/{team}/files/upload/"
    return team_url(team, "files/upload/")


@contextmanager
def upload_folders(settings, tmp_path):
    """Temporary uploads spooled to a folder of the test's own, which must end up empty."""
    folder = tmp_path / "upload-temp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.SANDBOX_STORAGE_DIR = tmp_path / "sandbox-files"
    yield folder
    left = sorted(p.name for p in folder.iterdir())
    assert left == [], f"temporary upload files left behind: {left}"


@pytest.fixture(autouse=True)
def upload_temp_dir(settings, tmp_path):
    with upload_folders(settings, tmp_path) as folder:
        yield folder


def page_text(html: str) -> str:
    """What a person reads: the page without tags, whitespace collapsed."""
    text = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    text = re.sub(r"</?(?:strong|code|a|span|em|b)\b[^>]*>", "", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", unescape(text)).strip()


def send_file(web, name, content, *, team=None, purpose="fine-tune", headers=None):
    """Send one file as the page's script does, to the upload page of ``team`` (see
    ``upload_url``): the file is the body, the rest in headers."""
    url = upload_url(team)
    sent = {
        "Content-Type": "application/octet-stream",
        "HX-Request": "true",
        "X-CSRFToken": web.csrf(),
        "X-Upload-Purpose": purpose,
        "X-Upload-Filename": quote(name),
        "Referer": web.url(url),
        **(headers or {}),
    }
    web.last = web.http.post(web.url(url), data=content, headers=sent, timeout=120)
    return web.last


def _cookie_header(web) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in web.http.cookies)


def script_upload_head(
    web, length: int, *, team=None, name="stalled.jsonl", purpose="fine-tune"
) -> bytes:
    """The head of one file sent as the page's script sends it to the upload page of ``team``,
    announcing ``length`` bytes."""
    url = upload_url(team)
    return (
        f"POST {url} HTTP/1.1\r\nHost: {web.base_url.split('//')[1]}\r\n"
        f"Cookie: {_cookie_header(web)}\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {length}\r\n"
        f"X-CSRFToken: {web.csrf()}\r\n"
        f"X-Upload-Purpose: {purpose}\r\nX-Upload-Filename: {quote(name)}\r\n"
        f"Referer: {web.url(url)}\r\nHX-Request: true\r\n\r\n"
    ).encode()


def form_upload_head(
    web, file_length: int, *, team=None, name="stalled.jsonl", purpose="fine-tune"
) -> bytes:
    """The head of the no-JavaScript form of ``team``'s upload page posting one file of
    ``file_length`` bytes, up to where the file's content starts."""
    url = upload_url(team)
    boundary = "stalled-form-boundary"
    fields = {"csrfmiddlewaretoken": web.csrf(), "purpose": purpose}
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n{value}\r\n'
        for field, value in fields.items()
    )
    parts += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    length = len(parts.encode()) + file_length + len(f"\r\n--{boundary}--\r\n")
    return (
        f"POST {url} HTTP/1.1\r\nHost: {web.base_url.split('//')[1]}\r\n"
        f"Cookie: {_cookie_header(web)}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {length}\r\nReferer: {web.url(url)}\r\n\r\n{parts}"
    ).encode()


class RawUpload:
    """An upload over a socket of the test's own: the request's head and as much of its body
    as the test chooses; a stalled client then sends nothing more and keeps the socket open."""

    def __init__(self, base_url: str, head: bytes, body: bytes = b""):
        host, port = base_url.split("//")[1].split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.sent_at = time.monotonic()
        self.sock.sendall(head + body)
        self.sock.setblocking(False)
        self.received = b""
        self.answered_at: float | None = None
        self.closed_by_server = False

    def send(self, data: bytes) -> None:
        """More of the body."""
        self.sock.settimeout(10)
        self.sock.sendall(data)
        self.sock.setblocking(False)

    def fileno(self) -> int:
        return self.sock.fileno()

    def take(self) -> None:
        """Take what the server sent so far (call when the socket is readable)."""
        try:
            piece = self.sock.recv(64 * 1024)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            piece = b""
        if not piece:
            self.closed_by_server = True
            return
        if self.answered_at is None:
            self.answered_at = time.monotonic()
        self.received += piece

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def status(self) -> int | None:
        match = re.match(rb"HTTP/1\.[01] (\d{3})", self.received)
        return int(match.group(1)) if match else None

    @property
    def text(self) -> str:
        return self.received.decode(errors="replace")

    def header(self, name: str) -> str:
        head = self.text.split("\r\n\r\n", 1)[0]
        for line in head.split("\r\n")[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == name.lower():
                return value.strip()
        return ""

    def cookies(self) -> dict[str, str]:
        """The cookies the answer sets (a message for the next page travels in one)."""
        head = self.text.split("\r\n\r\n", 1)[0]
        found = {}
        for line in head.split("\r\n")[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == "set-cookie":
                name, _, rest = value.strip().partition("=")
                found[name] = rest.split(";", 1)[0]
        return found

    def close(self) -> None:
        self.sock.close()


def wait_for(uploads, done, timeout: float) -> None:
    """Take what the server sends on ``uploads`` until ``done()`` is true or ``timeout``."""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        for upload in uploads:
            if not upload.closed_by_server:
                selector.register(upload, selectors.EVENT_READ)
        while not done() and selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            for key, _events in selector.select(min(left, 0.5)):
                key.fileobj.take()
                if key.fileobj.closed_by_server:
                    selector.unregister(key.fileobj)
