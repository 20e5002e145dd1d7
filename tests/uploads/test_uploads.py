"""Uploading files into the team of the upload page's URL, over real HTTP: the dashboard's form
(as a browser without JavaScript posts it) and the page's script (each file the body of its own
request, passed on to the upstream as it arrives), with the sandbox upstream behind them."""

from __future__ import annotations

import re
import socket
import time
from html import unescape
from urllib.parse import quote

import pytest

from dashboard.audit.models import ActionLog
from dashboard.sandbox import faults, recorder
from dashboard.sandbox.models import SandboxFile
from tests.conftest import team_url
from tests.uploads.conftest import page_text, send_file, upload_url

GOOD_JSONL = b'{"prompt": "Hello", "completion": "Hi!"}\n{"prompt": "Bye", "completion": "Ciao"}\n'


def send(web, files, *, team=None, purpose="fine-tune"):
    """Post ``files`` [(name, bytes)] as the upload form of ``team``'s page does."""
    data = {"purpose": purpose} if purpose else {}
    parts = [("files", (name, content)) for name, content in files]
    return web.post(upload_url(team), data, files=parts)


def upload_one(web, way, name, content, *, team=None, purpose="fine-tune"):
    """One file sent either way to ``team``; what the person then reads about it."""
    if way == "script":
        return send_file(web, name, content, team=team, purpose=purpose)
    return send(web, [(name, content)], team=team, purpose=purpose)


WAYS = pytest.mark.parametrize("way", ["form", "script"])


def uploads_sent() -> list:
    return [r for r in recorder.recorded() if r.method == "PUT" and r.path == "v1/flow/files"]


def upload_log() -> list[ActionLog]:
    return list(ActionLog.objects.filter(action=ActionLog.Action.FILE_UPLOADED).order_by("id"))


@pytest.fixture
def in_team_a(alice_web, org):
    """Alice, signed in, on Team A's upload page."""
    alice_web.get(upload_url(org.team_a))
    return alice_web


# --- The page ------------------------------------------------------------------------------
def test_page_says_where_files_go_and_what_each_purpose_takes(in_team_a, org):
    text = page_text(in_team_a.get(upload_url(org.team_a)).text)

    assert f"These files will go to: Team A ({org.team_a.pk})" in text
    assert "Fine-tuning" in text and "Takes .jsonl, .parquet" in text
    assert "Pre-training" in text and "Takes .jsonl, .parquet, .txt" in text
    assert "Alignment documents" in text and ".pdf, .docx" in text
    assert "checked with the upstream before it is sent" in text
    assert "Upload to Team A" in text


def test_page_in_the_personal_workspace_says_so(alice_web):
    text = page_text(alice_web.get(upload_url(None)).text)

    assert "These files will go to: Personal workspace" in text
    assert "only you can see files here" in text


def switcher_link(html: str, key: str) -> str:
    """Where the header's team switcher leads for the team ``key``."""
    switcher = html.split('data-testid="team-switcher"', 1)[1].split("</details>", 1)[0]
    match = re.search(rf'<a href="([^"]+)" data-team="{re.escape(key)}"', switcher)
    assert match, f"no switcher link to {key}"
    return unescape(match.group(1))


def test_switching_team_from_the_page_changes_the_destination(alice_web, org):
    page = alice_web.get(upload_url(None)).text
    assert 'href="#team-switcher"' in page  # "Choose another at the top of the page"

    to_team_a = switcher_link(page, str(org.team_a.pk))
    assert to_team_a == upload_url(org.team_a)  # the same page, in Team A
    response = alice_web.get(to_team_a)
    assert f"These files will go to: Team A ({org.team_a.pk})" in page_text(response.text)

    response = alice_web.get(switcher_link(response.text, "personal"))
    assert response.url.endswith(upload_url(None))
    assert "These files will go to: Personal workspace" in page_text(response.text)


