"""Creating and changing resources over plain HTTP: the 422 answers (every problem, each at the
field it is about), the 409s of states that forbid a change, and jobs moving on with time."""

from __future__ import annotations

import io
import time

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from requests_toolbelt import MultipartEncoder

from dashboard.sandbox import factories
from dashboard.sandbox.model_catalog import DEFAULT_EMBEDDING_MODEL, DEFAULT_MODEL
from dashboard.sandbox.models import (
    SandboxDataJob,
    SandboxDeployment,
    SandboxFineTune,
    SandboxPythonFunction,
    SandboxTool,
    SandboxVectorDB,
)


@pytest.fixture
def call(org, http):
    """``call(method, path, **kwargs)`` as Alice, in Team A."""

    def send(method: str, path: str, **kwargs):
        return http(method, path, key=org.alice.key, team=org.team_a_id, **kwargs)

    return send


def problems(response) -> dict[tuple, str]:
    """``{loc: type}`` of a FastAPI-style 422 answer, after checking its shape."""
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    for problem in detail:
        assert set(problem) == {"type", "loc", "msg", "input"}
        assert problem["loc"][0] == "body" and problem["msg"]
    return {tuple(problem["loc"]): problem["type"] for problem in detail}


def conflict(response) -> str:
    assert response.status_code == 409, response.text
    return response.json()["detail"]


def team_a_file(org, name="train.jsonl", purpose="fine-tune"):
    return factories.create_file(org.team_a, org.alice.user, filename=name, purpose=purpose)


# --- Fine-tunes ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["v1/flow/fine-tune", "v1/flow/fine-tunes"])
def test_a_fine_tune_body_is_checked_field_by_field(org, call, path):
    bobs_project = factories.create_project(org.team_b, org.bob.user, name="Bob's")
    bobs_file = factories.create_file(org.team_b, org.bob.user)
    mine = team_a_file(org)
    body = {
        "project_id": bobs_project.pk,
        "training_config": {
            "training_files": [mine.pk, bobs_file.pk, "file-nowhere"],
            "model": "gpt-nothing",
            "n_epochs": 0,
            "batch_size": 2048,
        },
        "infrastructure_config": {"accel_type": "TPU", "n_accel": "eight"},
    }
    response = call("POST", path, json=body)
    assert problems(response) == {
        ("body", "project_id"): "value_error",
        ("body", "training_config", "model"): "value_error",
        ("body", "training_config", "training_files", 1): "value_error",
        ("body", "training_config", "training_files", 2): "value_error",
        ("body", "training_config", "n_epochs"): "greater_than_equal",
        ("body", "training_config", "batch_size"): "less_than_equal",
        ("body", "infrastructure_config", "accel_type"): "enum",
        ("body", "infrastructure_config", "n_accel"): "int_type",
    }
    epochs = next(p for p in response.json()["detail"] if p["loc"][-1] == "n_epochs")
    assert (epochs["msg"], epochs["input"]) == ("Input should be greater than or equal to 1", 0)
    assert not SandboxFineTune.objects.exists()


def test_a_fine_tune_needs_its_configs_and_lora_needs_a_model_that_supports_it(org, call):
    assert problems(call("POST", "v1/flow/fine-tunes", json={})) == {
        ("body", "project_id"): "missing",
        ("body", "training_config"): "missing",
        ("body", "infrastructure_config"): "missing",
    }
    project = factories.create_project(org.team_a, org.alice.user, name="Runs")
    body = {
        "project_id": project.pk,
        "training_config": {
            "training_files": [team_a_file(org).pk],
            "model": "mistralai/Mistral-7B-Instruct-v0.3",
            "n_epochs": 1,
            "lora_config": {"r": 8},
        },
        "infrastructure_config": {"accel_type": "H100", "n_accel": 1},
    }
    assert problems(call("POST", "v1/flow/fine-tunes", json=body)) == {
        ("body", "training_config", "lora_config"): "value_error"
    }
    body["training_config"]["model"] = DEFAULT_MODEL
    assert call("POST", "v1/flow/fine-tunes", json=body).json()["status"] == "pending"


def test_only_a_completed_fine_tune_is_promoted_or_demoted(org, call):
    for status in ("running", "failed", "cancelled"):
        job = factories.create_fine_tune(org.team_a, org.alice.user, status=status)
        for verb in ("promote", "demote"):
            path = f"v1/flow/fine-tunes/{job.pk}/{verb}-model?fine_tune_id={job.pk}"
            assert status in conflict(call("GET", path))
    bobs = factories.create_fine_tune(org.team_b, org.bob.user)
    assert call("GET", f"v1/flow/fine-tunes/{bobs.pk}/promote-model").status_code == 404


