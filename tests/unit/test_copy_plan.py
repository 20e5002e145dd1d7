"""Copy plans as pure logic: what must exist in the target team, in which order, and what a
mapping to existing target resources leaves out (``dashboard/copying/plan.py``)."""

from __future__ import annotations

from dashboard.copying.plan import (
    ADD_FILES,
    CANNOT,
    COPY,
    INGEST,
    MAP,
    build_plan,
    build_plan_many,
    with_mapping,
)
from dashboard.upstream.errors import NotFoundError


class FakeSource:
    def __init__(self, items: dict[tuple[str, str], dict], vdb_files: dict[str, list[str]]):
        self.items = items
        self.vdb_files = vdb_files

    def retrieve(self, kind: str, resource_id: str) -> dict:
        if (kind, resource_id) not in self.items:
            raise NotFoundError()
        return self.items[(kind, resource_id)]

    def vector_db_files(self, resource_id: str) -> list[dict]:
        return [{"id": file_id} for file_id in self.vdb_files.get(resource_id, [])]


def team() -> FakeSource:
    items = {
        ("files", "f-1"): {"id": "f-1", "filename": "a.md", "bytes": 10},
        ("files", "f-2"): {"id": "f-2", "filename": "b.md", "bytes": 20},
        ("vector-dbs", "v-1"): {"id": "v-1", "name": "Handbook"},
        ("vector-dbs", "v-2"): {"id": "v-2", "name": "Policies"},
        ("python-functions", "fn-1"): {"id": "fn-1", "name": "adder"},
        ("tools", "t-docs"): {
            "id": "t-docs",
            "name": "docs",
            "type": "file_search",
            "config": {"FILE_SEARCH_INDEX": "v-1"},
        },
        ("tools", "t-more"): {
            "id": "t-more",
            "name": "more",
            "type": "file_search",
            "config": {"file_search_index": "v-2"},
        },
        ("tools", "t-py"): {
            "id": "t-py",
            "name": "py",
            "type": "run_python",
            "config": {"function_ids": ["fn-1"]},
        },
        ("agents", "a-1"): {
            "id": "a-1",
            "name": "Librarian",
            "tools": [{"id": "t-docs"}, {"id": "t-more"}, {"id": "t-py"}],
        },
        ("fine-tunes", "ft-1"): {
            "id": "ft-1",
            "experiment_name": "tone",
            "training_files": ["f-1"],
            "validation_files": ["f-2"],
        },
        ("data-jobs", "dj-1"): {"id": "dj-1", "name": "Prep", "files": [{"file_id": "f-2"}]},
    }
    return FakeSource(items, {"v-1": ["f-1", "f-2"], "v-2": ["f-2"]})


def keys(plan) -> list[str]:
    return [node.key for node in plan.nodes]


def test_an_agent_is_copied_after_its_tools_and_all_they_need():
    plan = build_plan(team(), "agents", "a-1")

    assert keys(plan) == [
        "files:f-1",
        "files:f-2",
        "vector-dbs:v-1",
        "vector-dbs:v-1:ingest",
        "tools:t-docs",
        "vector-dbs:v-2",
        "vector-dbs:v-2:ingest",
        "tools:t-more",
        "python-functions:fn-1",
        "tools:t-py",
        "agents:a-1",
    ]  # a file two databases share is copied once
    assert plan.node("vector-dbs:v-1:ingest").depends_on == (
        "vector-dbs:v-1",
        "files:f-1",
        "files:f-2",
    )
    assert plan.bytes == 30
    assert [n.label for n in plan.nodes][-1] == "Copy the agent “Librarian”"


def test_each_node_comes_after_what_it_depends_on():
    plan = build_plan(team(), "agents", "a-1")
    seen: set[str] = set()
    for node in plan.nodes:
        assert set(node.depends_on) <= seen, node.key
        seen.add(node.key)


def test_a_dependency_mapped_to_an_existing_one_leaves_out_what_only_it_needed():
    plan = build_plan(team(), "agents", "a-1")

    mapped = with_mapping(plan, {"vector-dbs:v-1": "target-vdb", "tools:t-py": "target-tool"})

    assert keys(mapped) == [
        "files:f-2",
        "vector-dbs:v-1",
        "tools:t-docs",
        "vector-dbs:v-2",
        "vector-dbs:v-2:ingest",
        "tools:t-more",
        "tools:t-py",
        "agents:a-1",
    ]  # f-1 and the function went with what they served; f-2 is still needed by v-2
    vdb = mapped.node("vector-dbs:v-1")
    assert (vdb.action, vdb.mapped_to, vdb.depends_on) == (MAP, "target-vdb", ())
    assert mapped.node("tools:t-py").action == MAP


def test_only_dependencies_can_be_mapped_and_unknown_keys_are_ignored():
    plan = build_plan(team(), "agents", "a-1")

    mapped = with_mapping(plan, {"agents:a-1": "x", "files:f-1": "y", "nothing:here": "z"})

    assert keys(mapped) == keys(plan)
    assert all(node.action != MAP for node in mapped.nodes)


