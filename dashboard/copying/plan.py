"""What copying a resource into another team takes: every upstream object to create there, in
an order where each comes after what it depends on.

The upstream has no copy: a resource of one team is recreated in another, and whatever it
refers to (an agent's tools, a tool's vector database or Python functions, a vector
database's files) must exist there first, as a copy or as an equivalent the person picks in
the target team (``with_mapping``). A plan is read from the source team (``build_plan``, given
a ``Source`` that retrieves items) and is pure data from then on: the page shows it, the job
runs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Protocol

from dashboard.upstream import catalog
from dashboard.upstream.errors import NotFoundError

COPY = "copy"  # create it in the target team
MAP = "map"  # use an existing resource of the target team instead
INGEST = "ingest"  # read the copied files into the copied vector database
ADD_FILES = "add-files"  # give the copied data job its copied files
CANNOT = "cannot"  # the upstream cannot recreate it (trained weights)

MAPPABLE = frozenset({"vector-dbs", "tools", "python-functions"})
COPYABLE = frozenset(
    {"files", "python-functions", "vector-dbs", "tools", "agents", "projects", "data-jobs"}
)


class Source(Protocol):
    """Reads the source team: an item of a kind, and the files of a vector database."""

    def retrieve(self, kind: str, resource_id: str) -> dict: ...

    def vector_db_files(self, resource_id: str) -> list[dict]: ...


@dataclass(frozen=True)
class Node:
    """One thing to do in the target team."""

    kind: str  # the catalog slug of what is created (or mapped)
    source_id: str
    name: str
    action: str = COPY
    depends_on: tuple[str, ...] = ()  # keys of the nodes it needs first
    bytes: int | None = None  # content to stream (files)
    note: str = ""
    mapped_to: str = ""  # with MAP: the target team's resource used instead

    @property
    def key(self) -> str:
        suffix = "" if self.action in (COPY, MAP, CANNOT) else f":{self.action}"
        return f"{self.kind}:{self.source_id}{suffix}"

    @property
    def mappable(self) -> bool:
        return self.kind in MAPPABLE and self.action in (COPY, MAP)

    @property
    def label(self) -> str:
        """What the step does, in words."""
        name = f"“{self.name}”"
        if self.action == MAP:
            return f"Use the target team's existing {singular(self.kind)} instead of {name}"
        if self.action == INGEST:
            return f"Read the copied files into the vector database {name}"
        if self.action == ADD_FILES:
            return f"Give the data job {name} its copied files"
        if self.action == CANNOT:
            return f"The {singular(self.kind)} {name} cannot be copied"
        return f"Copy the {singular(self.kind)} {name}"


SINGULAR = {
    "files": "file",
    "python-functions": "Python function",
    "vector-dbs": "vector database",
    "tools": "tool",
    "agents": "agent",
    "projects": "project",
    "data-jobs": "data job",
    "fine-tunes": "fine-tune",
    "deployments": "deployment",
}


@dataclass
class Plan:
    """The nodes in the order they run (dependencies first), each root after what it needs.

    A plan copies one resource (``kind``, ``source_id``) or several (``roots``, from
    ``build_plan_many``: ``kind`` is then the kind they share, or "")."""

    kind: str
    source_id: str
    name: str
    nodes: list[Node] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    follow_up: dict | None = None  # what to open once the copy is done (a prefilled form)
    missing: set[str] = field(default_factory=set)  # keys of what it refers to but cannot copy
    roots: tuple[str, ...] = ()  # keys of what was asked to be copied (never mapped away)

    @property
    def possible(self) -> bool:
        """Something asked for can be copied (else only what a fine-tune needs is)."""
        return bool(self.roots)

    @property
    def bytes(self) -> int:
        return sum(n.bytes or 0 for n in self.nodes if n.action == COPY)

    def node(self, key: str) -> Node | None:
        return next((n for n in self.nodes if n.key == key), None)

    def add(self, node: Node) -> str:
        """Add a node once (a file two vector databases share is copied once)."""
        if self.node(node.key) is None:
            self.nodes.append(node)
        return node.key


def singular(kind: str) -> str:
    """A kind's name for one of it, in the copy's words."""
    known = catalog.get(kind)
    return SINGULAR.get(kind) or (known.singular if known else kind)


def recreated(kind: str) -> bool:
    """A kind copied by creating it anew from its own fields (it refers to nothing)."""
    known = catalog.get(kind)
    return bool(known and known.copy_fields and known.create_form)


def copyable(kind: str) -> bool:
    return kind in COPYABLE or recreated(kind)


def lower_keys(value) -> dict:
    return {str(k).lower(): v for k, v in value.items()} if isinstance(value, dict) else {}


def _name(item: dict, *fields: str) -> str:
    for name in (*fields, "name", "id"):
        if item.get(name):
            return str(item[name])
    return ""


def build_plan(source: Source, kind: str, resource_id: str) -> Plan:
    """Read the resource and everything it depends on from the source team."""
    item = source.retrieve(kind, resource_id)
    plan = Plan(kind, resource_id, _name(item, "filename", "experiment_name"))
    if copyable(kind):
        plan.roots = (f"{kind}:{resource_id}",)
    _adder(kind)(plan, source, item)
    return plan


def build_plan_many(
    source: Source, wanted: Iterable[tuple[str, str]], names: dict[str, str] | None = None
) -> Plan:
    """One plan copying several resources (``wanted``: kind, id), what they share copied once.
    What cannot be copied, or is gone, is left out with a note naming it (``names``: plan key →
    name, where the caller knows it)."""
    wanted = list(dict.fromkeys(wanted))
    names = names or {}
    kinds = {kind for kind, _ in wanted}
    kind = kinds.pop() if len(kinds) == 1 else ""
    plan = Plan(kind, "", f"{len(wanted)} {singular(kind) if kind else 'resource'}s")
    roots, cannot = [], []
    for kind, resource_id in wanted:
        key = f"{kind}:{resource_id}"
        named = f"the {singular(kind)} “{names.get(key) or resource_id}”"
        if not copyable(kind):
            cannot.append(named)
            continue
        if key in plan.missing:  # gone, as a dependency of one before it has said
            continue
        if plan.node(key) is None:
            try:
                item = source.retrieve(kind, resource_id)
            except NotFoundError:
                plan.notes.append(
                    f"{named[0].upper()}{named[1:]} is no longer in the team: left out."
                )
                continue
            key = _adder(kind)(plan, source, item)
        if key is not None:
            roots.append(key)
    if cannot:
        plan.notes.insert(
            0,
            "Left out, as the upstream cannot move trained weights or served models between "
            f"teams: {', '.join(cannot)}.",
        )
    plan.roots = tuple(roots)
    if len(wanted) == 1 and roots:
        only = plan.node(roots[0])
        plan.name, plan.source_id = only.name, only.source_id
    return plan


def _file(plan: Plan, item: dict) -> str:
    return plan.add(
        Node(
            "files",
            str(item.get("id")),
            _name(item, "filename"),
            bytes=item.get("bytes") if isinstance(item.get("bytes"), int) else None,
        )
    )


def _depend(plan: Plan, source: Source, kind: str, resource_id: str, add) -> str | None:
    """The plan key of a dependency, read from the source team once; None (with a note) when
    it is no longer there, or when it cannot be part of a copy."""
    key = f"{kind}:{resource_id}"
    if plan.node(key) is not None:
        return key
    try:
        item = source.retrieve(kind, resource_id)
    except NotFoundError:
        plan.notes.append(
            f"The {singular(kind)} {resource_id} it uses is no longer in the team: the copy "
            "goes without it."
        )
        plan.missing.add(key)
        return None
    return add(plan, source, item)


def _file_by_id(plan: Plan, source: Source, file_id: str) -> str | None:
    return _depend(plan, source, "files", file_id, _plain_file)


def _function(plan: Plan, source: Source, item: dict) -> str:
    return plan.add(Node("python-functions", str(item.get("id")), _name(item)))


def _vector_db(plan: Plan, source: Source, item: dict) -> str:
    vdb_id = str(item.get("id"))
    key = f"vector-dbs:{vdb_id}"
    if plan.node(key) is not None:
        return key
    listed = source.vector_db_files(vdb_id)
    files = _present(_file_by_id(plan, source, str(f.get("id"))) for f in listed)
    plan.add(Node("vector-dbs", vdb_id, _name(item)))
    if files:
        plan.add(Node("vector-dbs", vdb_id, _name(item), INGEST, depends_on=(key, *files)))
    return key


def _present(keys) -> tuple[str, ...]:
    return tuple(dict.fromkeys(key for key in keys if key))


def _tool(plan: Plan, source: Source, item: dict) -> str | None:
    tool_id = str(item.get("id"))
    key = f"tools:{tool_id}"
    if plan.node(key) is not None:
        return key
    config = lower_keys(item.get("config"))
    kind = str(item.get("type") or "")
    note = ""
    if kind == "agent_as_tool":
        plan.notes.append(
            f"The tool “{_name(item)}” hands questions to an agent of the source team, which "
            "another team cannot call: it is left out of the copy. Make one for an agent of the "
            "target team there."
        )
        plan.missing.add(key)
        return None
    needs: tuple[str, ...] = ()
    if kind == "file_search" and config.get("file_search_index"):
        vdb = _depend(plan, source, "vector-dbs", str(config["file_search_index"]), _vector_db)
        if vdb is None:  # a search tool without its database cannot be made
            plan.missing.add(key)
            return None
        needs = (vdb,)
    if kind == "run_python":
        needs = _present(
            _depend(plan, source, "python-functions", str(function_id), _function)
            for function_id in config.get("function_ids") or ()
        )
    if kind == "mcp_connector":
        note = (
            "The MCP server's client secret cannot be read back from the upstream: enter it "
            "again on the copy's Edit page."
        )
    plan.add(Node("tools", tool_id, _name(item), depends_on=needs, note=note))
    return key


def _agent(plan: Plan, source: Source, item: dict) -> str:
    tools = _present(
        _depend(plan, source, "tools", str(tool.get("id")), _tool)
        for tool in item.get("tools") or ()
        if isinstance(tool, dict) and tool.get("id")
    )
    return plan.add(Node("agents", str(item.get("id")), _name(item), depends_on=tools))


def _project(plan: Plan, source: Source, item: dict) -> str:
    return plan.add(Node("projects", str(item.get("id")), _name(item)))


def _data_job(plan: Plan, source: Source, item: dict) -> str:
    job_id = str(item.get("id"))
    vdb_id = item.get("vector_database_id")
    needs = _present(
        [_depend(plan, source, "vector-dbs", str(vdb_id), _vector_db)] if vdb_id else []
    )
    files = _present(
        _file_by_id(plan, source, str(f.get("file_id") or f.get("id")))
        for f in item.get("files") or ()
        if isinstance(f, dict)
    )
    key = plan.add(Node("data-jobs", job_id, _name(item), depends_on=needs))
    if files:
        plan.add(Node("data-jobs", job_id, _name(item), ADD_FILES, depends_on=(key, *files)))
    return key


def _plain_file(plan: Plan, source: Source, item: dict) -> str:
    return _file(plan, item)


def _cannot(plan: Plan, source: Source, item: dict) -> None:
    """Fine-tunes and deployments: trained weights cannot move between teams."""
    what = "trained weights" if plan.kind == "fine-tunes" else "a served model"
    plan.notes.append(
        f"A {singular(plan.kind)} cannot be copied: the upstream cannot move "
        f"{what} between teams."
    )
    if plan.kind == "fine-tunes":
        files = {
            name: list(_present(_file_by_id(plan, source, str(f)) for f in item.get(name) or ()))
            for name in ("training_files", "validation_files")
        }
        plan.follow_up = {
            "kind": "fine-tunes",
            "label": "Start a fine-tune with the copied files",
            "values": {
                name: item[name]
                for name in ("model", "n_epochs", "experiment_name", "accel_type", "n_accel")
                if item.get(name) is not None
            },
            "files": files,
        }
        plan.notes.append(
            "Copy its training files instead, then start a new fine-tune in the target team "
            "with the same settings (the form opens filled in)."
        )
    else:
        plan.notes.append(
            "Deploy the same base model, or a fine-tune of the target team, there instead."
        )


def _adder(kind: str):
    """How a resource of ``kind`` enters a plan: with what it depends on, alone, or not."""
    if kind in _ADDERS:
        return _ADDERS[kind]
    return partial(_alone, kind) if recreated(kind) else _cannot


def _alone(kind: str, plan: Plan, source: Source, item: dict) -> str:
    """A resource that refers to nothing (a RunGen.AI app): copied by itself."""
    return plan.add(Node(kind, str(item.get("id")), _name(item)))


_ADDERS = {
    "files": _plain_file,
    "python-functions": _function,
    "vector-dbs": _vector_db,
    "tools": _tool,
    "agents": _agent,
    "projects": _project,
    "data-jobs": _data_job,
}


def with_mapping(plan: Plan, mapping: dict[str, str]) -> Plan:
    """The plan with some mappable nodes swapped for existing target resources (``mapping``:
    node key → target id), and what only those needed left out."""
    nodes = [
        replace(n, action=MAP, mapped_to=mapping[n.key], depends_on=())
        if n.mappable and n.key not in plan.roots and mapping.get(n.key)
        else n
        for n in plan.nodes
    ]
    by_key = {n.key: n for n in nodes}
    needed: set[str] = set()
    # With nothing copyable asked for (a fine-tune), what is copied instead stands alone.
    _reach(plan.roots or list(by_key), by_key, needed)
    return replace(
        plan,
        nodes=[n for n in nodes if n.key in needed],
        notes=list(plan.notes),
        missing=set(plan.missing),
    )


def _reach(keys: Iterable[str], by_key: dict[str, Node], seen: set[str]) -> None:
    for key in keys:
        if key in seen or key not in by_key:
            continue
        seen.add(key)
        node = by_key[key]
        _reach(node.depends_on, by_key, seen)
        if node.action == COPY:  # what completes the copy: reading in its files, adding them
            completions = [
                n.key
                for n in by_key.values()
                if (n.kind, n.source_id) == (node.kind, node.source_id)
                and n.action in (INGEST, ADD_FILES)
            ]
            _reach(completions, by_key, seen)