# --- Agents -------------------------------------------------------------------------------
def test_an_agent_body_is_checked_field_by_field(org, call):
    bobs_tool = factories.create_tool(org.team_b, org.bob.user, name="bobs")
    body = {
        "name": " ",
        "instructions": "Help.",
        "model_id": "gpt-nothing",
        "output": {"model_id": DEFAULT_MODEL, "colour": "red", "temperature": 3},
        "tool_ids": [bobs_tool.pk],
        "reasoning_effort": "extreme",
        "colour": "blue",
    }
    assert problems(call("POST", "v2/flow/agents/create", json=body)) == {
        ("body", "colour"): "extra_forbidden",
        ("body", "name"): "value_error",
        ("body", "reasoning_effort"): "enum",
        ("body", "model_id"): "value_error",
        ("body", "output", "colour"): "extra_forbidden",
        ("body", "output", "temperature"): "less_than_equal",
        ("body", "tool_ids", 0): "value_error",
    }
    no_model = {"name": "A", "instructions": "B"}
    assert problems(call("POST", "v2/flow/agents/create", json=no_model)) == {
        ("body", "model_id"): "value_error"
    }
    with_output_model = {**no_model, "output": {"model_id": DEFAULT_MODEL}}
    assert call("POST", "v2/flow/agents/create", json=with_output_model).status_code == 200


def test_an_agent_update_or_its_preview_refuses_what_the_team_cannot_use(org, call):
    agent = factories.create_agent(org.team_a, org.alice.user, name="Mine")
    bobs_tool = factories.create_tool(org.team_b, org.bob.user, name="bobs")
    for path in (f"v2/flow/agents/{agent.pk}", f"v2/flow/agents/{agent.pk}/diff"):
        response = call("PATCH", path, json={"tool_ids": [bobs_tool.pk], "temperature": -1})
        assert problems(response) == {
            ("body", "tool_ids", 0): "value_error",
            ("body", "temperature"): "greater_than_equal",
        }
    preview = call("PATCH", f"v2/flow/agents/{agent.pk}/diff", json={"instructions": "New."})
    assert set(preview.json()) == {"before", "after", "diff"}
    assert preview.json()["diff"] == {
        "instructions": {"before": "You are a helpful assistant.", "after": "New."}
    }
    agent.refresh_from_db()
    assert agent.instructions == "You are a helpful assistant."


def test_agent_promote_and_demote_are_put_only_and_team_scoped(org, call):
    agent = factories.create_agent(org.team_a, org.alice.user, name="Mine", status="Inactive")
    assert call("POST", f"v2/flow/agents/{agent.pk}/promote").status_code == 405
    assert call("PUT", f"v2/flow/agents/{agent.pk}/promote").json()["status"] == "Active"
    bobs = factories.create_agent(org.team_b, org.bob.user, name="Bob's")
    assert call("PUT", f"v2/flow/agents/{bobs.pk}/demote").status_code == 404


# --- Tools --------------------------------------------------------------------------------
def test_a_tools_config_is_read_in_any_case_and_problems_are_where_they_were_sent(org, call):
    bobs_db = factories.create_vector_db(org.team_b, org.bob.user, name="Bob's")
    upper = {
        "type": "file_search",
        "name": "search",
        "description": "Searches.",
        "config": {"FILE_SEARCH_INDEX": bobs_db.pk, "TOP_K": 0, "EMBEDDING_MODEL": DEFAULT_MODEL},
    }
    assert problems(call("POST", "v1/flow/tools", json=upper)) == {
        ("body", "config", "FILE_SEARCH_INDEX"): "value_error",
        ("body", "config", "TOP_K"): "greater_than_equal",
        ("body", "config", "EMBEDDING_MODEL"): "value_error",
    }
    lower = {**upper, "config": {"top_k": 5}}
    assert problems(call("POST", "v1/flow/tools", json=lower)) == {
        ("body", "config", "FILE_SEARCH_INDEX"): "missing"
    }
    mine = factories.create_vector_db(org.team_a, org.alice.user, name="Mine")
    made = call("POST", "v1/flow/tools", json={**upper, "config": {"file_search_index": mine.pk}})
    assert made.json()["config"] == {
        "file_search_index": mine.pk,
        "embedding_model": DEFAULT_EMBEDDING_MODEL,
        "top_k": 10,
        "score_threshold": 0,
    }


