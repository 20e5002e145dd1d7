"""Copy benchmark: a 1 GiB file copied from one sandbox team into another by the dashboard's
copy job, against the same copy done with the official SDK (download to disk, then upload), in
one run.

The sandbox and the dashboard are real gunicorn processes, the job runs in a real
``jobs_worker`` process; the copy is started through the copy page, as a person starts it, and
timed until its job page says it succeeded. Each round copies once each way, alternately.
Printed: the times and their ratio (target ≤ 1.2) and the worker's peak memory growth during
the copy (target ≤ 64 MiB), from /proc/<pid>/status. Nothing here asserts a speed.
``COPY_BENCH_BYTES`` and ``COPY_BENCH_ROUNDS`` change the size and rounds.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.benchmarks.servers import ROOT, base_env, free_port, gunicorn, manage
from tests.benchmarks.test_bench_upload import (
    CSRF,
    MIB,
    RssSampler,
    memory_kib,
    write_json_lines,
)

SIZE = int(os.environ.get("COPY_BENCH_BYTES", str(1024**3)))
ROUNDS = int(os.environ.get("COPY_BENCH_ROUNDS", "3"))
PASSWORD = "bench copy password 42"
PLAN = re.compile(r'name="plan" value="([^"]+)"')
JOB_STATUS = re.compile(r'data-testid="job-status">([^<]+)<')

SEED = """
import json
from django.contrib.auth import get_user_model
from dashboard.accounts.services import add_key, client_for_key
from dashboard.sandbox import identity
from dashboard.teams.services import add_team

upstream_user, key = identity.create_user("bench")
source = identity.create_team("Source team", [(upstream_user, "Admin")])
target = identity.create_team("Target team", [(upstream_user, "Admin")])
user = get_user_model().objects.create_user("bench", password=%r)
saved_key = add_key(user=user, label="bench key", plaintext=key)
client = client_for_key(saved_key)
add_team(user=user, client=client, team_id=str(source.pk), label="Source team")
add_team(user=user, client=client, team_id=str(target.pk), label="Target team")
print(json.dumps({"key": key, "source": str(source.pk), "target": str(target.pk)}))
"""


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=3600)
    login = "/accounts/login/"
    token = CSRF.search(client.get(login).text).group(1)
    client.post(
        login,
        data={"username": "bench", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": base + login},
    )
    return client


def copy_through_job(client: httpx.Client, source: str, target: str, file_id: str) -> None:
    """Start the copy on its page and wait until the job page says it succeeded."""
    url = f"/t/{source}/r/files/{file_id}/copy/"
    page = client.get(url, params={"to": target}).text
    started = client.post(
        url,
        data={
            "to": target,
            "planned": "1",
            "start": "1",
            "plan": PLAN.search(page).group(1),
            "csrfmiddlewaretoken": CSRF.search(page).group(1),
        },
        headers={"Referer": str(client.base_url) + url},
    )
    assert started.status_code == 302, started.text[:500]
    job_url = started.headers["Location"]
    while True:
        status = JOB_STATUS.search(client.get(job_url).text).group(1)
        if status in ("Succeeded", "Failed", "Cancelled", "Interrupted"):
            break
        time.sleep(0.05)
    assert status == "Succeeded", status


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def test_copy_1gib_between_teams_job_vs_sdk(tmp_path, monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per poll of the job page
    from seekrai import SeekrFlow

    dashboard_port, sandbox_port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}/sandbox"
    storage = tmp_path / "sandbox-files"
    common = {
        "DASHBOARD_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
        "SANDBOX_STORAGE_DIR": str(storage),
        "SECURE_COOKIES": "false",
    }
    sandbox_env = base_env(**common, PORT=str(sandbox_port), SANDBOX_ENABLED="true")
    dashboard_env = base_env(**common, UPSTREAM_BASE_URL=sandbox_url, SANDBOX_ENABLED="false")
    source_file, downloaded = tmp_path / "bench.jsonl", tmp_path / "downloaded.jsonl"
    rounds = []

    manage(sandbox_env, "migrate", "--noinput")
    seeded = None
    with gunicorn(sandbox_env, sandbox_port, workers=1, threads=4):
        seeded = json.loads(
            manage(dashboard_env, "shell", "-c", SEED % PASSWORD).strip().splitlines()[-1]
        )
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "jobs_worker", "--interval", "0.05", "--no-reload"],
            cwd=ROOT,
            env=dashboard_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with gunicorn(dashboard_env, dashboard_port, workers=1, threads=4):
                write_json_lines(source_file, SIZE)
                sdk = {
                    team: SeekrFlow(
                        base_url=sandbox_url,
                        api_key=seeded["key"],
                        supplied_headers={"x-team-id": seeded[team]},
                        max_retries=0,
                    )
                    for team in ("source", "target")
                }
                file_id = sdk["source"].files.upload(source_file, purpose="fine-tune").id
                source_file.unlink()
                client = signed_in(f"http://127.0.0.1:{dashboard_port}")
                target_storage = storage / seeded["target"]

                def by_sdk() -> None:
                    sdk["source"].files.retrieve_content(file_id, output=downloaded)
                    sdk["target"].files.upload(downloaded, purpose="fine-tune")

                for _ in range(ROUNDS):  # alternated, so both meet the same machine state
                    os.sync()
                    sdk_seconds = timed(by_sdk)
                    downloaded.unlink()
                    shutil.rmtree(target_storage, ignore_errors=True)
                    os.sync()
                    Path(f"/proc/{worker.pid}/clear_refs").write_text("5")
                    before_kib = memory_kib(worker.pid, "VmRSS")
                    sampler = RssSampler(worker.pid)
                    sampler.start()
                    job_seconds = timed(
                        lambda: copy_through_job(
                            client, seeded["source"], seeded["target"], file_id
                        )
                    )
                    peak_kib = max(sampler.stop(), memory_kib(worker.pid, "VmHWM"))
                    shutil.rmtree(target_storage, ignore_errors=True)
                    rounds.append((sdk_seconds, job_seconds, before_kib, peak_kib))
        finally:
            worker.terminate()
            worker.wait(timeout=20)
            shutil.rmtree(storage, ignore_errors=True)

    print(f"\nfile: {SIZE / MIB:.0f} MiB, copied between two sandbox teams, {ROUNDS} rounds")
    for number, (sdk_seconds, job_seconds, before_kib, peak_kib) in enumerate(rounds, 1):
        print(
            f"round {number}: SDK download + upload {sdk_seconds:5.1f} s; copy job "
            f"{job_seconds:5.1f} s; ratio {job_seconds / sdk_seconds:.2f}; worker memory "
            f"{before_kib / 1024:.1f} -> peak {peak_kib / 1024:.1f} MiB "
            f"(growth {(peak_kib - before_kib) / 1024:.1f} MiB)"
        )
    ratios = [job / sdk for sdk, job, _, _ in rounds]
    print(
        f"time ratio copy job / SDK: min {min(ratios):.2f}, median {statistics.median(ratios):.2f}"
        f", max {max(ratios):.2f} (target <= 1.2)"
    )
    growth = max(peak - before for _, _, before, peak in rounds) / 1024
    print(f"worker peak memory growth (worst round): {growth:.1f} MiB (target <= 64)")
