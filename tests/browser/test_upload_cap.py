"""In a real browser: a file refused because the person already has as many uploads under way as
allowed says so, and can be sent once one of them is over."""

from __future__ import annotations

import time

import pytest

from dashboard.sandbox.models import SandboxFile
from dashboard.uploads.models import UploadSlot
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, Web, make_dashboard_user
from tests.uploads.conftest import RawUpload, script_upload_head, upload_folders, upload_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINE = b'{"prompt": "What is the capital of France?", "completion": "Paris."}\n'


def eventually(check, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert check()


def upload_one(page, name: str) -> str:
    page.set_input_files(
        "#upload-files", [{"name": name, "mimeType": "application/octet-stream", "buffer": LINE}]
    )
    page.get_by_role("button", name="Upload to Team A").click()
    page.wait_for_selector("text=Done:")
    return page.get_by_test_id("upload-summary").inner_text()


def test_too_many_uploads_at_once_is_said_and_the_file_goes_later(
    org, page, live_server, settings, tmp_path
):
    settings.UPLOAD_MAX_CONCURRENT_PER_USER = 1
    settings.UPLOAD_IDLE_TIMEOUT = 60
    with upload_folders(settings, tmp_path):
        make_dashboard_user("alice", member=org.alice, teams=[(org.team_a, "Team A")])
        sign_in(page, live_server.url, "alice", PASSWORD)
        page.goto(live_server.url + upload_url(org.team_a))
        page.get_by_text("Fine-tuning", exact=True).click()
        # Alice's upload from another computer, still under way: it holds her one slot.
        elsewhere = Web(live_server.url)
        elsewhere.login("alice")
        other = RawUpload(
            live_server.url, script_upload_head(elsewhere, 100 * 1024**2, team=org.team_a)
        )
        try:
            eventually(lambda: UploadSlot.objects.count() == 1)

            summary = upload_one(page, "first.jsonl")

            item = page.locator("[data-testid=upload-item]", has_text="first.jsonl")
            said = item.inner_text()
            assert "Not sent" in said and "Failed" not in said
            assert "You already have 1 upload under way; wait for it to finish" in said
            assert "Nothing was sent." in said
            assert "Done: 1 not sent." in summary
            assert SandboxFile.objects.count() == 0
        finally:
            other.close()
        eventually(lambda: UploadSlot.objects.count() == 0)

        # The other upload is over: the same file goes now, from the same page.
        assert "Done: 1 uploaded." in upload_one(page, "first.jsonl")
        assert list(SandboxFile.objects.values_list("filename", flat=True)) == ["first.jsonl"]
        unexpected = [e for e in page.js_errors if "status of 429" not in e]
        assert not unexpected, unexpected