def test_tool_types_check_what_their_config_names(org, call):
    bobs_function = factories.create_python_function(
        org.team_b, org.bob.user, name="bobs", code="x = 1\n"
    )
    cases = [
        (
            {"type": "run_python", "config": {"FUNCTION_IDS": [bobs_function.pk]}},
            {("body", "config", "FUNCTION_IDS", 0): "value_error"},
        ),
        (
            {"type": "mcp_connector", "config": {"URL": "ftp://x", "CLIENT_ID": "only-id"}},
            {("body", "config", "URL"): "value_error", ("body", "config"): "value_error"},
        ),
        (
            {"type": "mcp_connector", "config": {"URL": "https://x", "TOKEN": "t"}},
            {("body", "config", "TOKEN"): "extra_forbidden"},
        ),
        (
            {"type": "agent_as_tool", "config": {}},
            {("body", "config", "AGENT_ID"): "missing"},
        ),
        ({"type": "spreadsheet", "config": {}}, {("body", "type"): "enum"}),
        ({"type": "web_search", "name": ""}, {("body", "name"): "string_too_short"}),
    ]
    for body, expected in cases:
        assert problems(call("POST", "v1/flow/tools", json={"name": "t", **body})) == expected
    assert not SandboxTool.objects.exists()


def test_a_tools_type_cannot_change_and_an_update_is_checked_like_a_create(org, call):
    tool = factories.create_tool(org.team_a, org.alice.user, name="web", type="web_search")
    response = call("PATCH", f"v1/flow/tools/{tool.pk}", json={"type": "run_python"})
    assert problems(response) == {("body", "type"): "value_error"}
    python = factories.create_tool(
        org.team_a, org.alice.user, name="py", type="run_python", config={"function_ids": []}
    )
    response = call(
        "PATCH", f"v1/flow/tools/{python.pk}/diff", json={"config": {"FUNCTION_IDS": ["fn-x"]}}
    )
    assert problems(response) == {("body", "config", "FUNCTION_IDS", 0): "value_error"}
    assert call("POST", f"v1/flow/tools/{tool.pk}/duplicate", json={"name": " "}).status_code == 422


def test_tool_agents_is_a_bare_array_and_team_scoped(org, call):
    tool = factories.create_tool(org.team_a, org.alice.user, name="web")
    factories.create_agent(org.team_a, org.alice.user, name="One", tools=[tool])
    answer = call("GET", f"v1/flow/tools/{tool.pk}/agents").json()
    assert isinstance(answer, list) and [a["name"] for a in answer] == ["One"]
    bobs = factories.create_tool(org.team_b, org.bob.user, name="bobs")
    assert call("GET", f"v1/flow/tools/{bobs.pk}/agents").status_code == 404
    assert call("POST", f"v1/flow/tools/{bobs.pk}/duplicate", json={}).status_code == 404


# --- Python functions ---------------------------------------------------------------------
def _send_code(call, method, path, filename, code: bytes, **fields):
    body = MultipartEncoder(fields={**fields, "file": (filename, io.BytesIO(code), "text/plain")})
    return call(method, path, data=body, headers={"Content-Type": body.content_type})


def test_a_function_must_be_a_python_file_that_parses(org, call):
    response = _send_code(call, "POST", "v1/functions/", "notes.txt", b"x = 1\n")
    assert problems(response) == {("body", "file"): "value_error"}
    response = _send_code(call, "POST", "v1/functions/", "broken.py", b"def f(:\n")
    assert problems(response) == {("body", "file"): "value_error"}
    assert "Line 1" in response.json()["detail"][0]["msg"]
    response = _send_code(call, "POST", "v1/functions/", "latin.py", "x = 'é'\n".encode("latin-1"))
    assert problems(response) == {("body", "file"): "value_error"}
    assert call("POST", "v1/functions/", json={"code": "x = 1"}).status_code == 415
    assert not SandboxPythonFunction.objects.exists()

    made = _send_code(
        call, "POST", "v1/functions/", "f.py", b"x = 1\n", name="totals", description="Sums."
    ).json()
    assert (made["name"], made["description"], made["version"]) == ("totals", "Sums.", 1)
    response = _send_code(call, "PATCH", f"v1/functions/{made['id']}", "f.py", b"if\n")
    assert problems(response) == {("body", "file"): "value_error"}
    assert SandboxPythonFunction.objects.get(pk=made["id"]).version == 1


