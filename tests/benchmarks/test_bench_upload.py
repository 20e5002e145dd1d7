"""Upload benchmark: a 1 GiB JSON Lines file uploaded through the dashboard into a sandbox team,
against the same file uploaded straight to the sandbox by the official SDK, in one run.

Both servers are real gunicorn (gthread) processes on loopback, the sandbox in its own process,
so the dashboard's memory is its own; both uploads leave the benchmark through httpx, the SDK's
own client. The dashboard gets the file as the upload page's script sends it (the file as the
body of its own request), checks its lines and passes it on to the sandbox while it arrives.
Each round uploads once each way, alternately. Printed: the times and their ratio
(target ≤ 1.5) and the dashboard worker's peak memory growth during its upload (target ≤ 64
MiB), read from /proc/<pid>/status (VmHWM after resetting it, and VmRSS sampled). Nothing here
asserts a speed. ``UPLOAD_BENCH_BYTES`` and ``UPLOAD_BENCH_ROUNDS`` change the size and rounds.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import statistics
import threading
import time
from pathlib import Path

import httpx

from tests.benchmarks.servers import base_env, free_port, gunicorn, manage

SIZE = int(os.environ.get("UPLOAD_BENCH_BYTES", str(1024**3)))
LINE_BYTES = 8 * 1024
ROUNDS = int(os.environ.get("UPLOAD_BENCH_ROUNDS", "3"))
PASSWORD = "bench upload password 42"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
UPLOAD_FORM = re.compile(r'<form method="post" action="([^"]+)"[^>]*id="upload-form"')
MIB = 1024 * 1024

SEED = """
import json
from django.contrib.auth import get_user_model
from dashboard.accounts.services import add_key, client_for_key
from dashboard.sandbox import identity
from dashboard.teams.services import add_team

upstream_user, key = identity.create_user("bench")
team = identity.create_team("Bench team", [(upstream_user, "Admin")])
user = get_user_model().objects.create_user("bench", password=%r)
saved_key = add_key(user=user, label="bench key", plaintext=key)
add_team(user=user, client=client_for_key(saved_key), team_id=str(team.pk), label="Bench team")
print(json.dumps({"key": key, "team": str(team.pk)}))
"""


def write_json_lines(path: Path, size: int) -> None:
    """Exactly ``size`` bytes of valid JSON Lines whose text is random (incompressible)."""
    frame = len(b'{"text": ""}\n')
    with path.open("wb") as out:
        left = size
        while left:
            line_size = LINE_BYTES if left >= 2 * LINE_BYTES else left
            text = base64.b64encode(os.urandom(line_size))[: line_size - frame]
            out.write(b'{"text": "' + text + b'"}\n')
            left -= line_size


def worker_pid(master_pid: int) -> int:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    assert len(children) == 1, f"expected one gunicorn worker, found {children}"
    return int(children[0])


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


class RssSampler(threading.Thread):
    """Samples a process's resident memory until stopped; keeps the highest seen."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = memory_kib(pid, "VmRSS")
        self._halt = threading.Event()

    def run(self):
        while not self._halt.wait(0.02):
            self.peak_kib = max(self.peak_kib, memory_kib(self.pid, "VmRSS"))

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak_kib


def signed_in(base: str, team: str) -> tuple[httpx.Client, dict, str]:
    """A dashboard session, the upload form's hidden fields, and the address of ``team``'s
    upload page, where both the form and the page's script post.

    The same HTTP client as the SDK's (httpx, streaming multipart), so both uploads leave the
    benchmark at the same cost and the comparison is of the servers' work only.
    """
    client = httpx.Client(base_url=base, timeout=3600)
    login = "/accounts/login/"
    token = CSRF.search(client.get(login).text).group(1)
    client.post(
        login,
        data={"username": "bench", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": base + login},
    )
    upload_url = f"/t/{team}/files/upload/"
    page = client.get(upload_url).text
    fields = {"csrfmiddlewaretoken": CSRF.search(page).group(1)}
    assert UPLOAD_FORM.search(page).group(1) == upload_url, "the form is not the team's"
    return client, fields, upload_url


def upload_through_dashboard(client: httpx.Client, fields: dict, url: str, path: Path) -> str:
    """One file, as the upload page's script sends it (the file as the body); the answer."""
    with path.open("rb") as content:
        response = client.post(
            url,
            content=content,
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Length": str(path.stat().st_size),
                "HX-Request": "true",
                "X-CSRFToken": fields["csrfmiddlewaretoken"],
                "X-Upload-Purpose": "fine-tune",
                "X-Upload-Filename": path.name,
                "Referer": str(client.base_url) + url,
            },
        )
    assert response.status_code == 200, response.text[:500]
    assert 'data-outcome="uploaded"' in response.text, response.text[:2000]
    return response.text


def upload_through_form(client: httpx.Client, fields: dict, url: str, path: Path) -> str:
    """The same file through the form as a browser without JavaScript posts it (multipart,
    spooled to disk and checked whole, then sent on): for comparison only."""
    with path.open("rb") as content:
        response = client.post(
            url,
            data={**fields, "purpose": "fine-tune"},
            files={"files": (path.name, content, "application/octet-stream")},
            headers={"Referer": str(client.base_url) + url},
            follow_redirects=True,  # to the page with the results, as a browser would
        )
    assert 'data-outcome="uploaded"' in response.text, response.text[:2000]
    return response.text


