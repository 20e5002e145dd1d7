"""Every kind's create, edit and operations through the dashboard, over real HTTP against the
sandbox, with jobs followed until they end (the sandbox's time steps set to nothing, so a job
moves on at each read)."""

from __future__ import annotations

from html import unescape

import pytest

from dashboard.audit.models import ActionLog
from dashboard.sandbox import factories
from dashboard.sandbox.models import (
    SandboxAgent,
    SandboxDataJob,
    SandboxDeployment,
    SandboxFile,
    SandboxFineTune,
    SandboxPythonFunction,
    SandboxTool,
    SandboxVectorDB,
)
from tests.conftest import team_url
from tests.resources.helpers import row_ids
from tests.resources.manage_helpers import entries, field_errors, options

pytestmark = pytest.mark.django_db(transaction=True)

CODE = b'"""Adds numbers."""\n\n\ndef add(a: int, b: int) -> int:\n    return a + b\n'


@pytest.fixture
def quick_jobs(settings):
    """Jobs move on one stage at each read."""
    settings.SANDBOX_JOB_STEP_SECONDS = 0


def act(web, team, path: str):
    """Open an action's confirmation page, then confirm it (as a person clicks through)."""
    web.get(team_url(team, path))
    return web.post(team_url(team, path))


def detail(web, team, kind: str, resource_id: str) -> str:
    return unescape(web.get(team_url(team, f"r/{kind}/{resource_id}/")).text)


def test_files_are_renamed_and_filtered_by_purpose(org, alice_web):
    alice = org.alice.sandbox_user
    train = factories.create_file(org.team_a, alice, filename="train.jsonl")
    doc = factories.create_file(org.team_a, alice, filename="guide.md", purpose="alignment")
    rename = team_url(org.team_a, f"r/files/{train.pk}/do/rename/")
    assert 'value="train.jsonl"' in alice_web.get(rename).text

    done = alice_web.post(rename, {"new_filename": "support-train.jsonl"})

    assert done.url.endswith(team_url(org.team_a, f"r/files/{train.pk}/"))
    assert SandboxFile.objects.get(pk=train.pk).filename == "support-train.jsonl"
    (entry,) = entries(ActionLog.Action.RESOURCE_ACTION)
    assert "train.jsonl" in entry.detail and "support-train.jsonl" in entry.detail
    listed = alice_web.get(team_url(org.team_a, "r/files/?purpose=alignment"))
    assert row_ids(listed.text) == [doc.pk]


def test_an_agent_is_created_with_tools_promoted_and_demoted(org, alice_web):
    alice = org.alice.sandbox_user
    search = factories.create_tool(org.team_a, alice, name="web", type="web_search")
    create = team_url(org.team_a, "r/agents/new/")
    assert options(alice_web.get(create).text, "tool_ids") == {search.pk: "web"}

    made = alice_web.post(
        create,
        {
            "name": "Researcher",
            "instructions": "Look things up.",
            "model_id": "meta-llama/Llama-3.1-8B-Instruct",
            "tool_ids": [search.pk],
            "reasoning_effort": "high",
        },
    )

    agent = SandboxAgent.objects.get(name="Researcher")
    assert made.url.endswith(team_url(org.team_a, f"r/agents/{agent.pk}/"))
    assert [t.pk for t in agent.tools.all()] == [search.pk]
    assert agent.team == org.team_a

    SandboxAgent.objects.filter(pk=agent.pk).update(status="Inactive")
    act(alice_web, org.team_a, f"r/agents/{agent.pk}/action/promote/")
    assert SandboxAgent.objects.get(pk=agent.pk).status == "Active"
    act(alice_web, org.team_a, f"r/agents/{agent.pk}/action/demote/")
    assert SandboxAgent.objects.get(pk=agent.pk).status == "Inactive"
    promote, demote = entries(ActionLog.Action.RESOURCE_ACTION)
    assert "Promote" in promote.detail and "(Inactive → Active)" in promote.detail
    assert "(Active → Inactive)" in demote.detail
    assert {promote.team_id, demote.team_id} == {str(org.team_a.pk)}


