"""``manage.py sandbox_seed``: the demo organisation, its idempotency, its JSON description,
keys that work over HTTP, and no plaintext key or password anywhere in the database."""

from __future__ import annotations

import io
import json
from collections import Counter

import pytest
import requests
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from seekrai.error import InvalidRequestError

from dashboard.sandbox import seed
from dashboard.sandbox.models import (
    SandboxApp,
    SandboxAppJob,
    SandboxFile,
    SandboxFineTune,
    SandboxThread,
)


def run_seed(*args) -> str:
    out = io.StringIO()
    call_command("sandbox_seed", *args, stdout=out)
    return out.getvalue()


def sandbox_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in apps.get_app_config("sandbox").get_models()
    }


@pytest.fixture
def demo(sandbox) -> dict:
    return json.loads(run_seed("--json"))


def test_the_seed_is_idempotent(demo):
    before = sandbox_counts()
    again = json.loads(run_seed("--json"))
    assert again == demo
    assert sandbox_counts() == before
    assert "already present, unchanged" in run_seed()


def test_json_describes_users_teams_and_the_demo_login(demo, settings):
    users = {user["username"]: user for user in demo["users"]}
    assert {"olivia", "adam", "chloe", "demo"} <= set(users)
    assert users["olivia"]["org_role"] == "Owner"
    for user in users.values():
        assert user["api_key"].startswith("sk-sbx-")
        assert isinstance(user["user_id"], int)
        assert user["personal_team_id"]
        for team in user["teams"]:
            assert {"id", "name", "members", "role"} <= set(team)
            assert {"username": user["username"], "role": team["role"]} in team["members"]
    assert len(demo["teams"]) >= 3
    demo_roles = Counter(team["role"] for team in users["demo"]["teams"])
    assert demo_roles["Admin"] == 1 and demo_roles["Creator"] >= 1
    assert any(t["role"] == "Admin" for t in users["adam"]["teams"])
    assert users["chloe"]["teams"] and all(t["role"] == "Creator" for t in users["chloe"]["teams"])
    assert demo["dashboard_login"] == {
        "url": f"http://127.0.0.1:{settings.PORT}/accounts/login/",
        "username": "demo",
        "password": demo["dashboard_login"]["password"],
    }


def test_the_demo_content_covers_every_kind(demo):
    busiest = Counter(SandboxFile.objects.values_list("team_id", flat=True)).most_common(1)
    assert busiest[0][1] > 120
    statuses = set(SandboxFineTune.objects.values_list("status", flat=True))
    assert {"running", "queued", "completed", "failed"} <= statuses
    counts = sandbox_counts()
    for kind in (
        "SandboxAgent",
        "SandboxTool",
        "SandboxDeployment",
        "SandboxVectorDB",
        "SandboxVectorDBFile",
        "SandboxProject",
        "SandboxDataJob",
        "SandboxRun",
        "SandboxPythonFunction",
        "SandboxIngestionJob",
    ):
        assert counts[kind] > 0, kind
    creators_per_kind = Counter(SandboxFile.objects.values_list("creator_id", flat=True))
    assert len(creators_per_kind) >= 4
    for user in demo["users"]:
        threads = SandboxThread.objects.filter(user_id=user["user_id"])
        assert threads.exists() and all(t.messages.exists() for t in threads)


def test_the_demo_has_rungen_apps_in_teams_and_personal_areas(demo, sandbox):
    users = {user["username"]: user for user in demo["users"]}
    key = {"x-api-key": users["demo"]["api_key"]}
    rungen = sandbox.removesuffix("/sandbox") + "/rungen"
    mine = requests.get(f"{rungen}/app", headers=key, timeout=30).json()["data"]
    assert {app["status"] for app in mine} == {"RUNNING", "STOPPED"}
    assert all(app["owner_team_id"] is None for app in mine)
    for team in users["demo"]["teams"]:
        in_team = {**key, "x-team-id": team["id"]}
        apps = requests.get(f"{rungen}/app", headers=in_team, timeout=30).json()["data"]
        assert apps and all(app["owner_team_id"] == team["id"] for app in apps)
    assert SandboxApp.objects.filter(active_workers__gt=0).count() > 1
    assert SandboxApp.objects.filter(active_workers=0).count() > 1
    assert {"IN_QUEUE", "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED"} == set(
        SandboxAppJob.objects.values_list("status", flat=True)
    )
    for job in SandboxAppJob.objects.filter(status="IN_QUEUE").select_related("app"):
        assert not job.app.running  # queued jobs wait for workers
    done = SandboxAppJob.objects.filter(status="COMPLETED", team__personal_of=None).first()
    in_team = {**key, "x-team-id": str(done.team_id)}
    answer = requests.get(f"{rungen}/app/{done.app_id}/job/{done.pk}", headers=in_team, timeout=30)
    assert answer.json()["data"]["status"] == "COMPLETED"
    assert answer.json()["data"]["output"]["result"]