def test_functions_are_listed_as_a_bare_array_and_deleted_with_a_flag(org, call):
    made = factories.create_python_function(org.team_a, org.alice.user, name="f", code="x = 1\n")
    listed = call("GET", "v1/functions/?limit=20&offset=0&order=desc").json()
    assert [f["id"] for f in listed] == [made.pk]
    assert call("DELETE", f"v1/functions/{made.pk}").json() == {"id": made.pk, "deleted": True}
    assert call("GET", f"v1/functions/{made.pk}").status_code == 404


# --- Vector databases, projects, deployments ---------------------------------------------------
def test_vector_db_create_and_ingestion_are_checked(org, call):
    response = call("POST", "v1/flow/vectordb", json={"name": "kb", "model": DEFAULT_MODEL})
    assert problems(response) == {("body", "model"): "value_error"}
    made = call("POST", "v1/flow/vectordb", json={"name": "kb", "model": DEFAULT_EMBEDDING_MODEL})
    vdb = made.json()
    assert (vdb["dimension"], vdb["file_count"], vdb["description"]) == (4096, 0, None)

    bobs_file = factories.create_file(org.team_b, org.bob.user)
    body = {"file_ids": [bobs_file.pk], "token_count": 100, "overlap_tokens": 100}
    assert problems(call("POST", f"v1/flow/vectordb/{vdb['id']}/ingestion", json=body)) == {
        ("body", "file_ids", 0): "value_error",
        ("body", "overlap_tokens"): "value_error",
    }
    empty = call("POST", f"v1/flow/vectordb/{vdb['id']}/ingestion", json={"file_ids": []})
    assert problems(empty) == {("body", "file_ids"): "too_short"}
    missing = call("GET", f"v1/flow/vectordb/{vdb['id']}/ingestion/ingest-nope")
    assert missing.status_code == 404


def test_removing_a_file_from_a_vector_db_is_204_and_404_when_it_is_not_there(org, call):
    doc = team_a_file(org, "doc.md", "alignment")
    vdb = factories.create_vector_db(org.team_a, org.alice.user, name="kb", files=[doc])
    removed = call("DELETE", f"v1/flow/vectordb/{vdb.pk}/files/{doc.pk}")
    assert (removed.status_code, removed.content) == (204, b"")
    assert call("DELETE", f"v1/flow/vectordb/{vdb.pk}/files/{doc.pk}").status_code == 404
    assert SandboxVectorDB.objects.get(pk=vdb.pk).files.count() == 0


def test_project_name_and_description_lengths(call):
    response = call("POST", "v1/flow/projects", json={"id": None, "name": "abc", "description": 5})
    assert problems(response) == {
        ("body", "name"): "string_too_short",
        ("body", "description"): "string_type",
    }
    assert response.json()["detail"][0]["msg"] == "String should have at least 5 characters"
    made = call("POST", "v1/flow/projects", json={"name": "Tuning", "description": "Runs."})
    assert isinstance(made.json()["id"], int)


def test_a_deployment_serves_a_base_model_or_a_completed_fine_tune(org, call):
    running = factories.create_fine_tune(org.team_a, org.alice.user, status="running")
    body = {
        "name": "Srv",
        "description": "Serves it.",
        "model_type": "Fine-tuned Run",
        "model_id": running.pk,
        "n_instances": 0,
    }
    assert problems(call("POST", "v1/flow/deployments", json=body)) == {
        ("body", "name"): "string_too_short",
        ("body", "model_id"): "value_error",
        ("body", "n_instances"): "greater_than_equal",
    }
    base = {**body, "name": "Serve it", "model_type": "Base Model", "n_instances": 1}
    assert problems(call("POST", "v1/flow/deployments", json=base)) == {
        ("body", "model_id"): "value_error"
    }
    made = call("POST", "v1/flow/deployments", json={**base, "model_id": DEFAULT_MODEL})
    assert made.json()["status"] == "Pending" and made.json()["user_id"] == org.alice.user.pk


# --- Data jobs ----------------------------------------------------------------------------
def test_data_job_bodies_and_states(org, call):
    response = call("POST", "v1/flow/data-jobs", json={"name": "", "job_type": "poems"})
    assert problems(response) == {
        ("body", "name"): "string_too_short",
        ("body", "job_type"): "enum",
    }
    job = factories.create_data_job(org.team_a, org.alice.user, name="Job")
    assert "needs_review" in conflict(call("POST", f"v1/flow/data-jobs/{job.pk}/start"))
    assert conflict(call("POST", f"v1/flow/data-jobs/{job.pk}/cancel"))
    bobs_db = factories.create_vector_db(org.team_b, org.bob.user, name="Bob's")
    response = call("PATCH", f"v1/flow/data-jobs/{job.pk}", json={"vector_database_id": bobs_db.pk})
    assert problems(response) == {("body", "vector_database_id"): "value_error"}
    response = call("POST", f"v1/flow/data-jobs/{job.pk}/remove-files", json={"file_ids": ["f"]})
    assert problems(response) == {("body", "file_ids", 0): "value_error"}
    detail = call("GET", f"v1/flow/data-jobs/{job.pk}").json()
    assert {"files", "timeline", "alignment_job", "ingestion_jobs"} <= set(detail)