# --- A good upload, exactly as the SDK sends it ---------------------------------------------
def test_upload_lands_in_the_pages_team_with_its_name_purpose_and_bytes(in_team_a, org):
    response = send(in_team_a, [("train.jsonl", GOOD_JSONL)], team=org.team_a)

    stored = SandboxFile.objects.get()
    assert (stored.team_id, stored.creator_id) == (org.team_a.pk, org.alice.sandbox_user.pk)
    assert (stored.filename, stored.purpose, stored.file_type) == (
        "train.jsonl",
        "fine-tune",
        "jsonl",
    )
    assert stored.bytes == len(GOOD_JSONL)
    from dashboard.sandbox.storage import file_path

    assert file_path(stored).read_bytes() == GOOD_JSONL
    [put] = uploads_sent()
    assert put.team_header == str(org.team_a.pk)

    text = page_text(response.text)
    # Redirected after the post: a reload sends nothing.
    assert response.url.endswith(upload_url(org.team_a))
    assert f"train.jsonl {len(GOOD_JSONL)} bytes Uploaded" in text
    assert f"Stored in Team A ({org.team_a.pk}) as {stored.pk}." in text
    assert f'href="{team_url(org.team_a, f"r/files/{stored.pk}/")}"' in response.text

    [entry] = upload_log()
    assert (entry.outcome, entry.team_id, entry.team_label) == (
        "success",
        str(org.team_a.pk),
        "Team A",
    )
    assert (entry.kind, entry.resource_id) == ("files", stored.pk)
    assert entry.detail.startswith("train.jsonl (")

    assert "Your last upload" not in page_text(in_team_a.get(upload_url(org.team_a)).text)  # once


def test_upload_without_team_header_goes_to_the_personal_workspace(alice_web, org):
    send(alice_web, [("notes.txt", b"plain text for pre-training\n")], purpose="pre-train")

    stored = SandboxFile.objects.get()
    assert stored.team_id == org.alice.sandbox_user.personal_team.pk
    [put] = uploads_sent()
    assert put.team_header is None


def test_upload_teaches_the_dashboard_who_you_are(alice_web, org):
    from dashboard.accounts.models import ApiKey

    key = ApiKey.objects.get(user__username="alice")
    assert not key.upstream_user_id

    send(alice_web, [("train.jsonl", GOOD_JSONL)])

    key.refresh_from_db()
    assert key.upstream_user_id == org.alice.upstream_id
    assert key.personal_team_id == org.alice.personal_team_id


def test_script_request_gets_the_result_fragment_for_its_one_file(in_team_a, org):
    response = send_file(in_team_a, "train.jsonl", GOOD_JSONL, team=org.team_a)

    stored = SandboxFile.objects.get()
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'data-outcome="uploaded"' in response.text
    assert f"Stored in Team A ({org.team_a.pk}) as {stored.pk}." in page_text(response.text)


@WAYS
def test_alignment_document_is_checked_with_the_upstream_then_sent(in_team_a, org, way):
    upload_one(
        in_team_a,
        way,
        "Policy.PDF",
        b"%PDF-1.4 a small policy",
        team=org.team_a,
        purpose="alignment",
    )

    paths = [(r.method, r.path) for r in recorder.recorded() if r.method != "GET"]
    assert paths == [("POST", "v1/flow/files/validate_metadata"), ("PUT", "v1/flow/files")]
    assert SandboxFile.objects.get().filename == "Policy.PDF"


