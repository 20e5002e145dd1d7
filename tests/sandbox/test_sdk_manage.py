"""The official ``seekrai`` SDK, unchanged, creating and changing resources in the sandbox:
every create, update, preview, promote, demote, duplicate, ingestion and data-job call parses,
and the sandbox did what it answered."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from seekrai import AsyncSeekrFlow
from seekrai.error import ConflictError
from seekrai.types.agents.agent import AgentOutputConfig, CreateAgentRequest, UpdateAgentRequest
from seekrai.types.finetune import InfrastructureConfig, LoRAConfig, TrainingConfig
from seekrai.types.tools import (
    CreateFileSearch,
    CreateMCPConnector,
    CreateRunPython,
    CreateWebSearch,
    FileSearchConfig,
    MCPConnectorConfig,
    RunPythonConfig,
    UpdateFileSearch,
    UpdateFileSearchConfig,
    UpdateMCPConnector,
    UpdateMCPConnectorConfig,
)

from dashboard.sandbox import factories, progress, recorder
from dashboard.sandbox.model_catalog import DEFAULT_EMBEDDING_MODEL, DEFAULT_MODEL
from dashboard.sandbox.models import (
    SandboxAgent,
    SandboxDataJob,
    SandboxDeployment,
    SandboxFineTune,
    SandboxIngestionJob,
    SandboxProject,
    SandboxTool,
)

STEP = 10.0  # seconds per step of a job's timeline, in these tests


@pytest.fixture
def alice(org, sdk, settings):
    """Alice's client, scoped to Team A, with jobs that move on a step per ``STEP`` seconds."""
    settings.SANDBOX_JOB_STEP_SECONDS = STEP
    return sdk(org.alice.key, org.team_a_id)


def rewind(model, pk: str, steps: float) -> None:
    """Move a job's timeline ``steps`` steps into the past, as if that much time had passed."""
    job = model.objects.get(pk=pk)
    model.objects.filter(pk=pk).update(
        timeline_start=job.timeline_start - timedelta(seconds=steps * STEP)
    )


def training_file(org, name="train.jsonl"):
    return factories.create_file(org.team_a, org.alice.user, filename=name)


def document(org, name="doc.md"):
    return factories.create_file(org.team_a, org.alice.user, filename=name, purpose="alignment")


def finished_fine_tune(org):
    return factories.create_fine_tune(org.team_a, org.alice.user, status="completed")


# --- Models and projects -------------------------------------------------------------------
def test_models_list_chat_and_embedding_models(alice):
    models = {model.id: model for model in alice.models.list().data}
    assert models[DEFAULT_MODEL].model_type == "chat"
    assert models[DEFAULT_EMBEDDING_MODEL].model_type == "embedding"
    assert all(model.bytes > 0 and model.name for model in models.values())


def test_project_create_then_retrieve(org, alice):
    made = alice.projects.create(name="Support tone", description="Tuning the tone.")
    assert (made.name, made.user_id, made.team_id) == (
        "Support tone",
        org.alice.user.pk,
        org.team_a_id,
    )
    assert alice.projects.retrieve(made.id).description == "Tuning the tone."
    assert [p.id for p in alice.projects.list().data] == [made.id]


# --- Fine-tunes ----------------------------------------------------------------------------
def _start_fine_tune(alice, org, **training) -> object:
    project = alice.projects.create(name="Summaries", description="Summarising notes.")
    return alice.fine_tuning.create(
        project_id=project.id,
        training_config=TrainingConfig(
            training_files=[training_file(org).pk],
            model=DEFAULT_MODEL,
            n_epochs=2,
            experiment_name="summaries-v1",
            **training,
        ),
        infrastructure_config=InfrastructureConfig(accel_type="H100", n_accel=4),
    )


