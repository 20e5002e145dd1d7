"""Stalled uploads against the dashboard as it is served in production: gunicorn with threaded
workers (two processes sharing the database), the sandbox upstream in a gunicorn of its own.

One person opens 32 uploads that announce 100 MB and then send nothing. Only a few of them may
hold a worker thread (the per-person cap, counted across both processes); the rest are answered
429 at once; other people's pages keep answering meanwhile; and after the idle timeout the held
ones are answered, their connections closed, nothing is stored and their slots are free again.
Then the same for one file of each way of uploading that stops part-way.
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.benchmarks.servers import base_env, free_port, gunicorn, manage
from tests.conftest import PASSWORD, Web
from tests.uploads.conftest import (
    RawUpload,
    form_upload_head,
    page_text,
    script_upload_head,
    send_file,
    upload_url,
    wait_for,
)

UPLOAD = upload_url(None)  # everyone's personal workspace: no one here has saved a team

STALLED = 32
CAP = 3
IDLE_SECONDS = 3
WORKERS, THREADS = 2, 8  # gunicorn.conf.py's defaults: 16 threads in all
ANNOUNCED = 100 * 1024**2
QUICK = 2.0  # seconds within which an answer counts as "at once"

SEED = """
import json
from django.contrib.auth import get_user_model
from dashboard.accounts.services import add_key
from dashboard.sandbox import identity

for name in ("alice", "bob"):
    upstream_user, key = identity.create_user(name)
    user = get_user_model().objects.create_user(name, password=%r)
    add_key(user=user, label=name + "'s key", plaintext=key)
print(json.dumps({"seeded": True}))
"""

AFTERWARDS = """
import json
from dashboard.audit.models import ActionLog
from dashboard.sandbox.models import SandboxFile
from dashboard.uploads.models import UploadSlot