# --- Files that are not sent ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "purpose", "message"),
    [
        (
            "empty.jsonl",
            b"",
            "fine-tune",
            "This file is empty (0 bytes), so there is nothing to send.",
        ),
        (
            "data.csv",
            b"a,b\n1,2\n",
            "fine-tune",
            "For fine-tuning, a file must be one of: .jsonl, .parquet. This is a .csv file.",
        ),
        (
            "README",
            b"hello",
            "pre-train",
            "For pre-training, a file must be one of: .jsonl, .parquet, .txt. "
            "This is a file without an extension.",
        ),
        (
            "weights.pt",
            b"\x80\x02",
            "alignment",
            "For alignment documents, a file must be one of: .pdf, .docx, .doc, .pptx, .ppt, "
            ".md, .txt, .html, .rst, .rtf, .xml, .json, .jsonl, .csv. This is a .pt file.",
        ),
        (
            "bom.jsonl",
            b'\xef\xbb\xbf{"a": 1}\n',
            "fine-tune",
            "Line 1 starts with an invisible byte-order mark (BOM).",
        ),
        (
            "list.jsonl",
            b'{"a": 1}\n[1, 2]\n',
            "preference-fine-tune",
            "Line 2 holds a JSON list, not an object; every line must be one {…} object.",
        ),
        ("blank.jsonl", b"\n \n", "fine-tune", "This file has no lines with content; it is blank."),
    ],
)
@WAYS
def test_a_file_that_fails_a_check_is_not_sent_and_says_why(
    in_team_a, org, way, name, content, purpose, message
):
    response = upload_one(in_team_a, way, name, content, team=org.team_a, purpose=purpose)

    text = page_text(response.text)
    assert f"{name} " in text and "Not sent" in text
    assert message in text
    assert uploads_sent() == []
    assert SandboxFile.objects.count() == 0
    [entry] = upload_log()
    assert entry.outcome == "refused" and message in entry.detail


@WAYS
def test_too_large_a_file_is_not_sent(in_team_a, org, settings, way):
    settings.UPLOAD_MAX_BYTES = 100

    response = upload_one(in_team_a, way, "big.jsonl", b'{"a": 1}\n' * 20, team=org.team_a)

    assert "This file is 180 bytes, over the limit of 100 bytes per file." in page_text(
        response.text
    )
    assert uploads_sent() == []


@WAYS
def test_json_lines_problems_are_listed_by_line_number(in_team_a, org, monkeypatch, way):
    def read_again(fileobj):
        raise AssertionError("the lines were checked as they arrived; no second pass")

    monkeypatch.setattr("dashboard.uploads.checks.check_json_lines", read_again)
    content = b"".join(
        [
            b'{"a": 1}\n',
            b'{"a": 1,}\n',
            b"[1, 2]\n",
            b"\n",
            b'{"t": "\xff"}\n',
            b'"just text"\n',
            b'{"ok": true}\r\n',
            b"nope\n",
            b'{"ok": 2}\n\n\n',
        ]
    )

    text = page_text(upload_one(in_team_a, way, "train.jsonl", content, team=org.team_a).text)

    assert "Line 2 is not valid JSON: Expecting property name enclosed in double quotes" in text
    assert "Line 3 holds a JSON list, not an object" in text
    assert "Line 4 is blank; every line must hold one JSON object." in text
    assert "Line 5 is not valid UTF-8 text (byte 8 of the line). Save the file as UTF-8." in text
    assert "Line 6 holds a JSON string, not an object" in text
    assert "Line 8" not in text
    assert "… and 1 more problem like these." in text
    assert "Line 7" not in text and "Line 9" not in text and "Line 10" not in text
    assert uploads_sent() == []


@WAYS
def test_alignment_file_the_upstream_refuses_is_not_sent(in_team_a, org, settings, way):
    settings.SANDBOX_MAX_UPLOAD_BYTES = 5

    response = upload_one(
        in_team_a, way, "manual.docx", b"0123456789", team=org.team_a, purpose="alignment"
    )
    text = page_text(response.text)

    assert "Not sent" in text
    assert "The upstream would not take this file, so it was not sent: The file is larger" in text
    assert uploads_sent() == []
    assert upload_log()[0].outcome == "refused"


def test_form_without_purpose_or_files_says_what_is_missing(in_team_a, org):
    team = org.team_a
    text = page_text(send(in_team_a, [("train.jsonl", GOOD_JSONL)], team=team, purpose="").text)
    assert "Choose what the files are for." in text

    text = page_text(send(in_team_a, [], team=team).text)
    assert "Choose a file to upload." in text

    response = send_file(in_team_a, "train.jsonl", GOOD_JSONL, team=team, purpose="")
    assert response.status_code == 400
    assert "Choose what the files are for." in page_text(response.text)
    response = send_file(in_team_a, "train.jsonl", GOOD_JSONL, team=team, purpose="training")
    assert response.status_code == 400
    assert "Choose what the files are for." in page_text(response.text)
    assert uploads_sent() == []


