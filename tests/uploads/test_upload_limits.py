"""What keeps uploads from taking the server down, over real HTTP: a cap on one person's uploads
under way at once (answered at once above it, the slot given back however an upload ends), a
body that stops arriving given up after the idle timeout, either way of uploading; and the
methods the upload page answers."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import requests

from dashboard.audit.models import ActionLog
from dashboard.sandbox import recorder
from dashboard.sandbox.models import SandboxFile
from dashboard.uploads.models import UploadSlot
from tests.uploads.conftest import (
    RawUpload,
    form_upload_head,
    page_text,
    script_upload_head,
    send_file,
    upload_url,
    wait_for,
)

GOOD_JSONL = b'{"prompt": "Hello", "completion": "Hi!"}\n'
MANY_LINES = b'{"prompt": "What is the capital of France?", "completion": "Paris."}\n' * 50_000
HUGE = 100 * 1024**2
NOT_SEEN = "124cb1bb-d8d3-4e9b-9c96-2039fba43e78"  # a team no one here can see


def uploads_sent() -> list:
    return [r for r in recorder.recorded() if r.method == "PUT" and r.path == "v1/flow/files"]


def upload_log() -> list[ActionLog]:
    return list(ActionLog.objects.filter(action=ActionLog.Action.FILE_UPLOADED).order_by("id"))


def eventually(check, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert check()


def no_relay_threads() -> bool:
    return not [t for t in threading.enumerate() if t.name == "upload-relay"]


@pytest.fixture
def in_team_a(alice_web, org):
    """Alice, signed in, on Team A's upload page."""
    alice_web.get(upload_url(org.team_a))
    return alice_web


@pytest.fixture
def stalled():
    """Uploads over sockets of the test's own, which send what the test says and then nothing;
    closed at the end of the test."""
    opened: list[RawUpload] = []

    def open_one(web, head: bytes, body: bytes = b"") -> RawUpload:
        upload = RawUpload(web.base_url, head, body)
        opened.append(upload)
        return upload

    yield open_one
    for upload in opened:
        upload.close()
    # The server notices and ends them before the test's data goes away.
    eventually(lambda: UploadSlot.objects.count() == 0)


def hold_slots(stalled, web, team, count: int) -> list[RawUpload]:
    """``count`` uploads to ``team`` under way for ``web``'s person, each holding a slot."""
    held = [stalled(web, script_upload_head(web, HUGE, team=team)) for _ in range(count)]
    eventually(lambda: UploadSlot.objects.count() == count)
    return held


# --- At most so many uploads under way per person ------------------------------------------
def test_over_the_cap_a_scripted_upload_is_refused_at_once(
    in_team_a, org, bob_web, settings, stalled
):
    settings.UPLOAD_MAX_CONCURRENT_PER_USER = 2
    held = hold_slots(stalled, in_team_a, org.team_a, 2)

    head = script_upload_head(in_team_a, HUGE, team=org.team_a, name="third.jsonl")
    over = stalled(in_team_a, head)
    wait_for([over], lambda: over.closed_by_server, timeout=5)

    assert over.status == 429, over.text[:300]  # answered with none of its 100 MB sent
    assert over.answered_at - over.sent_at < 2
    assert "You already have 2 uploads under way; wait for one to finish" in page_text(over.text)
    assert not any(upload.answered for upload in held)
    # Another person is not held back by it.
    bob_web.get(upload_url(None))
    assert 'data-outcome="uploaded"' in send_file(bob_web, "bob.jsonl", GOOD_JSONL, team=None).text

    held[0].close()  # one finishes (here: its sender gives up): its slot is free again
    eventually(lambda: UploadSlot.objects.count() == 1)
    answer = send_file(in_team_a, "train.jsonl", GOOD_JSONL, team=org.team_a)
    assert answer.status_code == 200 and 'data-outcome="uploaded"' in answer.text
    assert sorted(SandboxFile.objects.values_list("filename", flat=True)) == [
        "bob.jsonl",
        "train.jsonl",
    ]


def test_over_the_cap_the_form_says_so_and_sends_nothing(in_team_a, org, settings, stalled):
    settings.UPLOAD_MAX_CONCURRENT_PER_USER = 1
    hold_slots(stalled, in_team_a, org.team_a, 1)
    page = upload_url(org.team_a)

    response = in_team_a.post(
        page,
        {"purpose": "fine-tune"},
        files=[("files", ("train.jsonl", GOOD_JSONL))],
        allow_redirects=False,
    )

    assert response.status_code == 302 and response.headers["Location"] == page
    text = page_text(in_team_a.get(page).text)
    assert "You already have 1 upload under way; wait for it to finish" in text
    assert uploads_sent() == [] and SandboxFile.objects.count() == 0


