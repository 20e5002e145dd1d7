"""Upload tests: spooled temporary files go to a folder of the test's own, which must be empty
again after every test, and the sandbox keeps what it stores in the test's temp folder too."""

from __future__ import annotations

import re
from contextlib import contextmanager
from html import unescape
from urllib.parse import quote

import pytest

UPLOAD = "/files/upload/"


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


def send_file(web, name, content, *, purpose="fine-tune", guard=None, headers=None):
    """Send one file as the page's script does: the file is the body, the rest in headers."""
    sent = {
        "Content-Type": "application/octet-stream",
        "HX-Request": "true",
        "X-CSRFToken": web.csrf(),
        "X-Team-Guard": web.guard(UPLOAD) if guard is None else guard,
        "X-Upload-Purpose": purpose,
        "X-Upload-Filename": quote(name),
        "Referer": web.url(UPLOAD),
        **(headers or {}),
    }
    web.last = web.http.post(web.url(UPLOAD), data=content, headers=sent, timeout=120)
    return web.last
