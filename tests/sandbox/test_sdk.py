"""The official ``seekrai`` SDK, unchanged, against the sandbox over real HTTP: every call of
the contract's minimum set (§14) and the other calls the sandbox offers parse without error."""

from __future__ import annotations

import threading

import pytest
from seekrai.error import ConflictError, InvalidRequestError
from seekrai.types.agents.agent import CreateAgentRequest, UpdateAgentRequest

from dashboard.sandbox import factories, storage
from dashboard.sandbox.models import SandboxFile, SandboxMessage, SandboxRun


@pytest.fixture
def alice(org, sdk):
    """Alice's client, scoped to Team A."""
    return sdk(org.alice.key, org.team_a_id)


def test_files_list_retrieve_rename_delete(org, alice):
    made = factories.create_file(org.team_a, org.alice.user, filename="train.jsonl")
    listed = alice.files.list()
    assert listed.object == "list"
    assert [f.id for f in listed.data] == [made.pk]
    item = listed.data[0]
    assert (item.filename, item.bytes, item.purpose.value, item.type.value) == (
        "train.jsonl",
        made.bytes,
        "fine-tune",
        "jsonl",
    )
    assert item.created_by == str(org.alice.user.pk)
    assert item.team_id == org.team_a_id  # an extra key the SDK keeps

    assert alice.files.retrieve(made.pk).id == made.pk
    assert alice.files.rename(made.pk, "renamed.jsonl").filename == "renamed.jsonl"

    deleted = alice.files.delete(made.pk)
    assert (deleted.id, deleted.deleted) == (made.pk, True)
    assert alice.files.list().data == []
    assert not storage.file_path(made).exists()


def test_files_list_paging_sorting_and_purpose(org, alice):
    for index in range(5):
        factories.create_file(org.team_a, org.alice.user, filename=f"f{index}.jsonl")
    factories.create_file(org.team_a, org.alice.user, filename="doc.md", purpose="alignment")
    names = [f.filename for f in alice.files.list(sort_by="filename", sort_order="asc").data]
    assert names == ["doc.md", "f0.jsonl", "f1.jsonl", "f2.jsonl", "f3.jsonl", "f4.jsonl"]
    page = alice.files.list(limit=2, offset=1, sort_by="filename", sort_order="asc")
    assert [f.filename for f in page.data] == ["f0.jsonl", "f1.jsonl"]
    assert [f.filename for f in alice.files.list(purpose="alignment").data] == ["doc.md"]


@pytest.mark.parametrize("purpose", ["fine-tune", "alignment"])
def test_upload_then_download_the_same_bytes(org, alice, tmp_path, purpose):
    source = tmp_path / "corpus.jsonl"
    source.write_bytes(b'{"prompt": "a", "completion": "b"}\n' * 1000)
    uploaded = alice.files.upload(source, purpose=purpose)
    assert (uploaded.filename, uploaded.bytes, uploaded.purpose.value) == (
        "corpus.jsonl",
        source.stat().st_size,
        purpose,
    )
    stored = SandboxFile.objects.get(pk=uploaded.id)
    assert (stored.team_id, stored.creator_id) == (org.team_a.pk, org.alice.user.pk)

    target = tmp_path / "downloaded.jsonl"
    local = alice.files.retrieve_content(uploaded.id, output=target)
    assert local.size == source.stat().st_size
    assert target.read_bytes() == source.read_bytes()


def test_alignment_upload_checks_metadata_first(org, alice, tmp_path):
    from dashboard.sandbox import recorder

    image = tmp_path / "picture.png"
    image.write_bytes(b"\x89PNG")
    recorder.clear()
    with pytest.raises(ValueError, match="cannot be used for alignment"):
        alice.files.upload(image, purpose="alignment")
    assert [r.path for r in recorder.recorded()] == ["v1/flow/files/validate_metadata"]


def test_fine_tunes_list_retrieve_events_cancel(org, alice):
    running = factories.create_fine_tune(org.team_a, org.alice.user, status="running")
    done = factories.create_fine_tune(org.team_a, org.bob.user, status="completed")
    jobs = {job.id: job for job in alice.fine_tuning.list().data}
    assert set(jobs) == {running.pk, done.pk}
    assert jobs[running.pk].status.value == "running"
    assert jobs[running.pk].accel_type.value == "H100"
    assert jobs[done.pk].user_id == str(org.bob.user.pk)

    assert alice.fine_tuning.retrieve(done.pk).status.value == "completed"
    events = alice.fine_tuning.list_events(done.pk)
    assert events.data and all(e.object.value == "fine-tune-event" for e in events.data)

    assert alice.fine_tuning.cancel(running.pk).status.value == "cancelled"
    with pytest.raises(ConflictError):
        alice.fine_tuning.cancel(done.pk)


