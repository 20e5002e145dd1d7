"""RunGen.AI's dialect of the sandbox at ``/rungen/``, over real HTTP: its key and team headers,
apps and jobs, and the answers every endpoint shares (errors, recording, faults, latency)."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta

import pytest

from dashboard.sandbox import factories, faults, recorder
from dashboard.sandbox.models import SandboxApp, SandboxAppJob
from tests.sandbox.conftest import Http

BAD_KEY = {"error": "Invalid API key."}
NOT_A_MEMBER = {"error": "You are not a member of this team."}
APP_NOT_FOUND = {"error": "App not found."}
JOB_NOT_FOUND = {"error": "Job not found."}
NOT_FOUND = {"error": "Not found."}
APP_FIELDS = {
    "id",
    "name",
    "description",
    "configuration",
    "workflow",
    "active_workers",
    "status",
    "owner_team_id",
    "owner_user_id",
    "created_by",
    "created_at",
    "updated_at",
}
JOB_FIELDS = {
    "id",
    "app_id",
    "status",
    "input",
    "output",
    "created_at",
    "started_at",
    "completed_at",
    "owner_team_id",
    "owner_user_id",
    "created_by",
}


@pytest.fixture
def rg(sandbox):
    client = Http(sandbox.removesuffix("/sandbox") + "/rungen", key_header="x-api-key")
    yield client
    client.session.close()


def error_of(response, status: int) -> dict:
    """An error answer: the status, JSON, and exactly ``{"error": "<message>"}``."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"]
    return body


def parse_time(value: str) -> datetime:
    assert value.endswith("Z") or value.endswith("+00:00"), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def make_app(rg, key, team=None, **fields) -> dict:
    response = rg("POST", "app", key=key, team=team, json={"name": "Summarizer", **fields})
    assert response.status_code == 201, response.text
    return response.json()["data"]


# --- The key ----------------------------------------------------------------------------------
def test_a_missing_or_unknown_key_is_403_with_the_key_message(org, rg):
    assert error_of(rg("GET", "app"), 403) == BAD_KEY
    assert error_of(rg("GET", "app", key="sk-sbx-nobody"), 403) == BAD_KEY
    assert error_of(rg("GET", "app", key=""), 403) == BAD_KEY
    assert error_of(rg("POST", "app", key="nope", json={"name": "x"}), 403) == BAD_KEY
    # RunGen reads only x-api-key: a good key elsewhere is no key, and takes no scheme.
    in_authorization = rg("GET", "app", headers={"Authorization": org.alice.key})
    assert error_of(in_authorization, 403) == BAD_KEY
    assert error_of(rg("GET", "app", key=f"Bearer {org.alice.key}"), 403) == BAD_KEY
    assert rg("GET", "app", key=org.alice.key).status_code == 200


def test_one_key_works_in_both_dialects(org, rg, http):
    assert rg("GET", "app", key=org.alice.key).json() == {"data": []}
    assert http("GET", "v1/flow/files", key=org.alice.key).status_code == 200


# --- Apps -------------------------------------------------------------------------------------
def test_create_answers_201_with_the_app_and_its_defaults(org, rg):
    before = datetime.now().astimezone()
    response = rg("POST", "app", key=org.alice.key, json={"name": "Summarizer"})
    assert response.status_code == 201
    app = response.json()["data"]
    assert set(app) == APP_FIELDS
    assert uuid.UUID(app["id"])
    assert app | {"id": None, "created_at": None, "updated_at": None} == {
        "id": None,
        "name": "Summarizer",
        "description": "",
        "configuration": {"gpu_tier": "STANDARD"},
        "workflow": {},
        "active_workers": 1,
        "status": "RUNNING",
        "owner_team_id": None,  # the personal area
        "owner_user_id": str(org.alice.user.pk),
        "created_by": str(org.alice.user.pk),
        "created_at": None,
        "updated_at": None,
    }
    assert parse_time(app["created_at"]) >= before - timedelta(seconds=1)
    assert app["updated_at"] == app["created_at"]