def test_fine_tune_create_moves_on_to_completed_then_promote_and_demote(org, alice):
    recorder.clear()
    job = _start_fine_tune(alice, org, lora_config=LoRAConfig(r=16))
    paths = [(r.method, r.path) for r in recorder.recorded()]
    assert ("GET", "v1/flow/models") in paths  # the SDK checks LoRA support first
    assert paths[-1] == ("POST", "v1/flow/fine-tune")
    assert (job.status.value, job.model, job.n_epochs, job.n_accel) == (
        "pending",
        DEFAULT_MODEL,
        2,
        4,
    )
    assert (job.experiment_name, job.lora_config.r, job.inference_available) == (
        "summaries-v1",
        16,
        False,
    )
    assert SandboxProject.objects.get(pk=job.project_id).runs == 1
    with pytest.raises(ConflictError):
        alice.fine_tuning.promote(job.id)

    seen = []
    for steps in (1, 1, 2):
        rewind(SandboxFineTune, job.id, steps)
        seen.append(alice.fine_tuning.retrieve(job.id).status.value)
    assert seen == ["queued", "running", "completed"]
    listed = {j.id: j for j in alice.fine_tuning.list().data}
    assert listed[job.id].status.value == "completed"
    assert listed[job.id].completed_at is not None
    events = [e.model_extra["type"] for e in alice.fine_tuning.list_events(job.id).data]
    assert events.count("EPOCH_COMPLETE") == 2 and events[-1] == "JOB_COMPLETE"

    promoted = alice.fine_tuning.promote(job.id)
    assert promoted.model_extra["inference_available"] is True
    assert alice.fine_tuning.retrieve(job.id).inference_available is True
    assert alice.fine_tuning.demote(job.id).model_extra["inference_available"] is False
    assert alice.fine_tuning.retrieve(job.id).inference_available is False


def test_fine_tune_create_with_the_async_client_uses_the_plural_path(org, sandbox):
    project = factories.create_project(org.team_a, org.alice.user, name="Async runs")
    client = AsyncSeekrFlow(
        base_url=sandbox,
        api_key=org.alice.key,
        supplied_headers={"x-team-id": org.team_a_id},
        max_retries=0,
    )
    recorder.clear()
    create = client.fine_tuning.create(
        project_id=project.pk,
        training_config=TrainingConfig(
            training_files=[training_file(org).pk], model=DEFAULT_MODEL, n_epochs=1
        ),
        infrastructure_config=InfrastructureConfig(accel_type="A100", n_accel=1),
    )
    # A loop of its own, in a thread of its own: the test thread may have one running already
    # (Playwright's sync API leaves one there once a browser test has run).
    with ThreadPoolExecutor(max_workers=1) as pool:
        job = pool.submit(asyncio.run, create).result()
    assert [(r.method, r.path) for r in recorder.recorded()] == [("POST", "v1/flow/fine-tunes")]
    assert (job.status.value, job.accel_type.value) == ("pending", "A100")


# --- Deployments ---------------------------------------------------------------------------
def test_deployment_of_a_base_model_goes_active_then_demote_and_promote(org, alice):
    made = alice.deployments.create(
        name="Base chat",
        description="The base model, served.",
        model_type="Base Model",
        model_id=DEFAULT_MODEL,
        n_instances=2,
    )
    assert (made.status.value, made.n_instances, made.user_id) == ("Pending", 2, org.alice.user.pk)
    rewind(SandboxDeployment, made.id, 1)
    active = alice.deployments.retrieve(made.id)
    assert active.status.value == "Active" and active.last_deployed_at is not None

    assert alice.deployments.demote(made.id).status.value == "Inactive"
    assert alice.deployments.retrieve(made.id).status.value == "Inactive"
    assert alice.deployments.promote(made.id).status.value == "Pending"
    rewind(SandboxDeployment, made.id, 1)
    assert alice.deployments.list().data[0].status.value == "Active"


def test_deployment_of_a_completed_fine_tune(org, alice):
    job = finished_fine_tune(org)
    made = alice.deployments.create(
        name="Tuned chat",
        description="Our fine-tune, served.",
        model_type="Fine-tuned Run",
        model_id=job.pk,
        n_instances=1,
    )
    assert (made.model_type.value, made.model_id) == ("Fine-tuned Run", job.pk)