def test_tools_are_created_edited_duplicated_and_show_their_agents(org, alice_web):
    alice = org.alice.sandbox_user
    handbook = factories.create_vector_db(org.team_a, alice, name="Handbook")

    made = alice_web.post(
        team_url(org.team_a, "r/tools/new/"),
        {"type": "file_search", "name": "handbook", "file_search_index": handbook.pk},
    )

    tool = SandboxTool.objects.get(name="handbook")
    assert made.url.endswith(team_url(org.team_a, f"r/tools/{tool.pk}/"))
    assert tool.type == "file_search"
    assert {k.lower(): v for k, v in tool.config.items()}["file_search_index"] == handbook.pk

    edit = team_url(org.team_a, f"r/tools/{tool.pk}/edit/")
    changed = {"type": "file_search", "name": "handbook", "file_search_index": handbook.pk}
    changed["top_k"] = "4"
    preview = unescape(alice_web.post(edit, changed).text)
    assert 'data-testid="diff-table"' in preview and "4" in preview
    alice_web.post(edit, {**changed, "confirm": "1"})
    config = {k.lower(): v for k, v in SandboxTool.objects.get(pk=tool.pk).config.items()}
    assert config["top_k"] == 4

    copy = alice_web.post(
        team_url(org.team_a, f"r/tools/{tool.pk}/do/duplicate/"), {"name": "handbook-2"}
    )
    duplicate = SandboxTool.objects.get(name="handbook-2")
    assert copy.url.endswith(team_url(org.team_a, f"r/tools/{duplicate.pk}/"))

    factories.create_agent(org.team_a, alice, name="Librarian", tools=[tool])
    page = detail(alice_web, org.team_a, "tools", tool.pk)
    assert "Agents using this tool" in page and "Librarian" in page


def test_python_functions_are_uploaded_shown_replaced_and_deleted(org, alice_web):
    create = team_url(org.team_a, "r/python-functions/new/")
    alice_web.get(create)

    made = alice_web.post(create, files={"file": ("adder.py", CODE, "text/x-python")})

    function = SandboxPythonFunction.objects.get(team=org.team_a)
    assert made.url.endswith(team_url(org.team_a, f"r/python-functions/{function.pk}/"))
    page = unescape(made.text)
    assert "def add(a: int, b: int) -&gt;" in made.text or "def add(a: int, b: int) ->" in page
    assert 'data-testid="code"' in page

    replace = team_url(org.team_a, f"r/python-functions/{function.pk}/do/replace/")
    alice_web.get(replace)
    new_code = b"def add(a, b):\n    return b + a\n"
    alice_web.post(replace, files={"file": ("adder.py", new_code, "text/x-python")})
    assert SandboxPythonFunction.objects.get(pk=function.pk).code == new_code.decode()

    act(alice_web, org.team_a, f"r/python-functions/{function.pk}/delete/")
    assert not SandboxPythonFunction.objects.filter(pk=function.pk).exists()
    assert [e.outcome for e in entries(ActionLog.Action.RESOURCE_CREATED)] == ["success"]


def test_a_python_file_that_is_not_python_is_refused_at_its_field(org, alice_web):
    create = team_url(org.team_a, "r/python-functions/new/")
    alice_web.get(create)

    wrong_name = alice_web.post(create, files={"file": ("notes.txt", CODE, "text/plain")})
    not_python = alice_web.post(create, files={"file": ("bad.py", b"def (:\n", "text/plain")})

    assert wrong_name.status_code == 400
    assert "is not a .py file" in field_errors(wrong_name.text, "file")[0]
    assert not_python.status_code == 400
    assert field_errors(not_python.text, "file")[0].startswith("The upstream said:")
    assert not SandboxPythonFunction.objects.exists()