def test_create_keeps_every_field_sent(org, rg):
    app = make_app(
        rg,
        org.alice.key,
        org.team_a_id,
        description="Five bullet points per paper.",
        configuration={"gpu_tier": "ENTERPRISE", "region": "eu"},
        workflow={"model_url": "https://example.com/model", "steps": 3},
        active_workers=0,
        unknown_field="ignored",
    )
    assert app["description"] == "Five bullet points per paper."
    assert app["configuration"] == {"gpu_tier": "ENTERPRISE", "region": "eu"}
    assert app["workflow"] == {"model_url": "https://example.com/model", "steps": 3}
    assert (app["active_workers"], app["status"]) == (0, "STOPPED")
    assert app["owner_team_id"] == org.team_a_id
    assert "unknown_field" not in app


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "name is required"),
        ({"name": None}, "name is required"),
        ({"name": ""}, "name must be a non-empty string"),
        ({"name": "   "}, "name must be a non-empty string"),
        ({"name": 7}, "name must be a non-empty string"),
        ({"name": "x" * 101}, "at most 100 characters"),
        ({"name": "a", "description": 3}, "description must be a string"),
        ({"name": "a", "configuration": []}, "configuration must be an object"),
        ({"name": "a", "configuration": {"gpu_tier": "HUGE"}}, "gpu_tier must be one of"),
        ({"name": "a", "workflow": "x"}, "workflow must be an object"),
        ({"name": "a", "workflow": {"model_url": 5}}, "model_url must be a string"),
        ({"name": "a", "active_workers": 11}, "active_workers must be an integer from 0 to 10"),
        ({"name": "a", "active_workers": -1}, "active_workers"),
        ({"name": "a", "active_workers": "2"}, "active_workers"),
        ({"name": "a", "active_workers": True}, "active_workers"),
        ({"name": "a", "active_workers": 1.5}, "active_workers"),
        ({"name": "a", "active_workers": None}, "active_workers"),
    ],
)
def test_create_refuses_a_bad_field_with_400(org, rg, body, words):
    response = rg("POST", "app", key=org.alice.key, json=body)
    assert words in error_of(response, 400)["error"]
    assert not SandboxApp.objects.exists()


def test_the_longest_name_and_every_gpu_tier_are_taken(org, rg):
    assert make_app(rg, org.alice.key, name="x" * 100)["name"] == "x" * 100
    for tier in ("STANDARD", "PERFORMANCE", "ENTERPRISE"):
        app = make_app(rg, org.alice.key, configuration={"gpu_tier": tier}, active_workers=10)
        assert app["configuration"] == {"gpu_tier": tier}


def test_bodies_that_are_not_json_objects(org, rg, settings):
    not_json = rg("POST", "app", key=org.alice.key, data=b"{nope", headers=_json)
    assert "not valid JSON" in error_of(not_json, 400)["error"]
    a_list = rg("POST", "app", key=org.alice.key, json=[{"name": "a"}])
    assert error_of(a_list, 400) == {"error": "The request body must be a JSON object."}
    form = rg("POST", "app", key=org.alice.key, data={"name": "a"})
    assert error_of(form, 415)["error"] == "Send the request body as application/json."
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    large = rg("POST", "app", key=org.alice.key, json={"name": "a", "description": "x" * 2000})
    error_of(large, 413)
    assert not SandboxApp.objects.exists()


_json = {"Content-Type": "application/json"}


def test_list_is_every_app_of_the_scope_newest_first_unpaged(org, rg):
    now = datetime.now().astimezone()
    for hours in range(120, 0, -1):  # 120 apps, oldest first
        factories.create_app(
            org.team_a,
            org.alice.user,
            name=f"app {hours}",
            created_at=now - timedelta(hours=hours),
        )
    response = rg("GET", "app?limit=5&offset=10&page=3", key=org.bob.key, team=org.team_a_id)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data"}
    assert [app["name"] for app in body["data"]] == [f"app {h}" for h in range(1, 121)]
    assert all(set(app) == APP_FIELDS for app in body["data"])