# --- Agents --------------------------------------------------------------------------------
def test_agent_create_preview_update_promote_demote(org, alice):
    web = factories.create_tool(org.team_a, org.alice.user, name="web", type="web_search")
    agent = alice.agents.create(
        CreateAgentRequest(
            name="Helper",
            instructions="Be kind.",
            model_id=DEFAULT_MODEL,
            tool_ids=[web.pk],
            temperature=0.3,
            output=AgentOutputConfig(frequency="automatic", model_id=DEFAULT_MODEL),
        )
    )
    assert (agent.status.value, agent.temperature, agent.output.frequency.value) == (
        "Active",
        0.3,
        "automatic",
    )
    assert [t.id for t in agent.tools] == [web.pk]

    change = UpdateAgentRequest(name="Helper 2", tool_ids=[], reasoning_effort="high")
    preview = alice.agents.update_diff(agent.id, change)
    assert (preview.before.name, preview.after.name) == ("Helper", "Helper 2")
    assert preview.after.tools == [] and [t.id for t in preview.before.tools] == [web.pk]
    assert set(preview.diff) == {"name", "tools", "reasoning_effort"}
    assert preview.diff["name"] == {"before": "Helper", "after": "Helper 2"}
    assert alice.agents.retrieve(agent.id).name == "Helper"  # a preview saves nothing

    updated = alice.agents.update(agent.id, change)
    assert (updated.name, updated.tools, updated.reasoning_effort.value) == ("Helper 2", [], "high")
    assert alice.agents.demote(agent.id).status.value == "Inactive"
    assert SandboxAgent.objects.get(pk=agent.id).status == "Inactive"
    assert alice.agents.promote(agent.id).status.value == "Active"


def test_an_agent_can_answer_with_a_deployment_or_a_completed_fine_tune(org, alice):
    deployment = factories.create_deployment(org.team_a, org.alice.user, name="Served")
    job = finished_fine_tune(org)
    agent = alice.agents.create(
        CreateAgentRequest(
            name="Tuned", instructions="Answer.", model_id=deployment.pk, tool_model_id=job.pk
        )
    )
    assert (agent.model_id, agent.tool_model_id) == (deployment.pk, job.pk)


# --- Tools and Python functions ---------------------------------------------------------------
def test_python_functions_create_list_replace_delete(org, alice, tmp_path):
    source = tmp_path / "invoice_total.py"
    source.write_text('"""Adds up an invoice."""\n\n\ndef total(lines):\n    return sum(lines)\n')
    made = alice.agents.custom_functions.create(source)
    assert (made.name, made.description, made.version, made.active) == (
        "invoice_total",
        "Adds up an invoice.",
        1,
        True,
    )
    assert (made.user_id, made.team_id) == (str(org.alice.user.pk), org.team_a_id)
    assert [f.id for f in alice.agents.custom_functions.list_functions()] == [made.id]
    assert alice.agents.custom_functions.retrieve(made.id).code == source.read_text()

    source.write_text(
        "# Adds up an invoice, rounded.\ndef total(lines):\n    return round(sum(lines))\n"
    )
    replaced = alice.agents.custom_functions.update(made.id, source)
    assert (replaced.version, replaced.description) == (2, "Adds up an invoice, rounded.")
    assert "round(" in alice.agents.custom_functions.retrieve(made.id).code

    assert alice.agents.custom_functions.delete(made.id).deleted is True
    assert alice.agents.custom_functions.list_functions() == []


def test_tools_of_each_kind_are_created_from_the_sdks_uppercase_config(org, alice, tmp_path):
    vdb = factories.create_vector_db(org.team_a, org.alice.user, name="kb")
    code = tmp_path / "lookup.py"
    code.write_text("def lookup(x):\n    return x\n")
    function = alice.agents.custom_functions.create(code)

    search = alice.tools.create(
        CreateFileSearch(
            name="kb_search",
            description="Searches the knowledge base.",
            config=FileSearchConfig(file_search_index=vdb.pk, top_k=5, score_threshold=0.25),
        )
    )
    assert (search.type.value, search.config.file_search_index, search.config.top_k) == (
        "file_search",
        vdb.pk,
        5,
    )
    assert search.config.embedding_model == DEFAULT_EMBEDDING_MODEL  # the database's model
    assert (search.version, search.user_id) == (1, str(org.alice.user.pk))

    python = alice.tools.create(
        CreateRunPython(
            name="run_lookup",
            description="Runs the lookup.",
            config=RunPythonConfig(function_ids=[function.id]),
        )
    )
    assert python.config.function_ids == [function.id]

    web = alice.tools.create(CreateWebSearch(name="web", description="Searches the web."))
    assert web.type.value == "web_search"
    assert alice.tools.list().total == 3