def timed(upload) -> float:
    started = time.perf_counter()
    upload()
    return time.perf_counter() - started


def test_upload_1gib_through_dashboard_vs_sdk(tmp_path, monkeypatch):
    monkeypatch.setenv("DISABLE_TQDM", "1")
    monkeypatch.setenv("TQDM_DISABLE", "1")
    from seekrai import SeekrFlow

    dashboard_port, sandbox_port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}/sandbox"
    dashboard_url = f"http://127.0.0.1:{dashboard_port}"
    storage = tmp_path / "sandbox-files"
    upload_temp = tmp_path / "upload-temp"
    upload_temp.mkdir()
    common = {
        "DASHBOARD_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
        "SANDBOX_STORAGE_DIR": str(storage),
        "FILE_UPLOAD_TEMP_DIR": str(upload_temp),
        "SECURE_COOKIES": "false",
    }
    sandbox_env = base_env(**common, PORT=str(sandbox_port), SANDBOX_ENABLED="true")
    dashboard_env = base_env(**common, UPSTREAM_BASE_URL=sandbox_url, SANDBOX_ENABLED="false")
    source, warm_up = tmp_path / "bench.jsonl", tmp_path / "warm-up.jsonl"
    warm_up.write_bytes(b'{"text": "warm up"}\n')
    rounds = []

    manage(sandbox_env, "migrate", "--noinput")
    with gunicorn(sandbox_env, sandbox_port, workers=1, threads=4):
        seeded = json.loads(
            manage(dashboard_env, "shell", "-c", SEED % PASSWORD).strip().splitlines()[-1]
        )
        team_storage = storage / seeded["team"]
        with gunicorn(dashboard_env, dashboard_port, workers=1, threads=4) as dashboard:
            try:
                started = time.perf_counter()
                write_json_lines(source, SIZE)
                took = time.perf_counter() - started
                print(f"\nwrote {SIZE / MIB:.0f} MiB of JSON Lines in {took:.1f} s")
                sdk = SeekrFlow(
                    base_url=sandbox_url,
                    api_key=seeded["key"],
                    supplied_headers={"x-team-id": seeded["team"]},
                    max_retries=0,
                )
                client, fields, upload_url = signed_in(dashboard_url, seeded["team"])
                sdk.files.upload(warm_up, purpose="fine-tune")  # both servers warm, code loaded
                upload_through_dashboard(client, fields, upload_url, warm_up)
                pid = worker_pid(dashboard.pid)

                for _ in range(ROUNDS):  # alternated, so both meet the same machine state
                    os.sync()  # no writeback left over from before slows the next upload
                    sdk_seconds = timed(lambda: sdk.files.upload(source, purpose="fine-tune"))
                    shutil.rmtree(team_storage)  # keep the disk use to one stored copy
                    os.sync()
                    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS now
                    before_kib = memory_kib(pid, "VmRSS")
                    sampler = RssSampler(pid)
                    sampler.start()
                    dashboard_seconds = timed(
                        lambda: upload_through_dashboard(client, fields, upload_url, source)
                    )
                    peak_kib = max(sampler.stop(), memory_kib(pid, "VmHWM"))
                    shutil.rmtree(team_storage)
                    rounds.append((sdk_seconds, dashboard_seconds, before_kib, peak_kib))
                    assert list(upload_temp.iterdir()) == []
                os.sync()
                form_seconds = timed(
                    lambda: upload_through_form(client, fields, upload_url, source)
                )
                assert list(upload_temp.iterdir()) == []
            finally:
                source.unlink(missing_ok=True)
                shutil.rmtree(storage, ignore_errors=True)

    print(f"file: {SIZE / MIB:.0f} MiB of JSON Lines, purpose fine-tune, {ROUNDS} rounds")
    for number, (sdk_seconds, dashboard_seconds, before_kib, peak_kib) in enumerate(rounds, 1):
        print(
            f"round {number}: SDK straight to the sandbox {sdk_seconds:5.1f} s "
            f"({SIZE / MIB / sdk_seconds:4.0f} MiB/s); through the dashboard "
            f"{dashboard_seconds:5.1f} s ({SIZE / MIB / dashboard_seconds:4.0f} MiB/s); "
            f"ratio {dashboard_seconds / sdk_seconds:.2f}; dashboard worker memory "
            f"{before_kib / 1024:.1f} -> peak {peak_kib / 1024:.1f} MiB "
            f"(growth {(peak_kib - before_kib) / 1024:.1f} MiB)"
        )
    median_ratio = statistics.median(r[1] / r[0] for r in rounds)
    best_ratio = min(r[1] for r in rounds) / min(r[0] for r in rounds)
    worst_growth = max(r[3] - r[2] for r in rounds) / 1024
    print(
        f"time ratio dashboard / SDK: median of rounds {median_ratio:.2f}, best of each "
        f"{best_ratio:.2f} (target <= 1.5)"
    )
    print(
        f"dashboard worker peak memory growth (worst round): {worst_growth:.1f} MiB (target <= 64)"
    )
    sdk_median = statistics.median(r[0] for r in rounds)
    print(
        f"for comparison, the no-JavaScript form (spooled, then sent on): {form_seconds:.1f} s, "
        f"{form_seconds / sdk_median:.2f} x the SDK's median"
    )