def test_get_answers_the_bare_app(org, rg):
    made = make_app(rg, org.alice.key, org.team_a_id)
    response = rg("GET", f"app/{made['id']}", key=org.bob.key, team=org.team_a_id)
    assert response.status_code == 200
    assert response.json() == made


def test_get_of_no_app_is_404(org, rg):
    for app_id in (str(uuid.uuid4()), "not-a-uuid"):
        assert error_of(rg("GET", f"app/{app_id}", key=org.alice.key), 404) == APP_NOT_FOUND


def test_put_changes_only_the_fields_sent(org, rg):
    made = make_app(
        rg,
        org.alice.key,
        description="first",
        configuration={"gpu_tier": "PERFORMANCE"},
        workflow={"model_url": "https://example.com/a"},
        active_workers=2,
    )
    time.sleep(0.01)
    response = rg("PUT", f"app/{made['id']}", key=org.alice.key, json={"name": "Renamed"})
    assert response.status_code == 200
    changed = response.json()["data"]
    assert changed | {"name": None, "updated_at": None} == made | {
        "name": None,
        "updated_at": None,
    }
    assert changed["name"] == "Renamed"
    assert parse_time(changed["updated_at"]) > parse_time(made["updated_at"])
    stopped = rg("PUT", f"app/{made['id']}", key=org.alice.key, json={"active_workers": 0})
    assert stopped.json()["data"]["status"] == "STOPPED"
    assert stopped.json()["data"]["description"] == "first"
    moved = rg(
        "PUT",
        f"app/{made['id']}",
        key=org.alice.key,
        json={"configuration": {"gpu_tier": "ENTERPRISE"}, "workflow": {}, "description": ""},
    ).json()["data"]
    assert (moved["configuration"], moved["workflow"], moved["description"]) == (
        {"gpu_tier": "ENTERPRISE"},
        {},
        "",
    )
    assert rg("GET", f"app/{made['id']}", key=org.alice.key).json() == moved


def test_put_validates_as_create_does_and_changes_nothing_on_error(org, rg):
    made = make_app(rg, org.alice.key)
    for body in (
        {"name": ""},
        {"name": None},
        {"active_workers": 11},
        {"configuration": {"gpu_tier": "tiny"}},
        {"name": "ok", "workflow": []},
    ):
        error_of(rg("PUT", f"app/{made['id']}", key=org.alice.key, json=body), 400)
    assert rg("GET", f"app/{made['id']}", key=org.alice.key).json() == made
    unchanged = rg("PUT", f"app/{made['id']}", key=org.alice.key, json={})
    assert unchanged.json() == {"data": made}


def test_delete_is_refused_while_running_then_204(org, rg):
    made = make_app(rg, org.alice.key, active_workers=2)
    path = f"app/{made['id']}"
    refused = rg("DELETE", path, key=org.alice.key)
    assert error_of(refused, 409) == {
        "error": "Stop the app first: set active_workers to 0 before deleting it."
    }
    assert rg("GET", path, key=org.alice.key).status_code == 200
    rg("POST", f"{path}/run_async", key=org.alice.key, json={})
    assert rg("PUT", path, key=org.alice.key, json={"active_workers": 0}).status_code == 200
    deleted = rg("DELETE", path, key=org.alice.key)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert error_of(rg("GET", path, key=org.alice.key), 404) == APP_NOT_FOUND
    assert error_of(rg("DELETE", path, key=org.alice.key), 404) == APP_NOT_FOUND
    assert not SandboxAppJob.objects.exists()


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PATCH", "app", "GET, POST"),
        ("DELETE", "app", "GET, POST"),
        ("POST", "app/{id}", "DELETE, GET, PUT"),
        ("PATCH", "app/{id}", "DELETE, GET, PUT"),
        ("GET", "app/{id}/run_async", "POST"),
        ("DELETE", "app/{id}/job/{job}", "GET"),
    ],
)
def test_other_methods_are_405_with_allow(org, rg, method, path, allow):
    path = path.format(id=uuid.uuid4(), job=uuid.uuid4())
    response = rg(method, path, key=org.alice.key)
    assert "not allowed" in error_of(response, 405)["error"]
    assert response.headers["Allow"] == allow


