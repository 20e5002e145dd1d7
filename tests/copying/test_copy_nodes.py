"""Copying each kind into another team over real HTTP against the sandbox: what the target
team holds afterwards, and that every reference in it points inside the target team."""

from __future__ import annotations

import pytest

from dashboard.accounts import services as keys
from dashboard.audit.models import ActionLog
from dashboard.copying.plan import build_plan, with_mapping
from dashboard.copying.services import CopyContext, copy_node
from dashboard.copying.sources import UpstreamSource
from dashboard.sandbox import factories
from dashboard.sandbox.models import (
    SandboxAgent,
    SandboxDataJob,
    SandboxFile,
    SandboxPythonFunction,
    SandboxTool,
    SandboxVectorDB,
)
from dashboard.teams.workspace import Team
from dashboard.upstream.catalog import FILES, VECTOR_DBS
from tests.conftest import make_dashboard_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bob_copies(org, settings):
    """Bob, in Teams A and B, copying from A into B with his own key."""
    settings.SANDBOX_JOB_STEP_SECONDS = 0
    user = make_dashboard_user("bob", member=org.bob)
    client = keys.client_for_key(user.api_keys.get())
    return CopyContext(
        user=user,
        source=client.for_team(str(org.team_a.pk)),
        target=client.for_team(str(org.team_b.pk)),
        source_team=Team(str(org.team_a.pk), "Team A"),
        target_team=Team(str(org.team_b.pk), "Team B"),
    )


def run(context: CopyContext, kind: str, resource_id: str, mapping=None) -> dict[str, str]:
    plan = with_mapping(
        build_plan(UpstreamSource(context.source), kind, resource_id), mapping or {}
    )
    ids: dict[str, str] = {}
    for node in plan.nodes:
        ids[node.key] = copy_node(context=context, node=node, ids=ids)["id"]
    return ids


def test_a_file_is_copied_with_its_content_name_and_purpose(org, bob_copies):
    content = b'{"prompt": "Hi", "completion": "Hello"}\n' * 1000
    original = factories.create_file(
        org.team_a, org.alice.sandbox_user, filename="train.jsonl", content=content
    )

    ids = run(bob_copies, "files", original.pk)

    copy = SandboxFile.objects.get(pk=ids[f"files:{original.pk}"])
    assert copy.team == org.team_b and copy.creator == org.bob.sandbox_user
    assert (copy.filename, copy.purpose, copy.bytes) == ("train.jsonl", "fine-tune", len(content))
    assert bob_copies.target.resources.content(FILES, copy.pk).response.content == content
    (entry,) = ActionLog.objects.filter(action=ActionLog.Action.RESOURCE_CREATED)
    assert entry.team_id == str(org.team_b.pk) and entry.resource_id == copy.pk
    assert "Copied from Team A" in entry.detail and original.pk in entry.detail


def test_an_agent_comes_with_its_tools_vector_database_functions_and_files(org, bob_copies):
    alice = org.alice.sandbox_user
    one = factories.create_file(org.team_a, alice, filename="one.md", purpose="alignment")
    two = factories.create_file(org.team_a, alice, filename="two.md", purpose="alignment")
    vdb = factories.create_vector_db(org.team_a, alice, name="Handbook", files=[one, two])
    function = factories.create_python_function(
        org.team_a, alice, name="adder", code="def add(a, b):\n    return a + b\n"
    )
    search = factories.create_tool(
        org.team_a, alice, name="docs", type="file_search", config={"file_search_index": vdb.pk}
    )
    python = factories.create_tool(
        org.team_a, alice, name="py", type="run_python", config={"function_ids": [function.pk]}
    )
    agent = factories.create_agent(
        org.team_a,
        alice,
        name="Librarian",
        instructions="Use the handbook.",
        tools=[search, python],
    )

    ids = run(bob_copies, "agents", agent.pk)

    copy = SandboxAgent.objects.get(pk=ids[f"agents:{agent.pk}"])
    assert copy.team == org.team_b
    assert (copy.name, copy.instructions, copy.model_id) == (
        "Librarian",
        "Use the handbook.",
        agent.model_id,
    )
    tools = {t.name: t for t in copy.tools.all()}
    assert set(tools) == {"docs", "py"} and all(t.team == org.team_b for t in tools.values())
    config = {k.lower(): v for k, v in tools["docs"].config.items()}
    vdb_copy = SandboxVectorDB.objects.get(pk=config["file_search_index"])
    assert vdb_copy.team == org.team_b and vdb_copy.name == "Handbook"
    functions = {k.lower(): v for k, v in tools["py"].config.items()}["function_ids"]
    (function_copy,) = SandboxPythonFunction.objects.filter(pk__in=functions)
    assert function_copy.team == org.team_b and function_copy.code == function.code
    bob_copies.target.resources.retrieve(  # reading the database settles its ingestion
        VECTOR_DBS, vdb_copy.pk
    )
    files = SandboxFile.objects.filter(pk__in=vdb_copy.files.values("file_id"))
    assert sorted(f.filename for f in files) == ["one.md", "two.md"]
    assert {f.team for f in files} == {org.team_b}
    assert SandboxFile.objects.filter(team=org.team_a).count() == 2  # the source is untouched


def test_a_dependency_mapped_to_an_existing_one_is_used_not_copied(org, bob_copies):
    alice = org.alice.sandbox_user
    vdb = factories.create_vector_db(
        org.team_a, alice, name="Handbook", files=[factories.create_file(org.team_a, alice)]
    )
    tool = factories.create_tool(
        org.team_a, alice, name="docs", type="file_search", config={"file_search_index": vdb.pk}
    )
    existing = factories.create_vector_db(org.team_b, org.bob.sandbox_user, name="Their handbook")

    ids = run(bob_copies, "tools", tool.pk, {f"vector-dbs:{vdb.pk}": existing.pk})

    copy = SandboxTool.objects.get(pk=ids[f"tools:{tool.pk}"])
    assert {k.lower(): v for k, v in copy.config.items()}["file_search_index"] == existing.pk
    assert SandboxVectorDB.objects.filter(team=org.team_b).count() == 1  # nothing else made
    assert not SandboxFile.objects.filter(team=org.team_b).exists()


def test_a_data_job_is_recreated_with_copies_of_its_files(org, bob_copies):
    alice = org.alice.sandbox_user
    doc = factories.create_file(org.team_a, alice, filename="doc.md", purpose="alignment")
    job = factories.create_data_job(org.team_a, alice, name="Prep", instructions="Be kind.")
    job.files.create(file=doc)

    ids = run(bob_copies, "data-jobs", job.pk)

    copy = SandboxDataJob.objects.get(pk=ids[f"data-jobs:{job.pk}"])
    assert copy.team == org.team_b and copy.name == "Prep"
    (copied_file,) = copy.files.all()
    assert copied_file.file.team == org.team_b and copied_file.file.filename == "doc.md"