def test_agents_create_list_retrieve_update_delete(org, alice):
    tool = factories.create_tool(org.team_a, org.alice.user, name="web", type="web_search")
    created = alice.agents.create(
        CreateAgentRequest(
            name="Helper",
            instructions="Be kind.",
            model_id=factories.DEFAULT_MODEL,
            tool_ids=[tool.pk],
        )
    )
    assert (created.status.value, created.user_id, created.team_id) == (
        "Active",
        str(org.alice.user.pk),
        org.team_a_id,
    )
    assert [t.id for t in created.tools] == [tool.pk]

    assert [a.id for a in alice.agents.list_agents()] == [created.id]
    assert alice.agents.retrieve(created.id).name == "Helper"
    updated = alice.agents.update(created.id, UpdateAgentRequest(name="Helper 2", tool_ids=[]))
    assert (updated.name, updated.tools) == ("Helper 2", [])

    assert alice.agents.delete(created.id).deleted is True
    assert alice.agents.list_agents() == []


def test_agents_with_every_tool_type_parse(org, alice):
    vdb = factories.create_vector_db(org.team_a, org.alice.user, name="kb")
    helper = factories.create_agent(org.team_a, org.alice.user, name="Inner")
    configs = {
        "file_search": {"file_search_index": vdb.pk},
        "web_search": None,
        "run_python": {"function_ids": ["fn-1"]},
        "agent_as_tool": {"agent_id": helper.pk},
        "mcp_connector": {"url": "https://mcp.example.com"},
    }
    tools = [
        factories.create_tool(org.team_a, org.alice.user, name=kind, type=kind, config=config)
        for kind, config in configs.items()
    ]
    agent = factories.create_agent(org.team_a, org.alice.user, name="Outer", tools=tools)
    parsed = alice.agents.retrieve(agent.pk)
    assert sorted(t.type.value for t in parsed.tools) == sorted(t.type for t in tools)
    listed = alice.tools.list()
    assert listed.total == 5
    assert {t.id for t in listed.data} == {t.pk for t in tools}


def test_tools_retrieve_delete_and_conflict(org, alice):
    free = factories.create_tool(org.team_a, org.alice.user, name="free")
    used = factories.create_tool(org.team_a, org.alice.user, name="used")
    factories.create_agent(org.team_a, org.alice.user, name="User of tools", tools=[used])
    assert alice.tools.retrieve(free.pk).user_id == str(org.alice.user.pk)
    assert alice.tools.delete(free.pk).deleted is True
    with pytest.raises(ConflictError):
        alice.tools.delete(used.pk)
    assert [t.id for t in alice.tools.list(offset=0, limit=10).data] == [used.pk]


def test_deployments_list_and_retrieve(org, alice):
    made = factories.create_deployment(org.team_a, org.bob.user, name="Serve it", status="Pending")
    listed = alice.deployments.list()
    assert [d.id for d in listed.data] == [made.pk]
    got = alice.deployments.retrieve(made.pk)
    assert (got.user_id, got.team_id, got.status.value) == (
        org.bob.user.pk,
        org.team_a_id,
        "Pending",
    )


def test_vector_databases_list_retrieve_files_delete(org, alice):
    files = [
        factories.create_file(org.team_a, org.alice.user, filename=f"d{i}.md", purpose="alignment")
        for i in range(2)
    ]
    vdb = factories.create_vector_db(org.team_a, org.alice.user, name="kb", files=files)
    listed = alice.vector_database.list()
    assert (listed.object, [v.id for v in listed.data]) == ("list", [vdb.pk])
    assert listed.data[0].file_count == 2
    assert alice.vector_database.retrieve(vdb.pk).size_in_bytes == sum(f.bytes for f in files)
    in_db = alice.vector_database.list_files(vdb.pk)
    assert {f.id for f in in_db.data} == {f.pk for f in files}
    assert alice.vector_database.delete(vdb.pk) is None
    assert alice.vector_database.list().data == []


def test_projects_list_and_retrieve(org, alice):
    project = factories.create_project(org.team_a, org.alice.user, name="Project one", runs=3)
    listed = alice.projects.list()
    assert [(p.id, p.runs, p.user_id) for p in listed.data] == [(project.pk, 3, org.alice.user.pk)]
    assert alice.projects.retrieve(project.pk).name == "Project one"


def test_data_jobs_list_retrieve_delete(org, alice):
    jobs = [factories.create_data_job(org.team_a, org.alice.user, name=n) for n in ("b", "a")]
    listed = alice.data_jobs.list(sort_by="name", sort_order="asc")
    assert [j.name for j in listed.data] == ["a", "b"]
    detail = alice.data_jobs.retrieve(jobs[0].pk)
    assert (detail.user_id, detail.status.value) == (str(org.alice.user.pk), "needs_review")
    assert alice.data_jobs.delete(jobs[0].pk) is None
    assert [j.id for j in alice.data_jobs.list().data] == [jobs[1].pk]