@pytest.mark.parametrize("path", ["", "app/", "v1/flow/files", "apps", "app/{id}/jobs", "x/y/z"])
def test_unknown_paths_are_json_404_with_or_without_a_key(org, rg, path):
    path = path.format(id=uuid.uuid4())
    assert error_of(rg("GET", path, key=org.alice.key), 404) == NOT_FOUND
    assert error_of(rg("POST", path), 404) == NOT_FOUND


# --- Teams ------------------------------------------------------------------------------------
def test_members_share_a_teams_apps(org, rg):
    made = make_app(rg, org.alice.key, org.team_a_id, name="Shared")
    listed = rg("GET", "app", key=org.bob.key, team=org.team_a_id).json()["data"]
    assert [app["id"] for app in listed] == [made["id"]]
    assert listed[0]["owner_team_id"] == org.team_a_id
    assert listed[0]["created_by"] == str(org.alice.user.pk)
    renamed = rg(
        "PUT", f"app/{made['id']}", key=org.bob.key, team=org.team_a_id, json={"name": "Bob's"}
    )
    assert renamed.json()["data"]["created_by"] == str(org.alice.user.pk)  # still Alice's


def test_a_team_the_caller_is_not_in_is_403_with_the_membership_message(org, rg):
    personal_of_bob = org.bob.personal_id
    for team in (
        org.team_b_id,  # exists, Alice is not in it
        str(uuid.uuid4()),  # does not exist
        "not-a-team",  # malformed
        personal_of_bob,  # another person's personal area
        org.alice.personal_id,  # a personal area has no team id in RunGen
    ):
        for method, path in (("GET", "app"), ("POST", "app"), ("GET", f"app/{uuid.uuid4()}")):
            response = rg(method, path, key=org.alice.key, team=team, json={"name": "x"})
            assert error_of(response, 403) == NOT_A_MEMBER
    assert NOT_A_MEMBER != BAD_KEY
    assert not SandboxApp.objects.exists()


def test_an_app_of_another_scope_is_404_everywhere(org, rg):
    in_b = make_app(rg, org.bob.key, org.team_b_id, active_workers=0)
    bobs_own = make_app(rg, org.bob.key, active_workers=0)
    for app, team in ((in_b, org.team_a_id), (bobs_own, org.team_a_id), (in_b, None)):
        path = f"app/{app['id']}"
        for method, suffix in (("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/run_async")):
            response = rg(method, path + suffix, key=org.bob.key, team=team, json={})
            assert error_of(response, 404) == APP_NOT_FOUND, (method, suffix)
        job = rg("GET", f"{path}/job/{uuid.uuid4()}", key=org.bob.key, team=team)
        assert error_of(job, 404) == APP_NOT_FOUND
    alices_view = rg("GET", f"app/{bobs_own['id']}", key=org.alice.key)  # her personal area
    assert error_of(alices_view, 404) == APP_NOT_FOUND
    assert SandboxApp.objects.count() == 2


def test_personal_apps_and_team_apps_do_not_mix(org, rg):
    personal = make_app(rg, org.alice.key, name="Mine")
    team = make_app(rg, org.alice.key, org.team_a_id, name="Ours")
    mine = rg("GET", "app", key=org.alice.key).json()["data"]
    ours = rg("GET", "app", key=org.alice.key, team=org.team_a_id).json()["data"]
    assert [app["id"] for app in mine] == [personal["id"]]
    assert [app["id"] for app in ours] == [team["id"]]
    assert mine[0]["owner_team_id"] is None and ours[0]["owner_team_id"] == org.team_a_id
    assert rg("GET", "app", key=org.bob.key).json() == {"data": []}  # Bob's own area
    blank_header = rg("GET", "app", key=org.alice.key, team="")
    assert blank_header.json()["data"] == mine
    gone = rg("GET", f"app/{personal['id']}", key=org.alice.key, team=org.team_a_id)
    assert error_of(gone, 404) == APP_NOT_FOUND