def test_a_vector_database_is_built_from_team_files_followed_and_trimmed(
    org, alice_web, quick_jobs
):
    alice = org.alice.sandbox_user
    one = factories.create_file(org.team_a, alice, filename="one.md", purpose="alignment")
    two = factories.create_file(org.team_a, alice, filename="two.md", purpose="alignment")
    made = alice_web.post(
        team_url(org.team_a, "r/vector-dbs/new/"),
        {"name": "Handbook", "model": "intfloat/e5-mistral-7b-instruct"},
    )
    vdb = SandboxVectorDB.objects.get(name="Handbook")
    assert made.url.endswith(team_url(org.team_a, f"r/vector-dbs/{vdb.pk}/"))

    add = team_url(org.team_a, f"r/vector-dbs/{vdb.pk}/do/add-files/")
    assert options(alice_web.get(add).text, "file_ids") == {one.pk: "one.md", two.pk: "two.md"}
    added = unescape(
        alice_web.post(
            add,
            {
                "file_ids": [one.pk, two.pk],
                "method": "accuracy-optimized",
                "chunking_method": "markdown",
                "token_count": "800",
                "overlap_tokens": "100",
            },
        ).text
    )
    assert "Ingestion jobs" in added

    for _ in range(5):  # the page is read again, as its polling does, until the job ends
        page = detail(alice_web, org.team_a, "vector-dbs", vdb.pk)
        if 'data-testid="still-changing"' not in page:
            break
    assert "completed" in page
    assert sorted(vdb.files.values_list("file_id", flat=True)) == sorted([one.pk, two.pk])

    remove = f"r/vector-dbs/{vdb.pk}/sub/0/{one.pk}/remove/"
    asked = alice_web.get(team_url(org.team_a, remove))
    assert one.pk in asked.text and "Team A" in asked.text
    alice_web.post(team_url(org.team_a, remove))
    assert list(vdb.files.values_list("file_id", flat=True)) == [two.pk]
    assert SandboxFile.objects.filter(pk=one.pk).exists()  # the team's file stays
    assert any(one.pk in e.detail for e in entries(ActionLog.Action.RESOURCE_EDITED))


def test_removing_a_file_already_gone_says_so_and_logs_the_failure(org, alice_web):
    vdb = factories.create_vector_db(org.team_a, org.alice.sandbox_user, name="Empty")
    remove = team_url(org.team_a, f"r/vector-dbs/{vdb.pk}/sub/0/file-gone/remove/")
    alice_web.get(remove)

    done = alice_web.post(remove)

    assert done.status_code == 200
    assert "no longer has it" in unescape(done.text)
    (entry,) = entries(ActionLog.Action.RESOURCE_EDITED)
    assert entry.outcome == "failure"


def test_a_fine_tune_is_started_followed_to_its_end_and_promoted(org, alice_web, quick_jobs):
    alice = org.alice.sandbox_user
    project = factories.create_project(org.team_a, alice, name="Support tone")
    train = factories.create_file(org.team_a, alice, filename="train.jsonl")
    factories.create_file(org.team_a, alice, filename="doc.md", purpose="alignment")
    create = team_url(org.team_a, "r/fine-tunes/new/")
    form = alice_web.get(create).text
    assert options(form, "training_files") == {train.pk: "train.jsonl"}  # fine-tune files only
    assert options(form, "project_id") == {str(project.pk): "Support tone"}

    made = alice_web.post(
        create,
        {
            "experiment_name": "tone-v1",
            "project_id": str(project.pk),
            "model": "meta-llama/Llama-3.1-8B-Instruct",
            "training_files": [train.pk],
            "n_epochs": "1",
            "accel_type": "H100",
            "n_accel": "8",
            "n_node": "1",
            "fine_tune_type": "STANDARD",
        },
    )

    job = SandboxFineTune.objects.get(team=org.team_a)
    assert made.url.endswith(team_url(org.team_a, f"r/fine-tunes/{job.pk}/"))
    for _ in range(8):
        page = detail(alice_web, org.team_a, "fine-tunes", job.pk)
        if 'data-testid="still-changing"' not in page:
            break
    assert "completed" in page and "Events" in page

    act(alice_web, org.team_a, f"r/fine-tunes/{job.pk}/action/promote/")
    assert SandboxFineTune.objects.get(pk=job.pk).extra["inference_available"] is True
    act(alice_web, org.team_a, f"r/fine-tunes/{job.pk}/action/demote/")
    assert SandboxFineTune.objects.get(pk=job.pk).extra["inference_available"] is False
    assert [e.outcome for e in entries(ActionLog.Action.RESOURCE_ACTION)] == ["success"] * 2


