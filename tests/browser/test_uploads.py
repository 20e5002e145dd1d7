"""In a real browser: pick and drop files on a team's upload page, watch each one's progress, and
find them in that team only; cancel one midway; a page left open in one team still uploads into
it after another tab went to another team."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from dashboard.sandbox import recorder
from dashboard.sandbox.models import SandboxFile
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.conftest import PASSWORD, make_dashboard_user, team_url
from tests.uploads.conftest import upload_folders, upload_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINE = b'{"prompt": "What is the capital of France?", "completion": "Paris."}\n'
BIG_LINES = 60_000  # about 4 MB: several seconds at the throttled speed below


@pytest.fixture
def upload_temp_dir(settings, tmp_path):
    with upload_folders(settings, tmp_path) as folder:
        yield folder


@pytest.fixture
def alice_page(org, page, live_server, upload_temp_dir):
    """Alice signed in, on Team A's upload page."""
    make_dashboard_user("alice", member=org.alice, teams=[(org.team_a, "Team A")])
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.goto(live_server.url + upload_url(org.team_a))
    return page


def throttle_uploads(page, bytes_per_second: int) -> None:
    """Slow the browser's sending, so progress can be watched."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )


def drop_file(page, name: str, text: str) -> None:
    """Drop a file on the drop zone, as a person dragging it from their desktop would."""
    transfer = page.evaluate_handle(
        "([name, text]) => { const dt = new DataTransfer();"
        " dt.items.add(new File([text], name, {type: 'application/octet-stream'})); return dt; }",
        [name, text],
    )
    page.dispatch_event("[data-drop-zone]", "drop", {"dataTransfer": transfer})


def files_of(team) -> list[str]:
    return sorted(SandboxFile.objects.filter(team=team).values_list("filename", flat=True))


def test_picked_and_dropped_files_upload_with_progress_into_the_pages_team(
    alice_page, org, settings
):
    page = alice_page
    settings.SANDBOX_LATENCY_MS = 1500  # long enough to see the upstream step
    destination = page.get_by_test_id("upload-destination").inner_text()
    assert f"These files will go to: Team A ({org.team_a.pk})" in destination

    page.get_by_text("Fine-tuning", exact=True).click()
    page.set_input_files(
        "#upload-files",
        [
            {
                "name": "big.jsonl",
                "mimeType": "application/octet-stream",
                "buffer": LINE * BIG_LINES,
            },
            {"name": "table.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,2\n"},
        ],
    )
    drop_file(page, "dropped.jsonl", LINE.decode())
    items = page.get_by_test_id("upload-item")
    assert items.count() == 3
    assert "For fine-tuning, a file must be one of: .jsonl, .parquet. This is a .csv file." in (
        items.nth(1).inner_text()
    )

    throttle_uploads(page, 1024 * 1024)
    page.get_by_role("button", name="Upload to Team A").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('progress.upload-progress')]"
        ".some(bar => bar.value > 5 && bar.value < 95)"
    )
    assert "Sending to Team A…" in page.get_by_test_id("upload-list").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "uploads-sending.png"), full_page=True)
    page.wait_for_selector("text=sends the last part to the upstream and waits for it to confirm")

    page.wait_for_selector("text=Done:", timeout=60_000)
    summary = page.get_by_test_id("upload-summary").inner_text()
    assert "Done: 2 uploaded, 1 not sent." in summary
    results = page.get_by_test_id("upload-result")
    assert results.count() == 2
    assert all("Uploaded" in results.nth(i).inner_text() for i in range(2))
    assert files_of(org.team_a) == ["big.jsonl", "dropped.jsonl"]
    assert files_of(org.alice.sandbox_user.personal_team) == []
    assert SandboxFile.objects.get(filename="big.jsonl").bytes == len(LINE) * BIG_LINES

    link = page.get_by_test_id("uploaded-file-link").first
    file_id = link.inner_text().strip()
    assert link.get_attribute("href") == team_url(org.team_a, f"r/files/{file_id}/")
    assert not page.js_errors, page.js_errors

    page.get_by_role("link", name="See the team's files").click()  # the team's Files list
    page.wait_for_url(f"**{team_url(org.team_a, 'r/files/')}")
    table = page.get_by_test_id("resource-table").inner_text()
    assert "big.jsonl" in table and "dropped.jsonl" in table and "table.csv" not in table
    page.get_by_test_id("team-switcher").locator("summary").click()
    page.get_by_test_id("team-switcher").locator('a[data-team="personal"]').click()
    page.wait_for_url(f"**{team_url(None, 'r/files/')}")
    table = page.get_by_test_id("resource-table").inner_text()
    assert "big.jsonl" not in table and "dropped.jsonl" not in table


def test_cancelling_an_upload_midway_sends_nothing(alice_page, org, upload_temp_dir):
    page = alice_page
    page.get_by_text("Pre-training", exact=True).click()
    page.set_input_files(
        "#upload-files",
        [
            {
                "name": "corpus.jsonl",
                "mimeType": "application/octet-stream",
                "buffer": LINE * BIG_LINES,
            }
        ],
    )
    throttle_uploads(page, 512 * 1024)
    page.get_by_role("button", name="Upload to Team A").click()
    page.wait_for_function(
        "() => (document.querySelector('progress.upload-progress') || {}).value > 2"
    )
    page.get_by_role("button", name="Cancel").click()

    page.wait_for_selector("text=Not sent: you cancelled it.")
    assert "Done: 1 not sent." in page.get_by_test_id("upload-summary").inner_text()
    deadline = time.monotonic() + 10  # the server notices the cut-off body, then cleans up
    while any(upload_temp_dir.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert files_of(org.team_a) == []
    assert not page.js_errors, page.js_errors


def test_a_page_left_open_in_team_a_uploads_into_team_a_after_another_tab_went_elsewhere(
    alice_page, org, live_server
):
    page = alice_page
    other_tab = page.context.new_page()
    other_tab.goto(live_server.url + upload_url(None))  # now the team last used
    assert "Personal workspace" in other_tab.get_by_test_id("active-team").inner_text()
    other_tab.close()
    recorder.clear()

    page.get_by_text("Fine-tuning", exact=True).click()
    page.set_input_files(
        "#upload-files",
        [
            {"name": "one.jsonl", "mimeType": "application/octet-stream", "buffer": LINE},
            {"name": "two.jsonl", "mimeType": "application/octet-stream", "buffer": LINE},
        ],
    )
    page.get_by_role("button", name="Upload to Team A").click()

    page.wait_for_selector("text=Done:")
    assert "Done: 2 uploaded." in page.get_by_test_id("upload-summary").inner_text()
    listed = page.get_by_test_id("upload-list").inner_text()
    assert listed.count(f"Stored in Team A ({org.team_a.pk})") == 2
    assert files_of(org.team_a) == ["one.jsonl", "two.jsonl"]
    assert files_of(org.alice.sandbox_user.personal_team) == []
    sent = [r for r in recorder.recorded() if r.method == "PUT" and r.path == "v1/flow/files"]
    assert [r.team_header for r in sent] == [str(org.team_a.pk)] * 2
    assert not page.js_errors, page.js_errors


def test_without_javascript_the_form_uploads_and_lists_every_outcome(
    chromium, org, live_server, upload_temp_dir
):
    make_dashboard_user("alice", member=org.alice, teams=[(org.team_a, "Team A")])
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "alice", PASSWORD)
        page.goto(live_server.url + upload_url(org.team_a))
        page.get_by_text("Fine-tuning", exact=True).click()
        page.set_input_files(
            "#upload-files",
            [
                {"name": "good.jsonl", "mimeType": "application/octet-stream", "buffer": LINE},
                {"name": "bad.jsonl", "mimeType": "application/octet-stream", "buffer": b"[1]\n"},
            ],
        )
        page.get_by_role("button", name="Upload to Team A").click()

        results = page.get_by_test_id("upload-results").inner_text()
        assert "good.jsonl" in results and "Uploaded" in results
        assert "Line 1 holds a JSON list, not an object" in results
        assert files_of(org.team_a) == ["good.jsonl"]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "uploads-without-javascript.png"), full_page=True)
    finally:
        context.close()


def test_a_bad_json_lines_file_is_marked_before_the_click(alice_page, org):
    """Small JSON Lines files are read in the browser and checked with the server's rules, so
    a bad one is marked as soon as it is chosen; nothing reads "Ready" before a purpose."""
    page = alice_page
    page.set_input_files(
        "#upload-files",
        [
            {"name": "good.jsonl", "mimeType": "application/octet-stream", "buffer": LINE * 3},
            {
                "name": "bad.jsonl",
                "mimeType": "application/octet-stream",
                "buffer": LINE + b"not json\n\n[1, 2]\n" + LINE + b"\n\n",
            },
        ],
    )
    items = page.get_by_test_id("upload-item")
    expect(items.nth(1)).to_contain_text("Line 2 is not valid JSON.")
    bad = items.nth(1).inner_text()
    assert "Line 3 is blank; every line must hold one JSON object." in bad
    assert "Line 4 holds a JSON list, not an object" in bad
    assert "Line 6" not in bad and "Line 7" not in bad  # blank lines at the end are allowed
    assert "Will not be sent" in bad
    good = items.nth(0).inner_text()
    assert "Ready" not in good and "Choose a purpose" in good  # no purpose chosen yet

    page.get_by_text("Fine-tuning", exact=True).click()
    expect(items.nth(0)).to_contain_text("Ready")
    expect(items.nth(1)).to_contain_text("Will not be sent")
    assert not page.js_errors, page.js_errors


def test_clicking_again_after_an_upload_says_to_choose_more(alice_page, org):
    page = alice_page
    page.get_by_text("Fine-tuning", exact=True).click()
    page.set_input_files(
        "#upload-files",
        [{"name": "once.jsonl", "mimeType": "application/octet-stream", "buffer": LINE}],
    )
    button = page.get_by_role("button", name="Upload to Team A")
    button.click()
    summary = page.get_by_test_id("upload-summary")
    expect(summary).to_contain_text("Done: 1 uploaded.", timeout=30_000)
    button.click()
    expect(summary).to_have_text("All chosen files are uploaded — choose more.")
    assert files_of(org.team_a) == ["once.jsonl"]  # not sent twice
    assert not page.js_errors, page.js_errors


def test_sending_without_a_purpose_asks_for_one(alice_page, org):
    """Should the browser's own check not ask (an old browser, a form told not to validate),
    the page asks for the purpose itself, sends nothing and raises no error."""
    page = alice_page
    page.set_input_files(
        "#upload-files",
        [{"name": "early.jsonl", "mimeType": "application/octet-stream", "buffer": LINE}],
    )
    page.evaluate("() => { document.querySelector('#upload-files').form.noValidate = true; }")
    page.get_by_role("button", name="Upload to Team A").click()
    summary = page.get_by_test_id("upload-summary")
    expect(summary).to_have_text("Choose what the files are for (step 1) first.")
    assert files_of(org.team_a) == []
    assert not page.js_errors, page.js_errors