def test_too_many_files_at_once_is_said_plainly(in_team_a, org, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2

    response = send(in_team_a, [(f"f{i}.jsonl", GOOD_JSONL) for i in range(3)], team=org.team_a)

    assert "Choose at most 2 files at a time." in page_text(response.text)
    assert uploads_sent() == []


# --- Batches ----------------------------------------------------------------------------------
def test_a_batch_sends_the_good_files_and_lists_every_outcome(in_team_a, org):
    files = [
        ("good-1.jsonl", GOOD_JSONL),
        ("sheet.csv", b"a,b\n"),
        ("empty.jsonl", b""),
        ("good-2.parquet", b"PAR1 not really parquet PAR1"),
    ]

    text = page_text(send(in_team_a, files, team=org.team_a).text)

    assert sorted(SandboxFile.objects.values_list("filename", flat=True)) == [
        "good-1.jsonl",
        "good-2.parquet",
    ]
    assert f"good-1.jsonl {len(GOOD_JSONL)} bytes Uploaded" in text
    assert "sheet.csv 4 bytes Not sent For fine-tuning, a file must be one of" in text
    assert "empty.jsonl 0 bytes Not sent This file is empty" in text
    assert "good-2.parquet 28 bytes Uploaded" in text
    assert [e.outcome for e in upload_log()] == ["success", "refused", "refused", "success"]
    assert all(e.team_id == str(org.team_a.pk) for e in upload_log())


def test_upstream_refusing_one_file_mid_batch_leaves_the_others_going(in_team_a, org, settings):
    settings.SANDBOX_MAX_UPLOAD_BYTES = 1000  # the sandbox refuses the large one with 413
    files = [("a.jsonl", GOOD_JSONL), ("large.jsonl", b'{"n": 1}\n' * 300), ("c.jsonl", GOOD_JSONL)]

    text = page_text(send(in_team_a, files, team=org.team_a).text)

    assert sorted(SandboxFile.objects.values_list("filename", flat=True)) == ["a.jsonl", "c.jsonl"]
    assert "large.jsonl 2.6 KB Failed Too large." in text
    assert "The upload is larger than the limit of 1000 bytes." in text
    assert [e.outcome for e in upload_log()] == ["success", "failure", "success"]
    assert len(uploads_sent()) == 3


def test_upstream_down_for_one_file_of_a_scripted_batch(in_team_a, org):
    first = send_file(in_team_a, "one.jsonl", GOOD_JSONL, team=org.team_a)
    faults.set_faults("PUT ^v1/flow/files$ 503")
    recorder.clear()
    second = send_file(in_team_a, "two.jsonl", GOOD_JSONL, team=org.team_a)
    assert len(uploads_sent()) == 1  # never retried
    faults.clear_faults()
    third = send_file(in_team_a, "three.jsonl", GOOD_JSONL, team=org.team_a)

    assert 'data-outcome="uploaded"' in first.text and 'data-outcome="uploaded"' in third.text
    assert 'data-outcome="failed"' in second.text
    assert (
        "Upstream unavailable. The upstream is not available right now (error 503)."
        in page_text(second.text)
    )
    assert "two.jsonl" not in set(SandboxFile.objects.values_list("filename", flat=True))
    assert "Stored in" not in second.text and "/r/files/" not in second.text
    assert [e.outcome for e in upload_log()] == ["success", "failure", "success"]


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("wrongshape", "The upstream answered the upload without the new file's ID"),
        ("garbage", "Unreadable answer."),
        ("html502", "(error 502)"),
        ("timeout", "The upstream did not confirm the upload in time. It may still have stored"),
    ],
)
@WAYS
def test_upstream_answering_badly_gives_a_clear_message(
    in_team_a, org, settings, mode, message, way
):
    settings.SANDBOX_FAULT_SLEEP_S = 2
    settings.UPSTREAM_UPLOAD_TIMEOUT = 0.5
    faults.set_faults(f"PUT ^v1/flow/files$ {mode}")

    response = upload_one(in_team_a, way, "train.jsonl", GOOD_JSONL, team=org.team_a)

    assert response.status_code == 200
    assert 'data-outcome="failed"' in response.text
    assert message in page_text(response.text)
    assert len(uploads_sent()) == 1
    assert upload_log()[0].outcome == "unknown"  # sent whole, and no answer said what came of it