def test_deployments_are_made_from_a_completed_fine_tune_and_go_up_and_down(
    org, alice_web, quick_jobs
):
    alice = org.alice.sandbox_user
    done = factories.create_fine_tune(org.team_a, alice, experiment_name="tone")
    factories.create_fine_tune(org.team_a, alice, status="running", experiment_name="busy")
    create = team_url(org.team_a, "r/deployments/new/")
    assert options(alice_web.get(create).text, "fine_tune") == {done.pk: "tone"}

    made = alice_web.post(
        create,
        {
            "name": "tone-live",
            "description": "Support tone, live.",
            "model_type": "Fine-tuned Run",
            "fine_tune": done.pk,
            "n_instances": "1",
        },
    )

    deployment = SandboxDeployment.objects.get(name="tone-live")
    assert made.url.endswith(team_url(org.team_a, f"r/deployments/{deployment.pk}/"))
    assert deployment.model_id == done.pk
    for _ in range(4):
        page = detail(alice_web, org.team_a, "deployments", deployment.pk)
        if "Active" in page and 'data-testid="still-changing"' not in page:
            break
    assert "Active" in page
    act(alice_web, org.team_a, f"r/deployments/{deployment.pk}/action/demote/")
    assert "Inactive" in detail(alice_web, org.team_a, "deployments", deployment.pk)
    act(alice_web, org.team_a, f"r/deployments/{deployment.pk}/action/promote/")
    assert SandboxDeployment.objects.get(pk=deployment.pk).status == "Pending"


def test_a_data_job_gets_files_starts_and_is_cancelled(org, alice_web, settings):
    settings.SANDBOX_JOB_STEP_SECONDS = 0  # files are processed at the next read
    alice = org.alice.sandbox_user
    one = factories.create_file(org.team_a, alice, filename="one.md", purpose="alignment")
    two = factories.create_file(org.team_a, alice, filename="two.md", purpose="alignment")
    made = alice_web.post(
        team_url(org.team_a, "r/data-jobs/new/"),
        {"name": "Principles", "job_type": "principle_files", "instructions": "Be kind."},
    )
    job = SandboxDataJob.objects.get(name="Principles")
    assert made.url.endswith(team_url(org.team_a, f"r/data-jobs/{job.pk}/"))

    add = team_url(org.team_a, f"r/data-jobs/{job.pk}/do/add-files/")
    alice_web.get(add)
    alice_web.post(add, {"file_ids": [one.pk, two.pk]})
    remove = team_url(org.team_a, f"r/data-jobs/{job.pk}/do/remove-files/")
    alice_web.get(remove)
    alice_web.post(remove, {"file_ids": [two.pk]})
    assert list(job.files.values_list("file_id", flat=True)) == [one.pk]
    for _ in range(4):
        page = detail(alice_web, org.team_a, "data-jobs", job.pk)
        if "ready_to_start" in page:
            break
    assert "ready_to_start" in page

    settings.SANDBOX_JOB_STEP_SECONDS = 60  # once started, it runs long enough to be cancelled
    act(alice_web, org.team_a, f"r/data-jobs/{job.pk}/action/start/")
    assert "queued" in detail(alice_web, org.team_a, "data-jobs", job.pk)
    act(alice_web, org.team_a, f"r/data-jobs/{job.pk}/action/cancel/")
    assert "cancelled" in detail(alice_web, org.team_a, "data-jobs", job.pk)
    summaries = [e.detail for e in entries(ActionLog.Action.RESOURCE_ACTION)]
    assert any(s.startswith("Start") for s in summaries)
    assert any(s.startswith("Cancel") for s in summaries)


def test_a_data_job_is_renamed_with_its_old_and_new_name_logged(org, alice_web):
    job = factories.create_data_job(org.team_a, org.alice.sandbox_user, name="Draft")
    edit = team_url(org.team_a, f"r/data-jobs/{job.pk}/edit/")
    alice_web.get(edit)

    alice_web.post(edit, {"name": "Final", "instructions": "", "system_prompt": ""})

    assert SandboxDataJob.objects.get(pk=job.pk).name == "Final"
    (entry,) = entries(ActionLog.Action.RESOURCE_EDITED)
    assert "Name “Draft” → “Final”" in entry.detail