def test_mcp_connector_keeps_its_oauth_client_secret(org, alice, http):
    mcp = alice.tools.create(
        CreateMCPConnector(
            name="tracker",
            description="The incident tracker.",
            config=MCPConnectorConfig(
                url="https://mcp.example.com/mcp", client_id="cid-1", client_secret="s3cr3t"
            ),
        )
    )
    assert (mcp.config.url, mcp.config.transport, mcp.status.value) == (
        "https://mcp.example.com/mcp",
        "streamable-http",
        "Pending_authorization",
    )
    assert mcp.config.authorization_url
    changed = alice.tools.update(
        mcp.id, UpdateMCPConnector(config=UpdateMCPConnectorConfig(client_secret="n3w-s3cr3t"))
    )
    assert changed.version == 2
    for path in ("v1/flow/tools", f"v1/flow/tools/{mcp.id}"):
        raw = http("GET", path, key=org.alice.key, team=org.team_a_id).text
        assert "s3cr3t" not in raw and "cid-1" not in raw
    assert SandboxTool.objects.get(pk=mcp.id).extra["secrets"] == {
        "client_id": "cid-1",
        "client_secret": "n3w-s3cr3t",
    }


def test_tool_preview_update_duplicate_and_agents_using_it(org, alice):
    vdb = factories.create_vector_db(org.team_a, org.alice.user, name="kb")
    other = factories.create_vector_db(
        org.team_a, org.alice.user, name="kb2", model="BAAI/bge-large-en-v1.5", dimension=1024
    )
    tool = factories.create_tool(
        org.team_a,
        org.alice.user,
        name="kb_search",
        type="file_search",
        config={"file_search_index": vdb.pk, "top_k": 10, "score_threshold": 0},
    )
    agent = factories.create_agent(org.team_a, org.alice.user, name="Uses it", tools=[tool])

    change = UpdateFileSearch(
        description="Searches the second base.",
        config=UpdateFileSearchConfig(file_search_index=other.pk, top_k=3),
    )
    preview = alice.tools.update_diff(tool.pk, change)
    assert (preview.before.config.top_k, preview.after.config.top_k) == (10, 3)
    assert preview.diff["config"]["after"]["file_search_index"] == other.pk
    assert set(preview.diff) == {"description", "config"}
    assert alice.tools.retrieve(tool.pk).config.top_k == 10  # a preview saves nothing

    updated = alice.tools.update(tool.pk, change)
    assert (updated.version, updated.config.top_k, updated.config.file_search_index) == (
        2,
        3,
        other.pk,
    )
    assert updated.config.embedding_model == "BAAI/bge-large-en-v1.5"
    assert alice.agents.retrieve(agent.pk).tools[0].config.top_k == 3  # agents follow

    copy = alice.tools.duplicate(tool.pk, name="kb_search_copy")
    assert (copy.name, copy.version, copy.config.top_k) == ("kb_search_copy", 1, 3)
    assert copy.id != tool.pk
    assert alice.tools.duplicate(tool.pk).name == "kb_search_copy"  # "<name>_copy" by default

    users = alice.tools.list_agents(tool.pk)
    assert [(a.id, a.name, a.status.value) for a in users] == [(agent.pk, "Uses it", "Active")]
    assert alice.tools.list_agents(copy.id) == []


# --- Vector databases and ingestion ------------------------------------------------------------
def test_vector_db_create_ingest_then_remove_a_file(org, alice):
    made = alice.vector_database.create(name="Manuals", model=DEFAULT_EMBEDDING_MODEL)
    assert (made.model, made.dimension, made.file_count, made.description) == (
        DEFAULT_EMBEDDING_MODEL,
        4096,
        0,
        None,
    )
    docs = [document(org, f"manual-{i}.md") for i in range(2)]
    job = alice.vector_database.create_ingestion_job(
        made.id, [d.pk for d in docs], token_count=400, overlap_tokens=50
    )
    assert (job.status, job.vector_database_id, job.file_ids) == (
        "queued",
        made.id,
        [d.pk for d in docs],
    )
    assert alice.vector_database.list_files(made.id).data == []

    rewind(SandboxIngestionJob, job.id, 1)
    assert alice.vector_database.retrieve_ingestion_job(made.id, job.id).status == "running"
    rewind(SandboxIngestionJob, job.id, 1)
    listed = alice.vector_database.list_ingestion_jobs(made.id)
    assert [(j.id, j.status) for j in listed.data] == [(job.id, "completed")]
    in_db = alice.vector_database.list_files(made.id)
    assert {f.id for f in in_db.data} == {d.pk for d in docs}
    assert alice.vector_database.retrieve(made.id).file_count == 2

    assert alice.vector_database.delete_file(made.id, docs[0].pk) is None
    assert [f.id for f in alice.vector_database.list_files(made.id).data] == [docs[1].pk]
    assert alice.vector_database.list().data[0].file_count == 1


