"""Fixtures for the sandbox's own tests: the sandbox on pytest-django's live server, a small
organisation in it, and clients (the official SDK, plain ``requests``) that reach it over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests


@pytest.fixture
def sandbox(live_server, settings, tmp_path, monkeypatch):
    """The sandbox's base URL, with fast, fault-free settings and storage in a temp folder."""
    from dashboard.sandbox import faults, recorder

    for name in ("SEEKR_API_KEY", "SEEKR_TEAM_ID", "SEEKR_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings.SANDBOX_STORAGE_DIR = tmp_path / "sandbox-files"
    settings.SANDBOX_LATENCY_MS = 0
    settings.SANDBOX_STREAM_DELAY_MS = 0
    settings.SANDBOX_FAULTS = ""
    settings.SANDBOX_FAULT_SLEEP_S = 1
    faults.clear_faults()
    recorder.clear()
    yield live_server.url + "/sandbox"
    faults.clear_faults()


@dataclass
class Person:
    user: object
    key: str
    personal: object

    @property
    def personal_id(self) -> str:
        return str(self.personal.pk)


@dataclass
class Org:
    alice: Person  # Admin of team_a
    bob: Person  # Creator in team_a, Admin of team_b
    carol: Person  # in no shared team
    team_a: object
    team_b: object

    @property
    def team_a_id(self) -> str:
        return str(self.team_a.pk)

    @property
    def team_b_id(self) -> str:
        return str(self.team_b.pk)


def _person(identity, username: str) -> Person:
    user, key = identity.create_user(username)
    return Person(user, key, identity.personal_team(user))


@pytest.fixture
def org(sandbox):
    from dashboard.sandbox import identity

    alice, bob, carol = (_person(identity, name) for name in ("alice", "bob", "carol"))
    team_a = identity.create_team("Team A", [(alice.user, "Admin"), (bob.user, "Creator")])
    team_b = identity.create_team("Team B", [(bob.user, "Admin")])
    return Org(alice, bob, carol, team_a, team_b)


@pytest.fixture
def sdk(sandbox):
    """``sdk(key, team_id=None)``: the official client, as a script would build it."""
    from seekrai import SeekrFlow

    def build(key: str, team_id: str | None = None, **kwargs):
        headers = {"x-team-id": team_id} if team_id else {}
        kwargs.setdefault("max_retries", 0)
        return SeekrFlow(base_url=sandbox, api_key=key, supplied_headers=headers, **kwargs)

    return build


class Http:
    """Plain HTTP to the sandbox, for what the SDK hides (status codes, headers, bodies); the
    key in ``key_header`` (``Authorization`` for SeekrFlow, ``x-api-key`` for RunGen.AI)."""

    def __init__(self, base: str, key_header: str = "Authorization"):
        self.base = base
        self.key_header = key_header
        self.session = requests.Session()

    def __call__(self, method: str, path: str, *, key=None, team=None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if key is not None:
            headers[self.key_header] = key
        if team is not None:
            headers["x-team-id"] = team
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        return self.session.request(method, f"{self.base}/{path}", headers=headers, **kwargs)


@pytest.fixture
def http(sandbox):
    client = Http(sandbox)
    yield client
    client.session.close()