def test_a_started_data_job_is_settled(org, call):
    job = factories.create_data_job(org.team_a, org.alice.user, name="Job", status="ready_to_start")
    assert call("POST", f"v1/flow/data-jobs/{job.pk}/start").json()["status"] == "queued"
    assert conflict(call("POST", f"v1/flow/data-jobs/{job.pk}/start"))
    response = call("PATCH", f"v1/flow/data-jobs/{job.pk}", json={"instructions": "New."})
    assert "queued" in conflict(response)
    assert call("PATCH", f"v1/flow/data-jobs/{job.pk}", json={"name": "Renamed"}).ok


# --- Time --------------------------------------------------------------------------------------
def test_jobs_move_on_as_time_passes(org, call, settings):
    settings.SANDBOX_JOB_STEP_SECONDS = 0.3
    body = {
        "name": "Serve it",
        "description": "Serves it.",
        "model_type": "Base Model",
        "model_id": DEFAULT_MODEL,
        "n_instances": 1,
    }
    made = call("POST", "v1/flow/deployments", json=body).json()
    assert made["status"] == "Pending"
    time.sleep(0.4)
    assert call("GET", f"v1/flow/deployments/{made['id']}").json()["status"] == "Active"
    stored = SandboxDeployment.objects.get(pk=made["id"])
    assert stored.status == "Pending"  # the status is worked out on each read, never stored


def test_jobs_set_in_a_state_stay_in_it(org, call, settings):
    settings.SANDBOX_JOB_STEP_SECONDS = 0
    running = factories.create_fine_tune(org.team_a, org.alice.user, status="running")
    pending = factories.create_deployment(org.team_a, org.alice.user, name="D", status="Pending")
    job = factories.create_data_job(org.team_a, org.alice.user, name="J", status="running")
    assert call("GET", f"v1/flow/fine-tunes/{running.pk}").json()["status"] == "running"
    assert call("GET", f"v1/flow/deployments/{pending.pk}").json()["status"] == "Pending"
    assert call("GET", f"v1/flow/data-jobs/{job.pk}").json()["status"] == "running"
    listed = call("GET", "v1/flow/data-jobs").json()["data"]
    assert [j["status"] for j in listed] == ["running"]
    assert SandboxDataJob.objects.get(pk=job.pk).timeline_start is None


# --- Whatever a client sends ----------------------------------------------------------------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=10,
)
FIELDS = (
    "name",
    "description",
    "type",
    "config",
    "model",
    "model_id",
    "model_type",
    "project_id",
    "training_config",
    "infrastructure_config",
    "file_ids",
    "job_type",
    "n_instances",
    "token_count",
    "overlap_tokens",
    "metadata",
    "vector_database_id",
)


@hyp_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, JSON)) | JSON)
def test_no_body_makes_a_create_or_change_fail(org, call, body):
    """Whatever JSON a client sends, the answer is a success or a 4xx, never a 5xx."""
    tool = factories.create_tool(org.team_a, org.alice.user, name="t", type="file_search")
    vdb = factories.create_vector_db(org.team_a, org.alice.user, name="kb")
    job = factories.create_data_job(org.team_a, org.alice.user, name="J")
    for method, path in (
        ("POST", "v1/flow/fine-tunes"),
        ("POST", "v1/flow/tools"),
        ("PATCH", f"v1/flow/tools/{tool.pk}/diff"),
        ("POST", f"v1/flow/tools/{tool.pk}/duplicate"),
        ("POST", "v1/flow/vectordb"),
        ("POST", f"v1/flow/vectordb/{vdb.pk}/ingestion"),
        ("POST", "v1/flow/projects"),
        ("POST", "v1/flow/deployments"),
        ("POST", "v1/flow/data-jobs"),
        ("PATCH", f"v1/flow/data-jobs/{job.pk}"),
        ("POST", f"v1/flow/data-jobs/{job.pk}/add-files"),
    ):
        response = call(method, path, json=body)
        assert response.status_code < 500, (method, path, response.text)