# --- Data jobs ----------------------------------------------------------------------------------
def test_data_job_from_creation_to_completion(org, alice):
    job = alice.data_jobs.create(
        name="Clinical principles", job_type="principle_files", instructions="Be careful."
    )
    assert (job.status.value, job.instructions, job.user_id) == (
        "needs_review",
        "Be careful.",
        str(org.alice.user.pk),
    )
    docs = [document(org, f"principles-{i}.md") for i in range(3)]
    added = alice.data_jobs.add_files(job.id, [d.pk for d in docs])
    assert added.status.value == "file_processing"
    assert [(f.file_id, f.name, f.status) for f in added.files] == [
        (d.pk, d.filename, "processing") for d in docs
    ]
    with pytest.raises(ConflictError):
        alice.data_jobs.start(job.id)

    rewind(SandboxDataJob, job.id, 1)
    assert alice.data_jobs.retrieve(job.id).status.value == "ready_to_start"
    removed = alice.data_jobs.remove_files(job.id, [docs[2].pk])
    assert [f.file_id for f in removed.files] == [docs[0].pk, docs[1].pk]
    assert removed.status.value == "ready_to_start"
    renamed = alice.data_jobs.update(job.id, name="Principles", system_prompt="You review.")
    assert (renamed.name, renamed.system_prompt) == ("Principles", "You review.")
    assert renamed.system_prompt_updated_at is not None

    started = alice.data_jobs.start(job.id)
    assert started.status.value == "queued" and started.alignment_job.id
    statuses = []
    for _ in range(2):
        rewind(SandboxDataJob, job.id, 1)
        statuses.append(alice.data_jobs.retrieve(job.id).status.value)
    assert statuses == ["running", "completed"]
    done = alice.data_jobs.retrieve(job.id)
    assert [e.event_type for e in done.timeline][-1] == "COMPLETED"
    assert alice.data_jobs.list().data[0].status.value == "completed"
    with pytest.raises(ConflictError):
        alice.data_jobs.cancel(job.id)
    with pytest.raises(ConflictError):
        alice.data_jobs.add_files(job.id, [docs[2].pk])


def test_data_job_cancelled_while_running(org, alice):
    job = alice.data_jobs.create(name="Grounded Q&A", job_type="context_grounded_files")
    alice.data_jobs.add_files(job.id, [document(org).pk])
    rewind(SandboxDataJob, job.id, 1)
    alice.data_jobs.start(job.id)
    rewind(SandboxDataJob, job.id, 1)
    cancelled = alice.data_jobs.cancel(job.id)
    assert (cancelled.status.value, cancelled.alignment_job.status.value) == (
        "cancelled",
        "cancelled",
    )
    rewind(SandboxDataJob, job.id, 5)
    assert alice.data_jobs.retrieve(job.id).status.value == "cancelled"


def test_a_vector_db_data_job_is_ready_once_it_names_a_database(org, alice):
    vdb = factories.create_vector_db(org.team_a, org.alice.user, name="kb")
    job = alice.data_jobs.create(name="From the base", job_type="context_grounded_vector_db")
    assert job.status.value == "needs_review"
    ready = alice.data_jobs.update(job.id, vector_database_id=vdb.pk)
    assert ready.status.value == "ready_to_start"
    assert alice.data_jobs.start(job.id).status.value == "queued"


def test_jobs_complete_on_the_next_read_when_steps_take_no_time(org, alice, settings):
    settings.SANDBOX_JOB_STEP_SECONDS = 0
    job = _start_fine_tune(alice, org)
    assert alice.fine_tuning.retrieve(job.id).status.value == "completed"
    vdb = factories.create_vector_db(org.team_a, org.alice.user, name="kb")
    ingestion = alice.vector_database.create_ingestion_job(vdb.pk, [document(org).pk])
    assert alice.vector_database.retrieve_ingestion_job(vdb.pk, ingestion.id).status == "completed"
    assert alice.vector_database.retrieve(vdb.pk).file_count == 1
    assert progress.step_seconds() == 0