def test_a_fine_tune_cannot_be_copied_but_its_files_can():
    plan = build_plan(team(), "fine-tunes", "ft-1")

    assert not plan.possible
    assert keys(plan) == ["files:f-1", "files:f-2"]
    assert "cannot be copied" in plan.notes[0]
    assert keys(with_mapping(plan, {})) == ["files:f-1", "files:f-2"]


def test_a_data_job_gets_its_files_after_it_is_recreated():
    plan = build_plan(team(), "data-jobs", "dj-1")

    assert keys(plan) == ["files:f-2", "data-jobs:dj-1", "data-jobs:dj-1:add-files"]
    assert [n.action for n in plan.nodes] == [COPY, COPY, ADD_FILES]


def test_a_vector_database_without_files_needs_no_ingestion():
    source = team()
    source.vdb_files["v-1"] = []

    plan = build_plan(source, "vector-dbs", "v-1")

    assert keys(plan) == ["vector-dbs:v-1"]
    assert INGEST not in {n.action for n in plan.nodes} and CANNOT not in plan.notes


def test_what_is_copied_itself_is_never_swapped_for_an_existing_one():
    plan = build_plan(team(), "vector-dbs", "v-1")

    mapped = with_mapping(plan, {"vector-dbs:v-1": "target-vdb"})

    assert keys(mapped) == keys(plan)
    assert [n.action for n in mapped.nodes] == [COPY, COPY, COPY, INGEST]


def test_a_tool_handing_over_to_an_agent_is_left_out_with_a_note():
    source = team()
    source.items[("tools", "t-agent")] = {"id": "t-agent", "name": "ask", "type": "agent_as_tool"}
    source.items[("agents", "a-2")] = {"id": "a-2", "name": "Router", "tools": [{"id": "t-agent"}]}

    plan = build_plan(source, "agents", "a-2")

    assert keys(plan) == ["agents:a-2"]
    assert plan.node("agents:a-2").depends_on == ()
    assert "left out of the copy" in plan.notes[0] and "tools:t-agent" in plan.missing


def test_a_dependency_no_longer_there_is_named_and_left_out():
    source = team()
    del source.items[("files", "f-2")]
    del source.items[("python-functions", "fn-1")]

    plan = build_plan(source, "agents", "a-1")

    assert "files:f-2" not in keys(plan) and "python-functions:fn-1" not in keys(plan)
    assert plan.node("tools:t-py").depends_on == ()
    assert plan.node("vector-dbs:v-1:ingest").depends_on == ("vector-dbs:v-1", "files:f-1")
    assert any("f-2 it uses is no longer in the team" in note for note in plan.notes)
    assert {"files:f-2", "python-functions:fn-1"} <= plan.missing


def test_each_dependency_is_read_once():
    source = team()
    reads: list[tuple[str, str]] = []
    retrieve = source.retrieve
    source.retrieve = lambda kind, rid: reads.append((kind, rid)) or retrieve(kind, rid)

    build_plan(source, "agents", "a-1")

    assert len(reads) == len(set(reads))


def test_several_resources_share_one_plan_each_dependency_once():
    source = team()
    reads: list[tuple[str, str]] = []
    retrieve = source.retrieve
    source.retrieve = lambda kind, rid: reads.append((kind, rid)) or retrieve(kind, rid)

    plan = build_plan_many(
        source, [("agents", "a-1"), ("tools", "t-docs"), ("files", "f-1"), ("tools", "t-docs")]
    )

    assert plan.roots == ("agents:a-1", "tools:t-docs", "files:f-1")
    assert len(reads) == len(set(reads))  # the agent's tool, also asked for, read once
    assert keys(plan).index("tools:t-docs") < keys(plan).index("agents:a-1")
    assert plan.name == "3 resources" and plan.possible


def test_of_several_one_gone_as_a_dependency_is_not_read_again():
    source = team()
    del source.items[("python-functions", "fn-1")]
    reads: list[tuple[str, str]] = []
    retrieve = source.retrieve
    source.retrieve = lambda kind, rid: reads.append((kind, rid)) or retrieve(kind, rid)

    plan = build_plan_many(source, [("tools", "t-py"), ("python-functions", "fn-1")])

    assert reads.count(("python-functions", "fn-1")) == 1
    assert sum("fn-1" in note for note in plan.notes) == 1
    assert plan.roots == ("tools:t-py",)


def test_of_several_a_root_is_never_mapped_though_another_depends_on_it():
    plan = build_plan_many(team(), [("vector-dbs", "v-1"), ("tools", "t-docs")])

    mapped = with_mapping(plan, {"vector-dbs:v-1": "target-vdb", "vector-dbs:v-2": "other"})

    assert [n.action for n in mapped.nodes if n.kind == "vector-dbs"] == [COPY, INGEST]
    assert plan.name == "2 resources"


def test_of_several_what_cannot_move_or_is_gone_is_left_out_with_a_note():
    plan = build_plan_many(
        team(),
        [("fine-tunes", "ft-1"), ("files", "gone"), ("deployments", "d-1")],
        {"fine-tunes:ft-1": "tone"},
    )

    assert keys(plan) == [] and not plan.possible
    assert plan.notes[0] == (
        "Left out, as the upstream cannot move trained weights or served models between teams: "
        "the fine-tune “tone”, the deployment “d-1”."
    )
    assert plan.notes[1] == "The file “gone” is no longer in the team: left out."
    assert not plan.missing