def test_every_way_an_upload_ends_gives_its_slot_back(in_team_a, org, settings, live_server):
    settings.UPLOAD_MAX_CONCURRENT_PER_USER = 1
    team = org.team_a
    page = upload_url(team)
    endings = {
        "uploaded": lambda: send_file(in_team_a, "a.jsonl", GOOD_JSONL, team=team),
        "refused by a check": lambda: send_file(in_team_a, "a.csv", b"a,b\n", team=team),
        "bad lines": lambda: send_file(in_team_a, "b.jsonl", b"[1]\n", team=team),
        "no purpose": lambda: send_file(in_team_a, "c.jsonl", GOOD_JSONL, team=team, purpose=""),
        "a team not visible": lambda: send_file(in_team_a, "d.jsonl", GOOD_JSONL, team=NOT_SEEN),
        "forged token": lambda: send_file(
            in_team_a, "e.jsonl", GOOD_JSONL, team=team, headers={"X-CSRFToken": "forged"}
        ),
        "form": lambda: in_team_a.post(
            page, {"purpose": "fine-tune"}, files=[("files", ("f.jsonl", GOOD_JSONL))]
        ),
        "form without files": lambda: in_team_a.post(page, {"purpose": "fine-tune"}),
    }
    for ending, upload in endings.items():
        response = upload()
        assert response.status_code != 429, ending
        assert UploadSlot.objects.count() == 0, ending

    # The sender going away part-way: the slot is given back once the server notices.
    head = script_upload_head(in_team_a, 2 * len(MANY_LINES), team=team)
    cut = RawUpload(live_server.url, head, MANY_LINES)
    eventually(lambda: UploadSlot.objects.count() == 1)
    cut.close()
    eventually(lambda: UploadSlot.objects.count() == 0)

    assert (
        'data-outcome="uploaded"' in send_file(in_team_a, "last.jsonl", GOOD_JSONL, team=team).text
    )
    assert sorted(SandboxFile.objects.values_list("filename", flat=True)) == [
        "a.jsonl",
        "f.jsonl",
        "last.jsonl",
    ]


def test_slots_left_by_a_process_that_died_free_themselves_when_they_expire(
    in_team_a, org, settings
):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    settings.UPLOAD_MAX_CONCURRENT_PER_USER = 2
    alice = get_user_model().objects.get(username="alice")
    now = timezone.now()
    UploadSlot.objects.create(user=alice, number=0, expires_at=now - timedelta(seconds=1))
    UploadSlot.objects.create(user=alice, number=1, expires_at=now + timedelta(minutes=5))

    answer = send_file(in_team_a, "train.jsonl", GOOD_JSONL, team=org.team_a)

    assert 'data-outcome="uploaded"' in answer.text
    assert list(UploadSlot.objects.values_list("number", flat=True)) == [1]  # still held
    assert send_file(in_team_a, "again.jsonl", GOOD_JSONL, team=org.team_a).status_code == 200


def test_an_upload_still_arriving_keeps_its_slot_past_the_lease(
    in_team_a, org, settings, monkeypatch, stalled
):
    """The lease frees the slots of dead processes only: a slow upload's is renewed."""
    settings.UPLOAD_MAX_CONCURRENT_PER_USER = 1
    monkeypatch.setattr("dashboard.uploads.limits.SLOT_LEASE", timedelta(seconds=1))
    monkeypatch.setattr("dashboard.uploads.limits.RENEW_EVERY_SECONDS", 0.1)
    mib = b'{"n": "' + b"x" * 54 + b'"}\n'  # 64 bytes a line
    mib *= 1024 * 1024 // len(mib)
    team = org.team_a
    pieces = 6  # about two leases' time in all, never a whole lease without a piece
    head = script_upload_head(in_team_a, pieces * len(mib), team=team, name="slow.jsonl")
    slow = stalled(in_team_a, head, mib)
    for _ in range(pieces - 1):
        time.sleep(0.3)
        assert send_file(in_team_a, "other.jsonl", GOOD_JSONL, team=team).status_code == 429
        slow.send(mib)

    wait_for([slow], lambda: slow.closed_by_server or b"</ul>" in slow.received, timeout=10)
    assert 'data-outcome="uploaded"' in slow.text, slow.text[-500:]
    assert SandboxFile.objects.get().bytes == pieces * len(mib)


