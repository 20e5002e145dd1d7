"""Shared fixtures: the sandbox upstream on pytest-django's live server, a small demo
organisation in it, and dashboard users who reach both over real HTTP."""

from __future__ import annotations

import contextlib
import os
import re
import threading
from dataclasses import dataclass, field

import pytest
import requests

# Playwright's sync API runs an event loop in the test thread; the ORM is still used
# synchronously there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple 42"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True, scope="session")
def _lists_folder_removed():
    """The folder of list generations this test process used (see settings) goes at the end."""
    yield
    import shutil

    from django.conf import settings

    location = str(settings.CACHES["list-changes"].get("LOCATION", ""))
    if "changes-test-" in location:
        shutil.rmtree(location, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Database connections close when their request ends. The live server gives each kept-alive
    HTTP connection a thread of its own; with connections kept for a minute (the production
    setting), those threads would hold PostgreSQL connections past its limit of 100."""
    from django.db import connections

    for alias in connections:
        connections[alias].settings_dict["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def _page_sizes_unlearnt(monkeypatch):
    """What a process learnt of an upstream's page sizes (an upstream answering 422 for a test)
    does not carry over to the next test."""
    from dashboard.upstream import resources

    monkeypatch.setattr(resources, "_smaller_pages", {})


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with empty caches (with Redis, sessions and snapshots live there)."""
    from django.core.cache import caches

    caches["default"].clear()
    caches["lists"].clear()  # with Redis, the same store: cleared once more at the start
    caches["list-changes"].clear()
    yield
    from dashboard.ownership import snapshots

    assert snapshots.settle(), "an audit read ahead did not end within its test"


PROFILES = ("seekrflow", "rungen")  # every upstream profile, for tests run with each
# Header names are settings: SeekrFlow's profile against a sandbox expecting HSL's headers.
HEADER_SHAPES = {
    "seekrflow+hsl": (
        "seekrflow",
        {"KEY_HEADER": "X-API-Key", "TEAM_HEADER": "X-Workspace-ID"},
    ),
}
for_each_profile = pytest.mark.parametrize("upstream_profile", PROFILES, indirect=True)
for_each_shape = pytest.mark.parametrize(
    "upstream_profile", (*PROFILES, *HEADER_SHAPES), indirect=True
)


@pytest.fixture
def upstream_profile(request, settings) -> str:
    """The upstream profile a test runs with: SeekrFlow's, unless a module or test asks for
    another (``for_each_profile``, ``for_each_shape``, or this fixture overridden). A header
    shape names a profile and the header names both the dashboard and the sandbox then use."""
    shape = getattr(request, "param", "seekrflow")
    profile, headers = HEADER_SHAPES.get(shape, (shape, {}))
    for name, value in headers.items():
        setattr(settings, f"UPSTREAM_{name}", value)
        setattr(settings, f"SANDBOX_{name}", value)
    settings.UPSTREAM_PROFILE = profile
    return profile


@pytest.fixture
def upstream(live_server, settings, upstream_profile):
    """The sandbox, reachable over real HTTP, speaking the dialect of ``upstream_profile``; the
    dashboard's service layer points at it."""
    from dashboard.sandbox import faults, recorder
    from dashboard.upstream import client as client_module
    from dashboard.upstream.http import reset_session

    settings.UPSTREAM_PROFILE = upstream_profile
    from dashboard.upstream.profiles import active_profile

    settings.UPSTREAM_BASE_URL = f"{live_server.url}/{active_profile().sandbox_path}"
    settings.SANDBOX_LATENCY_MS = 0
    settings.UPSTREAM_RETRY_AFTER_MAX = 1
    from django.db import connection

    if connection.vendor == "postgresql":
        # The sandbox answers in this process, each call on a database connection of its own:
        # a page's widest wave (the audit's 99 calls) must leave room under PostgreSQL's 100.
        settings.UPSTREAM_PAGE_WORKERS = 32
    reset_session()
    recorder.clear()
    faults.clear_faults()
    client_module._key_verdicts.clear()  # what a test learnt of its keys stays in it
    with _lists_forgotten_on_direct_changes():
        yield settings.UPSTREAM_BASE_URL
    faults.clear_faults()
    reset_session()


@contextlib.contextmanager
def _lists_forgotten_on_direct_changes():
    """A test that changes the sandbox's data directly (not through the upstream API, so the
    dashboard cannot know) is as someone elsewhere changing it followed by a refresh: the
    lists the dashboard remembers are forgotten. Changes made by answering the dashboard's own
    calls (in the live server's threads) are not: the dashboard must handle those itself."""
    from django.db.models.signals import post_delete, post_save

    from dashboard.upstream import listcache

    test_thread = threading.current_thread()

    def forget(sender, **kwargs):
        if sender._meta.app_label == "sandbox" and threading.current_thread() is test_thread:
            listcache.forget_everything()

    for signal in (post_save, post_delete):
        signal.connect(forget, weak=False, dispatch_uid="tests-forget-lists")
    try:
        yield
    finally:
        for signal in (post_save, post_delete):
            signal.disconnect(dispatch_uid="tests-forget-lists")


@dataclass
class Member:
    username: str
    sandbox_user: object
    api_key: str
    personal_team_id: str

    @property
    def upstream_id(self) -> str:
        return str(self.sandbox_user.pk)


@dataclass
class Org:
    alice: Member
    bob: Member
    team_a: object  # alice (Admin) and bob (Creator)
    team_b: object  # bob only
    extra: dict = field(default_factory=dict)


def _member(identity, username: str) -> Member:
    user, key = identity.create_user(username)
    return Member(username, user, key, str(identity.personal_team(user).pk))


@pytest.fixture
def org(upstream):
    """Two upstream users, two shared teams and a few resources of each kind."""
    from dashboard.sandbox import identity

    alice = _member(identity, "alice")
    bob = _member(identity, "bob")
    team_a = identity.create_team(
        "Team A", [(alice.sandbox_user, "Admin"), (bob.sandbox_user, "Creator")]
    )
    team_b = identity.create_team("Team B", [(bob.sandbox_user, "Admin")])
    return Org(alice=alice, bob=bob, team_a=team_a, team_b=team_b)


class Web:
    """A person's browser session against the dashboard, over real HTTP."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()
        self.last = None

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def get(self, path: str, **kwargs) -> requests.Response:
        self.last = self.http.get(self.url(path), timeout=60, **kwargs)
        return self.last

    def csrf(self) -> str:
        token = self.http.cookies.get("csrftoken")
        if not token and self.last is not None:
            match = CSRF_INPUT.search(self.last.text)
            token = match.group(1) if match else ""
        return token or ""

    def post(self, path: str, data=None, **kwargs) -> requests.Response:
        payload = dict(data or {})
        payload.setdefault("csrfmiddlewaretoken", self.csrf())
        headers = {"Referer": self.url(path), **kwargs.pop("headers", {})}
        self.last = self.http.post(
            self.url(path), data=payload, headers=headers, timeout=120, **kwargs
        )
        return self.last

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        self.get("/accounts/login/")
        response = self.post("/accounts/login/", {"username": username, "password": password})
        assert "/accounts/login/" not in response.url, "sign-in failed"
        return response


def make_dashboard_user(username: str, *, member: Member | None = None, teams=(), staff=False):
    """A dashboard login; with ``member``, its upstream key and ``teams`` saved as a person
    would (the key checked against the upstream, the teams too)."""
    from django.contrib.auth import get_user_model

    from dashboard.accounts import services as keys
    from dashboard.teams import services as team_services

    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=staff)
    if member is not None:
        key = keys.add_key(user=user, label=f"{username}'s key", plaintext=member.api_key)
        client = keys.client_for_key(key)
        for team, label in teams:
            team_services.add_team(user=user, client=client, team_id=str(team.pk), label=label)
    return user


def team_url(team=None, rest: str = "") -> str:
    """A team's page: ``team`` a sandbox team, or None for the personal workspace."""
    return f"/t/{team.pk if team is not None else 'personal'}/{rest}"


@pytest.fixture
def web(live_server):
    return Web(live_server.url)


@pytest.fixture
def alice_web(org, live_server):
    """Alice, signed in, with her key and Team A saved."""
    make_dashboard_user("alice", member=org.alice, teams=[(org.team_a, "Team A")])
    session = Web(live_server.url)
    session.login("alice")
    return session


@pytest.fixture
def bob_web(org, live_server):
    """Bob, signed in, with his key and Teams A and B saved."""
    make_dashboard_user(
        "bob", member=org.bob, teams=[(org.team_a, "Team A"), (org.team_b, "Team B")]
    )
    session = Web(live_server.url)
    session.login("bob")
    return session
