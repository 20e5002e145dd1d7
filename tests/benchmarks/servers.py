"""Start the dashboard (and a separate sandbox) as real gunicorn processes for benchmarks."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextlib.contextmanager
def gunicorn(env: dict, port: int, *, workers: int = 2, threads: int = 8):
    """A gunicorn (gthread) serving the project with ``env`` on 127.0.0.1:port, its access log
    written to /dev/null unless ``env`` turns it off (``GUNICORN_ACCESS_LOG`` empty)."""
    env = {"GUNICORN_ACCESS_LOG": "/dev/null", **env}
    cmd = [sys.executable, "-m", "gunicorn", "dashboard.wsgi:application", "-c",
           "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
           "--threads", str(threads)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/accounts/login/")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def base_env(**extra: str) -> dict:
    inherited = ("PYTEST", "DJANGO_", "GUNICORN_")  # the caller's own are not passed on
    env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    env.update(extra)
    return env


@contextlib.contextmanager
def separate_sandbox(settings, latency_ms: int, *, threads: int = 8):
    """The sandbox served by its own gunicorn process over the test database, as a remote
    upstream would be, and the dashboard pointed at it: the sandbox's CPU work neither competes
    with the dashboard's nor counts in what the benchmark process measures. It keeps no access
    log (formatting each line would cost it a sixth of a call's CPU)."""
    from django.db import connection

    from dashboard.upstream.http import reset_session

    if connection.vendor != "sqlite":
        pytest.skip("the separate upstream process shares the SQLite test database")
    port = free_port()
    env = base_env(
        DATABASE_URL=f"sqlite:///{connection.settings_dict['NAME']}",
        UPSTREAM_BASE_URL=f"http://127.0.0.1:{port}/sandbox",
        SANDBOX_ENABLED="true",
        SANDBOX_LATENCY_MS=str(latency_ms),
        SECRET_KEY=settings.SECRET_KEY,
        DASHBOARD_ENCRYPTION_KEYS=",".join(settings.DASHBOARD_ENCRYPTION_KEYS),
        GUNICORN_ACCESS_LOG="",
    )
    with gunicorn(env, port, workers=2, threads=threads):
        settings.UPSTREAM_BASE_URL = f"http://127.0.0.1:{port}/sandbox"
        reset_session()
        try:
            yield
        finally:
            reset_session()