log = ActionLog.objects.filter(action=ActionLog.Action.FILE_UPLOADED)
print(json.dumps({
    "slots": UploadSlot.objects.count(),
    "stored": sorted(SandboxFile.objects.values_list("filename", flat=True)),
    "log": [[entry.outcome, entry.detail] for entry in log.order_by("id")],
}))
"""


def timed_get(session, url: str) -> tuple[requests.Response, float]:
    started = time.monotonic()
    try:
        response = session.get(url, timeout=QUICK * 2)
    except requests.Timeout:
        pytest.fail(f"{url} did not answer within {QUICK * 2:.0f} s while uploads were stalled")
    return response, time.monotonic() - started


@pytest.fixture
def servers(tmp_path):
    """The dashboard and the sandbox under gunicorn, with two signed-up people."""
    sandbox_port, app_port = free_port(), free_port()
    upload_temp = tmp_path / "upload-temp"
    upload_temp.mkdir()
    common = {
        "DASHBOARD_VAR_DIR": str(tmp_path / "var"),  # a SQLite database of the test's own
        "SANDBOX_STORAGE_DIR": str(tmp_path / "sandbox-files"),
        "FILE_UPLOAD_TEMP_DIR": str(upload_temp),
        "SECURE_COOKIES": "false",
    }
    environment = base_env(**common)
    for shared in ("DATABASE_URL", "CACHE_URL"):  # everything here is the test's own
        environment.pop(shared, None)
    sandbox_env = {**environment, "PORT": str(sandbox_port), "SANDBOX_ENABLED": "true"}
    app_env = {
        **environment,
        "UPSTREAM_BASE_URL": f"http://127.0.0.1:{sandbox_port}/sandbox",
        "SANDBOX_ENABLED": "false",
        "UPLOAD_MAX_CONCURRENT_PER_USER": str(CAP),
        "UPLOAD_IDLE_TIMEOUT": str(IDLE_SECONDS),
    }
    manage(sandbox_env, "migrate", "--noinput")
    with gunicorn(sandbox_env, sandbox_port, workers=1, threads=4):
        manage(app_env, "shell", "-c", SEED % PASSWORD)
        with gunicorn(app_env, app_port, workers=WORKERS, threads=THREADS):
            yield f"http://127.0.0.1:{app_port}", app_env, upload_temp


def test_stalled_uploads_leave_the_server_answering(servers):
    began = time.monotonic()
    base, app_env, upload_temp = servers
    alice, bob = Web(base), Web(base)
    alice.login("alice")
    bob.login("bob")
    head = script_upload_head(alice, ANNOUNCED)
    uploads: list[RawUpload] = []
    try:
        # 32 uploads from one person, each announcing 100 MB and then sending nothing.
        uploads = [RawUpload(base, head) for _ in range(STALLED)]
        opened_at = time.monotonic()
        wait_for(
            uploads,
            lambda: sum(u.closed_by_server for u in uploads) >= STALLED - CAP,
            timeout=QUICK,
        )

        # Meanwhile other people's pages answer: the sign-in page, and a signed-in page.
        sign_in, sign_in_took = timed_get(requests.Session(), base + "/accounts/login/")
        page, page_took = timed_get(bob.http, base + UPLOAD)
        checked_at = time.monotonic()
        assert sign_in.status_code == 200 and 'name="password"' in sign_in.text
        assert page.status_code == 200 and "Upload files" in page_text(page.text)
        assert sign_in_took < QUICK and page_took < QUICK, (sign_in_took, page_took)

        # The uploads over the cap were answered 429 at once, before any of their body came.
        refused = [u for u in uploads if u.answered]
        held = [u for u in uploads if not u.answered]
        assert len(held) == CAP, [u.status for u in uploads]
        assert {u.status for u in refused} == {429}
        assert all(u.answered_at - u.sent_at < QUICK for u in refused)
        assert all(u.closed_by_server for u in refused)  # no thread waits on their bodies
        said = page_text(refused[0].text)
        assert f"You already have {CAP} uploads under way; wait for one to finish" in said
        assert checked_at - opened_at < IDLE_SECONDS  # all of that while the others were held
        slowest_refusal = max(u.answered_at - u.sent_at for u in refused)

        # After the idle timeout, the held ones are answered and their connections closed.
        wait_for(held, lambda: all(u.closed_by_server for u in held), timeout=IDLE_SECONDS + 10)
        for upload in held:
            assert upload.status == 200, upload.text[:300]
            assert IDLE_SECONDS - 0.5 <= upload.answered_at - upload.sent_at < IDLE_SECONDS + 5
            assert "The file stopped arriving part-way" in page_text(upload.text)
            assert upload.closed_by_server

        # Their slots are free: both ways of uploading stopping part-way, at the same time.
        part = b'{"n": 1}\n' * 100_000
        relayed = RawUpload(base, script_upload_head(alice, 2 * len(part), name="half.jsonl"), part)
        form = RawUpload(base, form_upload_head(alice, 2 * len(part), name="form.jsonl"), part)
        uploads += [relayed, form]
        deadline = time.monotonic() + 10
        while not any(upload_temp.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(upload_temp.iterdir()), "the form's file was never spooled"
        stopping = [relayed, form]
        wait_for(
            stopping, lambda: all(u.closed_by_server for u in stopping), timeout=IDLE_SECONDS + 10
        )
        assert relayed.status == 200 and "stopped arriving part-way" in page_text(relayed.text)
        assert form.status == 302 and form.header("Location") == UPLOAD, form.text[:300]
        assert all(u.answered_at - u.sent_at >= IDLE_SECONDS - 0.5 for u in stopping)
        assert list(upload_temp.iterdir()) == []
        for name, value in form.cookies().items():  # the message for the next page
            alice.http.cookies.set(name, value)
        said = page_text(alice.get(UPLOAD).text)
        assert f"The upload stopped arriving: nothing more came for {IDLE_SECONDS} seconds" in said

        # The same person can upload again.
        answer = send_file(alice, "after.jsonl", b'{"prompt": "a", "completion": "b"}\n')
        assert answer.status_code == 200 and 'data-outcome="uploaded"' in answer.text
    finally:
        for upload in uploads:
            upload.close()

    state = json.loads(manage(app_env, "shell", "-c", AFTERWARDS).strip().splitlines()[-1])
    assert state["slots"] == 0
    assert state["stored"] == ["after.jsonl"]
    outcomes = [outcome for outcome, _detail in state["log"]]
    assert outcomes == ["refused"] * (CAP + 1) + ["success"], state["log"]
    assert all(
        "The file stopped arriving part-way" in detail for _o, detail in state["log"][: CAP + 1]
    )
    print(
        f"\n{STALLED} stalled uploads against gunicorn ({WORKERS} workers x {THREADS} threads): "
        f"{len(refused)} refused 429 within {slowest_refusal:.2f} s; meanwhile sign-in page "
        f"{sign_in_took:.2f} s, signed-in page {page_took:.2f} s; {CAP} held until the idle "
        f"timeout ({IDLE_SECONDS} s); {time.monotonic() - began:.1f} s after start-up"
    )
