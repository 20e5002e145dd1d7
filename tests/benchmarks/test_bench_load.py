"""Load: 50 concurrent clients for 60 s against gunicorn (2 threaded workers), the sandbox at
50 ms latency in its own process, PostgreSQL and Redis shared. Prints p50/p99 and errors, and
checks that a session, and the team last used, are shared between two app servers."""

from __future__ import annotations

import json
import os
import re
import statistics
import threading
import time
import uuid

import pytest
import requests
from cryptography.fernet import Fernet

from tests.benchmarks.servers import base_env, free_port, gunicorn, manage

CLIENTS = int(os.environ.get("LOAD_CLIENTS", "50"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
PG_ADMIN = os.environ.get("LOAD_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "rediscache://127.0.0.1:6379/3")
TEAM_PAGES = ["", "r/files/", "r/agents/", "r/fine-tunes/"]  # under /t/<team>/
OTHER_PAGES = ["/threads/", "/teams/"]
TEAM_LINK = re.compile(r'href="/t/([0-9a-f-]{36})/"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _postgres_database():
    try:
        import psycopg

        name = f"dashboard_load_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN.replace("postgres://", "postgresql://"),
                             autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name
    except Exception as exc:  # noqa: BLE001 - any failure means "not available here"
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN}: {exc}")


def _drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _redis_available() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL.replace("rediscache://", "redis://"),
                             socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")


def login(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/accounts/login/", timeout=30)
    token = CSRF.search(page.text).group(1)
    answer = session.post(base + "/accounts/login/", timeout=30,
                          data={"username": username, "password": password,
                                "csrfmiddlewaretoken": token},
                          headers={"Referer": base + "/accounts/login/"})
    assert "/accounts/login/" not in answer.url, "sign-in failed"
    return session


def active_team(html: str) -> str:
    match = re.search(r'class="switcher-label">([^<]+)<', html)
    return match.group(1).strip() if match else ""


def test_load_and_shared_sessions(tmp_path):
    _redis_available()
    database = _postgres_database()
    try:
        sandbox_port, app_port, other_port = free_port(), free_port(), free_port()
        sandbox_url = f"http://127.0.0.1:{sandbox_port}/sandbox"
        common = dict(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
            SECRET_KEY="load-test-secret-" + uuid.uuid4().hex * 2,
            DASHBOARD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
            SANDBOX_STORAGE_DIR=str(tmp_path / "files"),
            PORT=str(sandbox_port),
        )
        sandbox_env = base_env(**common, UPSTREAM_BASE_URL=sandbox_url, SANDBOX_ENABLED="true",
                               SANDBOX_LATENCY_MS="50")
        app_env = base_env(**common, UPSTREAM_BASE_URL=sandbox_url, SANDBOX_ENABLED="false",
                           CACHE_URL=REDIS_URL)
        manage(sandbox_env, "migrate", "--noinput")
        org = json.loads(manage(sandbox_env, "sandbox_seed", "--json"))
        demo = org["dashboard_login"]

        with gunicorn(sandbox_env, sandbox_port, workers=2, threads=16), \
                gunicorn(app_env, app_port, workers=2, threads=8), \
                gunicorn(app_env, other_port, workers=1, threads=4):
            app, other = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{other_port}"

            # A session started on one app server is valid on the other; the team last used
            # on one is the team "/" opens on the other.
            session = login(app, demo["username"], demo["password"])
            there = session.get(other + "/teams/", timeout=30)
            assert there.status_code == 200 and "/accounts/login/" not in there.url
            team_id = TEAM_LINK.search(there.text).group(1)
            opened = session.get(other + f"/t/{team_id}/", timeout=30)
            assert opened.status_code == 200
            back = session.get(app + "/", timeout=30)
            assert back.url == f"{app}/t/{team_id}/"
            assert team_id in back.text.split("switcher-id")[1][:80]
            print(f"\nshared sessions: signed in on :{app_port}, valid on :{other_port}; "
                  f"team {active_team(back.text)!r} opened on :{other_port}, "
                  f"opened by / on :{app_port}")
            pages = [f"/t/{team_id}/{rest}" for rest in TEAM_PAGES] + OTHER_PAGES

            latencies: list[float] = []
            failures: list[str] = []
            lock = threading.Lock()
            stop_at = time.monotonic() + SECONDS

            def client(index: int) -> None:
                try:
                    me = login(app, demo["username"], demo["password"])
                except Exception as exc:  # noqa: BLE001
                    with lock:
                        failures.append(f"login: {type(exc).__name__}")
                    return
                n = index
                while time.monotonic() < stop_at:
                    path = pages[n % len(pages)]
                    n += 1
                    started = time.perf_counter()
                    try:
                        answer = me.get(app + path, timeout=30)
                        ok = answer.status_code == 200 and "/accounts/login/" not in answer.url
                        problem = "" if ok else f"{path}: {answer.status_code}"
                    except requests.RequestException as exc:
                        problem = f"{path}: {type(exc).__name__}"
                    elapsed = time.perf_counter() - started
                    with lock:
                        latencies.append(elapsed)
                        if problem:
                            failures.append(problem)

            threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
            began = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - began

        ordered = sorted(latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000 if ordered else float("nan")
        print(f"load: {CLIENTS} clients for {SECONDS:.0f} s (wall {wall:.1f} s), "
              f"{len(latencies)} requests ({len(latencies) / wall:.1f}/s), errors {len(failures)}, "
              f"p50 {p50:.0f} ms, p99 {p99:.0f} ms (sandbox latency 50 ms)")
        assert latencies, "no request completed"
        assert not failures, failures[:10]
    finally:
        _drop_database(database)