# --- The team of the page's URL --------------------------------------------------------------
def open_elsewhere_in_the_personal_workspace(web) -> None:
    """Another tab opens the personal workspace: it becomes the team last used."""
    web.get(upload_url(None))
    assert web.get("/").url.endswith(team_url(None))


@WAYS
def test_a_page_shown_for_team_a_uploads_into_team_a_whatever_another_tab_did(in_team_a, org, way):
    """The page of Team A posts to Team A's address: another tab working in another team since
    changes nothing about where its files go."""
    page = in_team_a.get(upload_url(org.team_a)).text
    assert f'action="{upload_url(org.team_a)}"' in page
    open_elsewhere_in_the_personal_workspace(in_team_a)

    response = upload_one(in_team_a, way, "train.jsonl", GOOD_JSONL, team=org.team_a)

    assert response.status_code == 200
    stored = SandboxFile.objects.get()
    assert stored.team_id == org.team_a.pk
    [put] = uploads_sent()
    assert put.team_header == str(org.team_a.pk)
    assert f"Stored in Team A ({org.team_a.pk}) as {stored.pk}." in page_text(response.text)
    [entry] = upload_log()
    assert (entry.outcome, entry.team_id, entry.team_label) == (
        "success",
        str(org.team_a.pk),
        "Team A",
    )


def test_a_form_rendered_before_teams_were_in_the_path_lands_in_the_team_it_named(in_team_a, org):
    """A page left open from before: its form posts to /files/upload/ with the team it was
    shown for; the post is sent on (307, body and all) to that team's upload page."""
    open_elsewhere_in_the_personal_workspace(in_team_a)

    response = in_team_a.post(
        "/files/upload/",
        {"purpose": "fine-tune", "team_guard": str(org.team_a.pk)},
        files=[("files", ("train.jsonl", GOOD_JSONL))],
    )

    assert [r.status_code for r in response.history][:1] == [307]
    assert response.url.endswith(upload_url(org.team_a))
    stored = SandboxFile.objects.get()
    assert stored.team_id == org.team_a.pk
    [put] = uploads_sent()
    assert put.team_header == str(org.team_a.pk)
    assert f"Stored in Team A ({org.team_a.pk}) as {stored.pk}." in page_text(response.text)


# --- Files passed on while they arrive (the page's script) -----------------------------------
MANY_LINES = b'{"prompt": "What is the capital of France?", "completion": "Paris."}\n' * 50_000