# --- Jobs -------------------------------------------------------------------------------------
def run(rg, key, app_id, team=None, **body):
    response = rg("POST", f"app/{app_id}/run_async", key=key, team=team, json=body)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"data"}
    return response.json()["data"]


def job_now(rg, key, job, team=None) -> dict:
    response = rg("GET", f"app/{job['app_id']}/job/{job['id']}", key=key, team=team)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_a_job_starts_in_the_queue(org, rg, settings):
    settings.SANDBOX_JOB_STEP_SECONDS = 60
    app = make_app(rg, org.alice.key, org.team_a_id)
    job = run(rg, org.bob.key, app["id"], org.team_a_id, input={"prompt": "Hello"})
    assert set(job) == JOB_FIELDS
    assert uuid.UUID(job["id"])
    assert job | {"id": None, "created_at": None} == {
        "id": None,
        "app_id": app["id"],
        "status": "IN_QUEUE",
        "input": {"prompt": "Hello"},
        "output": None,
        "created_at": None,
        "started_at": None,
        "completed_at": None,
        "owner_team_id": org.team_a_id,
        "owner_user_id": str(org.bob.user.pk),
        "created_by": str(org.bob.user.pk),
    }
    parse_time(job["created_at"])
    assert job_now(rg, org.alice.key, job, org.team_a_id) == job
    empty = run(rg, org.alice.key, app["id"], org.team_a_id)
    assert empty["input"] == {}
    personal = run(rg, org.alice.key, make_app(rg, org.alice.key)["id"], input=None)
    assert (personal["input"], personal["owner_team_id"]) == ({}, None)


def test_a_job_moves_on_with_time_to_completed(org, rg, settings):
    """IN_QUEUE for half a step, IN_PROGRESS for a step, then COMPLETED with its output."""
    settings.SANDBOX_JOB_STEP_SECONDS = 10
    app = make_app(rg, org.alice.key, name="Echo")
    job = run(rg, org.alice.key, app["id"], input={"prompt": "Say hi"})
    stored = SandboxAppJob.objects.get(pk=job["id"])
    start = stored.timeline_start

    def at(seconds_ago: float) -> dict:
        SandboxAppJob.objects.filter(pk=stored.pk).update(
            timeline_start=start - timedelta(seconds=seconds_ago)
        )
        return job_now(rg, org.alice.key, job)

    assert at(0)["status"] == "IN_QUEUE"
    in_progress = at(6)
    assert (in_progress["status"], in_progress["output"], in_progress["completed_at"]) == (
        "IN_PROGRESS",
        None,
        None,
    )
    assert parse_time(in_progress["started_at"]) == start - timedelta(seconds=1)
    done = at(20)
    assert done["status"] == "COMPLETED"
    assert done["output"] == {"result": "Echo answered: Say hi"}
    assert parse_time(done["started_at"]) == start - timedelta(seconds=15)
    assert parse_time(done["completed_at"]) == start - timedelta(seconds=5)
    assert done["input"] == {"prompt": "Say hi"}


def test_a_job_completes_in_real_time(org, rg, settings):
    settings.SANDBOX_JOB_STEP_SECONDS = 1  # 0.5 s in the queue, 1 s in progress
    app = make_app(rg, org.alice.key)
    job = run(rg, org.alice.key, app["id"])
    seen = [job["status"]]
    deadline = time.monotonic() + 15
    while seen[-1] != "COMPLETED" and time.monotonic() < deadline:
        time.sleep(0.05)
        seen.append(job_now(rg, org.alice.key, job)["status"])
    order = list(dict.fromkeys(seen))
    assert order[0] == "IN_QUEUE" and order[-1] == "COMPLETED"
    assert order in (["IN_QUEUE", "IN_PROGRESS", "COMPLETED"], ["IN_QUEUE", "COMPLETED"])
    done = job_now(rg, org.alice.key, job)
    assert done["output"] == {"result": f"{app['name']} completed the job."}
    assert parse_time(done["created_at"]) < parse_time(done["started_at"])
    assert parse_time(done["started_at"]) < parse_time(done["completed_at"])