# --- A body that stops arriving --------------------------------------------------------------
def test_a_relayed_file_that_stops_arriving_is_given_up_after_the_idle_timeout(
    in_team_a, org, settings, stalled, upload_temp_dir
):
    settings.UPLOAD_IDLE_TIMEOUT = 1
    upload = stalled(
        in_team_a,
        script_upload_head(in_team_a, 2 * len(MANY_LINES), team=org.team_a, name="half.jsonl"),
        MANY_LINES,  # half of it: enough that the upstream request is already under way
    )

    wait_for([upload], lambda: upload.closed_by_server, timeout=10)

    assert upload.status == 200, upload.text[:300]
    assert 1 <= upload.answered_at - upload.sent_at < 8
    text = page_text(upload.text)
    assert "half.jsonl" in text and "Not sent" in text
    assert "The file stopped arriving part-way (nothing more of it came for 1 second)" in text
    assert upload.closed_by_server  # the connection is not kept for another request
    [entry] = upload_log()
    assert entry.outcome == "refused" and "The file stopped arriving part-way" in entry.detail
    assert SandboxFile.objects.count() == 0
    assert len(uploads_sent()) == 1  # opened with the first piece, then cut off
    assert UploadSlot.objects.count() == 0
    eventually(no_relay_threads)
    eventually(lambda: not any(upload_temp_dir.iterdir()))  # the sandbox's partial copy
    next_one = send_file(in_team_a, "next.jsonl", GOOD_JSONL, team=org.team_a)
    assert 'data-outcome="uploaded"' in next_one.text


def test_a_form_that_stops_arriving_is_given_up_after_the_idle_timeout(
    in_team_a, org, settings, stalled, upload_temp_dir
):
    settings.UPLOAD_IDLE_TIMEOUT = 1
    page = upload_url(org.team_a)
    part = b'{"n": 1}\n' * 300_000  # more than one parser chunk: spooled to disk already
    upload = stalled(in_team_a, form_upload_head(in_team_a, 2 * len(part), team=org.team_a), part)
    eventually(lambda: any(upload_temp_dir.iterdir()))

    wait_for([upload], lambda: upload.closed_by_server, timeout=10)

    assert upload.status == 302 and upload.header("Location") == page, upload.text[:300]
    assert 1 <= upload.answered_at - upload.sent_at < 8
    assert not any(upload_temp_dir.iterdir())  # removed before the answer
    assert UploadSlot.objects.count() == 0
    assert uploads_sent() == [] and SandboxFile.objects.count() == 0
    for name, value in upload.cookies().items():  # the message for the next page
        in_team_a.http.cookies.set(name, value)
    text = page_text(in_team_a.get(page).text)
    assert "The upload stopped arriving: nothing more came for 1 second," in text
    assert "Nothing was sent" in text


# --- Methods ---------------------------------------------------------------------------------
def stored_results(web, page: str) -> None:
    """Upload through the form of ``page`` without following its redirect: the results wait
    in the session for the next GET of the page."""
    response = web.post(
        page,
        {"purpose": "fine-tune"},
        files=[("files", ("kept.jsonl", GOOD_JSONL))],
        allow_redirects=False,
    )
    assert response.status_code == 302


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"])
def test_the_upload_page_refuses_other_methods_and_keeps_the_results(in_team_a, org, method):
    page = upload_url(org.team_a)
    stored_results(in_team_a, page)

    response = in_team_a.http.request(
        method,
        in_team_a.url(page),
        data=b"x",
        headers={"X-CSRFToken": in_team_a.csrf(), "Referer": in_team_a.url(page)},
        timeout=30,
    )

    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}
    assert "Upload files" not in response.text
    text = page_text(in_team_a.get(page).text)
    assert "Your last upload" in text and "kept.jsonl" in text


def test_head_answers_where_get_does_and_keeps_the_results(in_team_a, org, live_server):
    page = upload_url(org.team_a)
    stored_results(in_team_a, page)

    head = in_team_a.http.head(in_team_a.url(page), timeout=30)

    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Type"].startswith("text/html")
    text = page_text(in_team_a.get(page).text)
    assert "Your last upload" in text and "kept.jsonl" in text
    signed_out = requests.head(live_server.url + page, timeout=30)
    assert signed_out.status_code == 302 and "/accounts/login/" in signed_out.headers["Location"]