def test_a_file_is_passed_on_as_it_arrives_without_a_copy_on_disk(in_team_a, org, monkeypatch):
    spooled = []
    monkeypatch.setattr(  # the dashboard's spooling of a form's files (the sandbox has its own)
        "dashboard.uploads.handlers.CheckingUploadHandler.new_file",
        lambda self, *args, **kwargs: spooled.append(args),
    )

    response = send_file(in_team_a, "Große Daten.jsonl", MANY_LINES, team=org.team_a)

    stored = SandboxFile.objects.get()
    from dashboard.sandbox.storage import file_path

    assert file_path(stored).read_bytes() == MANY_LINES  # 3.4 MB, many pieces, intact
    assert (stored.filename, stored.team_id) == ("Große Daten.jsonl", org.team_a.pk)
    assert spooled == []
    [put] = uploads_sent()
    assert put.team_header == str(org.team_a.pk)
    assert f"Stored in Team A ({org.team_a.pk}) as {stored.pk}." in page_text(response.text)
    assert upload_log()[0].outcome == "success"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (MANY_LINES + b'{"last": "line", broken}\n', "Line 50001 is not valid JSON"),
        (MANY_LINES + b"[1]", "Line 50001 holds a JSON list, not an object"),
        (MANY_LINES + b"\n" + MANY_LINES, "Line 50001 is blank"),
        (b"[1]\n" + MANY_LINES, "Line 1 holds a JSON list, not an object"),
    ],
    ids=["bad-last-line", "bad-last-line-without-break", "blank-line-midway", "bad-first-line"],
)
def test_a_file_found_bad_on_the_way_is_cut_off_and_nothing_is_stored(
    in_team_a, org, content, message
):
    """Most of the file went on before its problem showed; the upstream stores none of it."""
    response = send_file(in_team_a, "train.jsonl", content, team=org.team_a)

    text = page_text(response.text)
    assert "train.jsonl" in text and "Not sent" in text and message in text
    assert SandboxFile.objects.count() == 0
    assert len(uploads_sent()) <= 1  # opened with the first piece passed on, then cut off
    [entry] = upload_log()
    assert entry.outcome == "refused" and message in entry.detail
    # The upstream is fine afterwards: the next file goes through.
    next_one = send_file(in_team_a, "next.jsonl", GOOD_JSONL, team=org.team_a)
    assert 'data-outcome="uploaded"' in next_one.text


def test_a_small_file_found_bad_never_reaches_the_upstream(in_team_a, org):
    send_file(in_team_a, "train.jsonl", b'{"a": 1}\n' * 100 + b"oops\n", team=org.team_a)

    assert uploads_sent() == []


def test_the_upstream_refusing_on_the_way_stops_the_file_with_its_reason(in_team_a, org, settings):
    settings.SANDBOX_MAX_UPLOAD_BYTES = 1_000_000  # the sandbox refuses from the length, 413

    response = send_file(in_team_a, "large.jsonl", MANY_LINES, team=org.team_a)

    assert 'data-outcome="failed"' in response.text
    assert "The upload is larger than the limit of 1000000 bytes." in page_text(response.text)
    assert SandboxFile.objects.count() == 0
    assert upload_log()[0].outcome == "failure"


def raw_upload(web, team, name: str, length: int, sent: bytes, *, answer: bool) -> str:
    """Announce a file of ``length`` bytes to ``team``'s upload page, send only ``sent`` of it
    over a socket of our own; with ``answer``, wait for the dashboard's answer (while the rest
    is still unsent)."""
    host, port = web.base_url.split("//")[1].split(":")
    cookies = "; ".join(f"{c.name}={c.value}" for c in web.http.cookies)
    url = upload_url(team)
    head = (
        f"POST {url} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookies}\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {length}\r\n"
        f"X-CSRFToken: {web.csrf()}\r\n"
        f"X-Upload-Purpose: fine-tune\r\nX-Upload-Filename: {quote(name)}\r\n"
        f"Referer: {web.url(url)}\r\nHX-Request: true\r\n\r\n"
    ).encode()
    received = b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + sent)
        while answer and b"</ul>" not in received:
            piece = sock.recv(64 * 1024)
            if not piece:
                break
            received += piece
    return received.decode(errors="replace")


def test_checks_that_need_no_content_answer_before_the_file_is_read(in_team_a, org, settings):
    """The size limit (like a wrong type) is known from the headers: the answer comes while
    most of the file is still unsent."""
    settings.UPLOAD_MAX_BYTES = 1024**2

    answer = raw_upload(
        in_team_a, org.team_a, "huge.jsonl", 50 * 1024**2, b'{"n": 1}\n' * 1000, answer=True
    )

    assert answer.startswith("HTTP/1.1 200")
    assert "This file is 50.0\xa0MB, over the limit of 1.0\xa0MB per file." in answer
    assert uploads_sent() == []
    assert upload_log()[0].outcome == "refused"