def test_a_job_of_a_stopped_app_waits_for_workers(org, rg, settings):
    settings.SANDBOX_JOB_STEP_SECONDS = 0
    app = make_app(rg, org.alice.key, active_workers=0)
    job = run(rg, org.alice.key, app["id"])
    assert job_now(rg, org.alice.key, job)["status"] == "IN_QUEUE"
    rg("PUT", f"app/{app['id']}", key=org.alice.key, json={"name": "Still stopped"})
    assert job_now(rg, org.alice.key, job)["status"] == "IN_QUEUE"
    rg("PUT", f"app/{app['id']}", key=org.alice.key, json={"active_workers": 1})
    done = job_now(rg, org.alice.key, job)
    assert (done["status"], done["output"]) == (
        "COMPLETED",
        {"result": "Summarizer completed the job."},  # the app as it was when the job began
    )


def test_a_queued_job_waits_again_when_its_app_stops(org, rg, settings):
    settings.SANDBOX_JOB_STEP_SECONDS = 60
    app = make_app(rg, org.alice.key)
    job = run(rg, org.alice.key, app["id"])
    rg("PUT", f"app/{app['id']}", key=org.alice.key, json={"active_workers": 0})
    settings.SANDBOX_JOB_STEP_SECONDS = 0
    assert job_now(rg, org.alice.key, job)["status"] == "IN_QUEUE"


def test_a_job_is_found_only_under_its_own_app(org, rg):
    first = make_app(rg, org.alice.key, org.team_a_id)
    second = make_app(rg, org.alice.key, org.team_a_id)
    job = run(rg, org.alice.key, first["id"], org.team_a_id)
    for path in (
        f"app/{second['id']}/job/{job['id']}",
        f"app/{first['id']}/job/{uuid.uuid4()}",
        f"app/{first['id']}/job/not-a-uuid",
    ):
        assert (
            error_of(rg("GET", path, key=org.alice.key, team=org.team_a_id), 404) == JOB_NOT_FOUND
        )
    elsewhere = rg("GET", f"app/{first['id']}/job/{job['id']}", key=org.alice.key)
    assert error_of(elsewhere, 404) == APP_NOT_FOUND
    outsider = rg("GET", f"app/{first['id']}/job/{job['id']}", key=org.bob.key, team=org.team_b_id)
    assert error_of(outsider, 404) == APP_NOT_FOUND


def test_there_is_no_list_of_jobs(org, rg):
    app = make_app(rg, org.alice.key)
    run(rg, org.alice.key, app["id"])
    for path in (f"app/{app['id']}/job", f"app/{app['id']}/job/", f"app/{app['id']}/jobs"):
        assert error_of(rg("GET", path, key=org.alice.key), 404) == NOT_FOUND


def test_run_async_refuses_a_bad_input(org, rg):
    app = make_app(rg, org.alice.key)
    for body in ({"input": "text"}, {"input": [1]}, {"input": 3}):
        response = rg("POST", f"app/{app['id']}/run_async", key=org.alice.key, json=body)
        assert error_of(response, 400) == {"error": "input must be an object."}
    response = rg("POST", f"app/{app['id']}/run_async", key=org.alice.key, data="[]", headers=_json)
    error_of(response, 400)
    assert not SandboxAppJob.objects.exists()


def test_jobs_made_in_a_given_state_keep_it(org, rg):
    app = factories.create_app(org.team_a, org.alice.user, name="Seeded", active_workers=0)
    for status in ("IN_QUEUE", "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED"):
        made = factories.create_app_job(app, org.bob.user, status=status, input={"n": 1})
        job = job_now(rg, org.alice.key, {"app_id": str(app.pk), "id": str(made.pk)}, org.team_a_id)
        assert job["status"] == status
        assert (job["started_at"] is None) == (status == "IN_QUEUE")
        assert (job["completed_at"] is None) == (status in ("IN_QUEUE", "IN_PROGRESS"))
        assert (job["output"] is None) == (status != "COMPLETED")