def test_an_organisation_seeded_before_rungen_gets_its_apps(demo):
    SandboxApp.objects.all().delete()
    before = sandbox_counts()
    assert before["SandboxApp"] == before["SandboxAppJob"] == 0
    assert "RunGen apps and jobs added" in run_seed()
    assert SandboxApp.objects.exists() and SandboxAppJob.objects.exists()
    again = sandbox_counts()
    assert "already present, unchanged" in run_seed()
    assert sandbox_counts() == again


def test_the_printed_keys_work_over_http(demo, sdk):
    users = {user["username"]: user for user in demo["users"]}
    research = next(t for t in users["demo"]["teams"] if t["name"] == "Research")
    client = sdk(users["demo"]["api_key"], research["id"])
    assert len(client.files.list().data) == 100
    agents = client.agents.list_agents()
    assert agents and all(a.team_id == research["id"] for a in agents)
    assert any(agent.tools for agent in agents)
    assert len(sdk(users["demo"]["api_key"]).agents.threads.list()) == 2
    outsider = users["chloe"]
    platform = next(t for t in demo["teams"] if t["name"] == "Platform")
    assert "chloe" not in {m["username"] for m in platform["members"]}
    with pytest.raises(InvalidRequestError) as caught:
        sdk(outsider["api_key"], platform["id"]).files.list()
    assert caught.value.http_status == 403


def test_no_plaintext_key_or_password_is_stored(demo):
    secrets = [user["api_key"] for user in demo["users"]] + [demo["dashboard_login"]["password"]]
    for model in apps.get_models():
        for row in model.objects.values_list():
            dumped = repr(row)
            for secret in secrets:
                assert secret not in dumped, f"{model.__name__} holds a key or password"


def test_the_dashboard_demo_login_is_wired_to_the_demo_user(demo):
    login = demo["dashboard_login"]
    user = get_user_model().objects.get(username=login["username"])
    assert user.check_password(login["password"])
    demo_user = next(u for u in demo["users"] if u["username"] == seed.DEMO_LOGIN)
    key = user.api_keys.get(is_active=True)
    assert key.upstream_user_id == str(demo_user["user_id"])
    assert key.personal_team_id == demo_user["personal_team_id"]
    saved = set(user.saved_teams.values_list("team_id", flat=True))
    assert saved == {team["id"] for team in demo_user["teams"]}


def test_the_other_members_are_colleagues_the_dashboard_names(demo):
    """Every other demo member is a dashboard user with their own key, who cannot sign in; the
    demo therefore shows their resources by name."""
    from dashboard.people.directory import CreatorDirectory

    directory = CreatorDirectory()
    for member in demo["users"]:
        if member["username"] == seed.DEMO_LOGIN:
            continue
        user = get_user_model().objects.get(username=member["username"])
        assert not user.has_usable_password() and not user.is_staff
        key = user.api_keys.get(is_active=True)
        assert key.upstream_user_id == str(member["user_id"])
        assert key.personal_team_id == member["personal_team_id"]
        assert directory.resolve(member["user_id"]).name == member["username"].capitalize()


def test_the_summary_ends_with_the_demo_login(sandbox):
    lines = run_seed().strip().splitlines()
    assert lines[-4] == "Dashboard demo login:"
    assert lines[-2] == "  Username: demo"
    assert lines[-1].startswith("  Password: ")