def test_a_file_cut_off_midway_is_not_stored_and_is_logged(in_team_a, org, upload_temp_dir):
    import threading

    raw_upload(in_team_a, org.team_a, "cut.jsonl", len(MANY_LINES) * 2, MANY_LINES, answer=False)

    deadline = time.monotonic() + 10
    while [e.outcome for e in upload_log()] in ([], ["started"]) and time.monotonic() < deadline:
        time.sleep(0.05)  # the entry is written when the upload starts, completed when it ends
    [entry] = upload_log()
    assert entry.outcome == "refused"
    assert "The file stopped arriving part-way" in entry.detail
    assert SandboxFile.objects.count() == 0
    while time.monotonic() < deadline and any(
        t.name == "upload-relay" for t in threading.enumerate()
    ):
        time.sleep(0.05)
    assert not [t for t in threading.enumerate() if t.name == "upload-relay"]
    while any(upload_temp_dir.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)  # the sandbox, cut off too, drops what it had spooled of it


def test_a_script_upload_needs_the_csrf_token(in_team_a, org):
    response = send_file(
        in_team_a, "train.jsonl", GOOD_JSONL, team=org.team_a, headers={"X-CSRFToken": "forged"}
    )

    assert response.status_code == 403
    assert uploads_sent() == [] and SandboxFile.objects.count() == 0


@pytest.mark.parametrize(
    ("sent_name", "kept"),
    [
        ("..%2F..%2Fetc%2Fpasswd.jsonl", "passwd.jsonl"),
        ("C%3A%5Cdata%5Ctrain.jsonl", "train.jsonl"),
    ],
)
def test_a_script_upload_keeps_only_the_files_own_name(in_team_a, org, sent_name, kept):
    send_file(in_team_a, "x", GOOD_JSONL, team=org.team_a, headers={"X-Upload-Filename": sent_name})

    assert SandboxFile.objects.get().filename == kept


# --- Temporary files --------------------------------------------------------------------------
def test_a_large_upload_is_spooled_to_disk_and_removed(
    in_team_a, org, upload_temp_dir, settings, monkeypatch
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2  # disk even below Django's memory limit
    seen = []
    original = SandboxFile.objects.create

    def spy(**fields):  # while the sandbox stores it, the dashboard's copy is still on disk
        seen.extend(p.name for p in upload_temp_dir.iterdir())
        return original(**fields)

    monkeypatch.setattr(SandboxFile.objects, "create", spy)
    send(in_team_a, [("big.jsonl", b'{"n": 12345678}\n' * 200_000)], team=org.team_a)
    assert SandboxFile.objects.get().bytes == 3_200_000
    assert seen and all(".upload" in name for name in seen)


def test_an_upload_cut_off_midway_leaves_no_temporary_file(
    in_team_a, org, live_server, upload_temp_dir
):
    in_team_a.get(upload_url(org.team_a))
    boundary = "cutoff"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="cut.jsonl"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    cookies = "; ".join(f"{c.name}={c.value}" for c in in_team_a.http.cookies)
    request = (
        f"POST {upload_url(org.team_a)} HTTP/1.1\r\nHost: {live_server.url.split('//')[1]}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(head) + 5_000_000}\r\nCookie: {cookies}\r\n\r\n"
    ).encode()
    host, port = live_server.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(request + head + b'{"n": 1}\n' * 300_000)  # more than one parser chunk
        deadline = time.monotonic() + 5
        while not any(upload_temp_dir.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(upload_temp_dir.iterdir()), "the upload never reached the temporary folder"
    deadline = time.monotonic() + 10
    while any(upload_temp_dir.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert uploads_sent() == []  # the autouse fixture checks the folder is empty


def test_action_log_detail_names_file_size_and_purpose(in_team_a, org):
    send(in_team_a, [("notes.txt", b"some text")], team=org.team_a, purpose="pre-train")

    assert upload_log()[0].detail == "notes.txt (9 bytes, pre-train)"