# --- What every endpoint shares -----------------------------------------------------------------
def test_requests_are_recorded_with_the_team_header_and_no_key(org, rg):
    rg("GET", "app?x=1", key=org.alice.key, team=org.team_a_id)
    rg("POST", "app", key="sk-sbx-nobody", json={"name": "x"})
    rg("GET", "nowhere")
    listed, refused, unknown = recorder.recorded()
    assert (listed.mount, listed.method, listed.path, listed.query) == (
        "rungen",
        "GET",
        "app",
        {"x": "1"},
    )
    assert (listed.team_header, listed.authorization, listed.user_id) == (
        org.team_a_id,
        True,
        org.alice.user.pk,
    )
    assert (refused.path, refused.team_header, refused.authorization, refused.user_id) == (
        "app",
        None,
        True,
        None,
    )
    assert (unknown.path, unknown.authorization) == ("nowhere", False)
    assert org.alice.key not in repr(recorder.recorded())


def test_fault_rules_apply_under_rungen(org, rg, http, settings):
    app = make_app(rg, org.alice.key)
    settings.SANDBOX_FAULTS = f"GET ^app$ 503; * ^app/{app['id']}$ 429"
    assert error_of(rg("GET", "app", key=org.alice.key), 503) == {
        "error": "Injected fault: HTTP 503."
    }
    limited = rg("PUT", f"app/{app['id']}", key=org.alice.key, json={})
    assert error_of(limited, 429) and limited.headers["Retry-After"] == "1"
    assert rg("POST", f"app/{app['id']}/run_async", key=org.alice.key).status_code == 200
    assert rg("POST", "app", key=org.alice.key, json={"name": "b"}).status_code == 201
    faults.set_faults("GET ^app$ garbage")
    garbage = rg("GET", "app", key=org.alice.key)
    with pytest.raises(ValueError):
        garbage.json()


def test_fault_rules_can_name_their_mount(org, rg, http):
    faults.set_faults("* rungen:^app 502; GET sandbox:^v1/flow/files$ 500; GET ^v1/threads/$ 418")
    assert error_of(rg("GET", "app", key=org.alice.key), 502)
    assert http("GET", "v1/flow/files", key=org.alice.key).status_code == 500
    assert http("GET", "v1/flow/vectordb", key=org.alice.key).status_code == 200
    assert http("GET", "v1/threads/", key=org.alice.key).status_code == 418  # every mount
    faults.set_faults("* sandbox:^app 502")
    assert rg("GET", "app", key=org.alice.key).status_code == 200
    with pytest.raises(faults.FaultSpecError, match="unknown mount"):
        faults.set_faults("GET elsewhere:^app 500")


def test_a_timeout_fault_answers_504_in_rungens_shape(org, rg, settings):
    settings.SANDBOX_FAULT_SLEEP_S = 0.2
    faults.set_faults("GET rungen:^app$ timeout")
    assert "timed out" in error_of(rg("GET", "app", key=org.alice.key), 504)["error"]


def test_a_bad_fault_spec_is_a_500_in_rungens_shape(org, rg, settings):
    settings.SANDBOX_FAULTS = "GET ^app sometimes"
    assert "SANDBOX_FAULTS" in error_of(rg("GET", "app", key=org.alice.key), 500)["error"]


def test_latency_is_added_under_rungen(org, rg, settings):
    settings.SANDBOX_LATENCY_MS = 300
    started = time.monotonic()
    assert rg("GET", "app", key=org.alice.key).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_control_characters_in_the_query_are_the_apis_business(org, rg):
    """The dashboard's own checks leave the sandbox alone: RunGen ignores query parameters."""
    response = rg("GET", "app?q=%00", key=org.alice.key)
    assert response.json() == {"data": []}