def test_threads_and_messages(org, alice):
    threads = alice.agents.threads
    thread = threads.create(topic="billing")
    assert thread.meta_data == {"topic": "billing"}
    assert [t.id for t in threads.list()] == [thread.id]
    assert threads.retrieve(thread.id).status.value == "available"

    first = threads.create_message(thread.id, "user", "hi")
    second = threads.create_message(thread.id, "user", [{"type": "input_text", "text": "again"}])
    assert first.id.startswith("msg-")
    assert [m.id for m in threads.list_messages(thread.id)] == [second.id, first.id]
    assert [m.id for m in threads.list_messages(thread.id, order="asc")] == [first.id, second.id]
    assert threads.retrieve_message(thread.id, first.id).content == "hi"
    assert threads.update_message(thread.id, first.id, content="hello").content == "hello"
    assert threads.delete_message(thread.id, first.id)["deleted"] is True
    assert threads.delete(thread.id)["deleted"] is True
    assert threads.list() == []


def test_run_without_streaming_answers_queued_then_completes(org, alice):
    agent = factories.create_agent(org.team_a, org.alice.user, name="Echo")
    thread = alice.agents.threads.create()
    alice.agents.threads.create_message(thread.id, "user", "ping pong")
    started = alice.agents.runs.run(agent.pk, thread.id)
    assert (started.thread_id, started.status) == (thread.id, "queued")
    run = alice.agents.runs.retrieve(started.run_id, thread.id)
    assert (run.status.value, run.agent_id) == ("completed", agent.pk)
    assert [r.id for r in alice.agents.runs.list(thread.id)] == [started.run_id]
    reply = alice.agents.threads.list_messages(thread.id)[0]
    assert (reply.role, reply.content) == ("assistant", "Echo here. You said: ping pong")


def test_streamed_run_sends_the_reply_word_by_word(org, alice):
    agent = factories.create_agent(org.team_a, org.alice.user, name="Echo")
    thread = alice.agents.threads.create()
    alice.agents.threads.create_message(thread.id, "user", "one two three")
    events = list(alice.agents.runs.run(agent.pk, thread.id, stream=True).raw_events())
    kinds = [e["type"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "finish"
    deltas = [e["delta"] for e in events if e["type"] == "text-delta"]
    assert "".join(deltas) == "Echo here. You said: one two three"
    assert len(deltas) == 7

    run = SandboxRun.objects.get(thread_id=thread.id)
    assert run.status == "completed"
    reply = alice.agents.threads.list_messages(thread.id)[0]
    assert (reply.role, reply.run_id, reply.content) == ("assistant", run.pk, "".join(deltas))


def test_streamed_run_stops_when_cancelled(org, alice, sdk, settings):
    settings.SANDBOX_STREAM_DELAY_MS = 40
    agent = factories.create_agent(org.team_a, org.alice.user, name="Slow")
    thread = alice.agents.threads.create()
    alice.agents.threads.create_message(thread.id, "user", " ".join(["word"] * 100))
    canceller = sdk(org.alice.key)  # another connection, as a second browser tab would be
    seen, cancelled = [], threading.Event()
    for event in alice.agents.runs.run(agent.pk, thread.id, stream=True).raw_events():
        seen.append(event)
        if event["type"] == "text-delta" and not cancelled.is_set():
            run_id = next(e["data"]["run_id"] for e in seen if e["type"] == "data-run")
            answer = canceller.agents.runs.cancel(agent.pk, run_id, thread.id)
            assert answer["status"] == "cancelled"
            cancelled.set()
    assert seen[-1] == {"type": "error", "errorText": "The run was cancelled."}
    assert sum(e["type"] == "text-delta" for e in seen) < 20
    run = alice.agents.runs.retrieve(run_id, thread.id)
    assert run.status.value == "cancelled"
    assert alice.agents.threads.retrieve(thread.id).active_run_id is None
    assert not SandboxMessage.objects.filter(thread_id=thread.id, role="assistant").exists()


def test_run_needs_an_agent_of_one_of_the_callers_teams(org, sdk):
    outsider_agent = factories.create_agent(org.team_b, org.bob.user, name="Bob's")
    carol = sdk(org.carol.key)
    thread = carol.agents.threads.create()
    with pytest.raises(InvalidRequestError) as caught:
        carol.agents.runs.run(outsider_agent.pk, thread.id)
    assert caught.value.http_status == 404
