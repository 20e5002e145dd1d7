"""The catalog of upstream resource kinds: each kind described once, declaratively.

Generic list/detail/delete views, the overview, the audit and the service layer all read this
registry; adding a kind is one :func:`register` call. Paths, wrappings, pagination styles and
owner fields follow ``upstream-contract.md`` (the official ``seekrai`` SDK's wire contract).

Scope decides the team header: ``TEAM`` calls carry ``x-team-id`` of the active team, ``USER``
calls (threads, their messages and runs) never do. The one exception inside the threads family
is *starting* an agent run: it names a team-owned agent, so it is a ``TEAM`` call carrying the
agent's team (see :data:`THREAD_CALLS`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field


class Scope(enum.Enum):
    TEAM = "team"  # sent with the active team's x-team-id
    USER = "user"  # owned by the user; never sent with x-team-id


class Wrapping(enum.Enum):
    DATA = "data"  # {"data": [...]} (optionally "total")
    OBJECT_DATA = "object_data"  # {"object": "list", "data": [...]}
    BARE = "bare"  # a bare JSON array


class Pagination(enum.Enum):
    LIMIT_OFFSET = "limit_offset"
    SKIP_LIMIT = "skip_limit"
    LIMIT_ORDER = "limit_order"  # no offset: a page is "the newest N"
    NONE = "none"  # the upstream returns everything; the dashboard pages it


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    format: str = "text"  # text | id | datetime | status | bytes | number | owner | team


@dataclass(frozen=True)
class Relation:
    """A field holding ids of another kind (e.g. a fine-tune's training files)."""

    field: str
    kind: str
    label: str
    id_key: str | None = None  # for lists of objects: the key holding the id


@dataclass(frozen=True)
class SubList:
    """A list nested under one resource (e.g. a vector database's files)."""

    label: str
    path: str  # with {id}
    wrapping: Wrapping
    columns: tuple[Column, ...]
    link_kind: str | None = None  # kind whose detail page an item's link_field opens
    link_field: str = "id"


@dataclass(frozen=True)
class Action:
    """A state change offered on a detail page (delete is described separately)."""

    name: str
    label: str
    method: str
    path: str  # with {id}
    allowed_statuses: frozenset[str]
    confirm: str  # the question asked before doing it


@dataclass(frozen=True)
class ResourceKind:
    slug: str  # URL segment: /r/<slug>/
    label: str  # plural, for headings and navigation
    singular: str
    scope: Scope
    list_path: str
    detail_path: str  # with {id}
    wrapping: Wrapping
    pagination: Pagination
    columns: tuple[Column, ...]
    id_field: str = "id"
    name_field: str = "name"
    owner_field: str | None = "user_id"
    team_field: str | None = "team_id"
    created_field: str = "created_at"
    status_field: str | None = "status"
    final_statuses: frozenset[str] = frozenset()
    delete_path: str | None = None  # None: the kind cannot be deleted from the dashboard
    list_params: dict[str, str] = field(default_factory=dict)  # sent with every list call
    max_page_size: int = 100  # the largest page the upstream accepts
    server_sort: dict[str, str] = field(default_factory=dict)  # column key -> upstream sort_by
    relations: tuple[Relation, ...] = ()
    sub_lists: tuple[SubList, ...] = ()
    actions: tuple[Action, ...] = ()
    content_path: str | None = None  # with {id}: downloadable content
    in_overview: bool = True
    description: str = ""

    @property
    def deletable(self) -> bool:
        return self.delete_path is not None

    @property
    def team_scoped(self) -> bool:
        return self.scope is Scope.TEAM

    def item_id(self, item: dict) -> str:
        return str(item.get(self.id_field, ""))

    def item_name(self, item: dict) -> str:
        value = item.get(self.name_field)
        return str(value) if value not in (None, "") else self.item_id(item)

    def item_owner(self, item: dict) -> str:
        value = item.get(self.owner_field) if self.owner_field else None
        return "" if value is None else str(value)

    def item_team(self, item: dict) -> str:
        value = item.get(self.team_field) if self.team_field else None
        return "" if value is None else str(value)

    def item_status(self, item: dict) -> str:
        value = item.get(self.status_field) if self.status_field else None
        return "" if value is None else str(value)

    def is_final(self, item: dict) -> bool:
        """Whether the item's status will not change by itself (no polling needed)."""
        if not self.status_field or not self.final_statuses:
            return True
        return self.item_status(item) in self.final_statuses

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)


class AlreadyRegistered(Exception):
    pass


_registry: dict[str, ResourceKind] = {}


def register(kind: ResourceKind) -> ResourceKind:
    if kind.slug in _registry:
        raise AlreadyRegistered(kind.slug)
    _registry[kind.slug] = kind
    return kind


def get(slug: str) -> ResourceKind | None:
    return _registry.get(slug)


def all_kinds() -> Iterator[ResourceKind]:
    return iter(_registry.values())


def team_kinds() -> list[ResourceKind]:
    return [k for k in _registry.values() if k.scope is Scope.TEAM]


# --- Column sets ----------------------------------------------------------------------------
ID = Column("id", "ID", "id")
NAME = Column("name", "Name")
STATUS = Column("status", "Status", "status")
CREATED = Column("created_at", "Created", "datetime")
UPDATED = Column("updated_at", "Updated", "datetime")
TEAM = Column("team_id", "Team", "team")
CREATOR = Column("user_id", "Creator", "owner")

JOB_FINAL = frozenset({"cancelled", "failed", "completed", "deleted", "stopped"})
AGENT_FINAL = frozenset({"Inactive", "Active", "Failed"})
DEPLOYMENT_FINAL = frozenset({"Inactive", "Active", "Failed", "Success"})

# --- The kinds ------------------------------------------------------------------------------
FILES = register(
    ResourceKind(
        slug="files",
        label="Files",
        singular="file",
        scope=Scope.TEAM,
        list_path="v1/flow/files",
        detail_path="v1/flow/files/{id}",
        delete_path="v1/flow/files/{id}",
        content_path="v1/flow/files/{id}/content",
        wrapping=Wrapping.OBJECT_DATA,
        pagination=Pagination.LIMIT_OFFSET,
        name_field="filename",
        owner_field="created_by",
        status_field=None,
        columns=(
            ID,
            Column("filename", "Name"),
            Column("purpose", "Purpose"),
            Column("type", "Type"),
            Column("bytes", "Size", "bytes"),
            TEAM,
            Column("created_by", "Creator", "owner"),
            CREATED,
        ),
        server_sort={
            "created_at": "created_at",
            "filename": "filename",
            "type": "type",
            "bytes": "size",
        },
        description="Training data and documents uploaded to the team.",
    )
)

FINE_TUNES = register(
    ResourceKind(
        slug="fine-tunes",
        label="Fine-tunes",
        singular="fine-tuning job",
        scope=Scope.TEAM,
        list_path="v1/flow/fine-tunes",
        detail_path="v1/flow/fine-tunes/{id}",
        wrapping=Wrapping.OBJECT_DATA,
        pagination=Pagination.NONE,
        name_field="experiment_name",
        final_statuses=JOB_FINAL,
        columns=(
            ID,
            Column("experiment_name", "Name"),
            Column("model", "Base model"),
            STATUS,
            Column("accel_type", "Accelerator"),
            TEAM,
            CREATOR,
            CREATED,
        ),
        relations=(
            Relation("training_files", "files", "Training files"),
            Relation("validation_files", "files", "Validation files"),
            Relation("project_id", "projects", "Project"),
        ),
        actions=(
            Action(
                name="cancel",
                label="Cancel job",
                method="PUT",
                path="v1/flow/fine-tunes/{id}/cancel",
                allowed_statuses=frozenset({"pending", "queued", "running"}),
                confirm="Cancel this fine-tuning job? Training stops and cannot be resumed.",
            ),
        ),
        description="Fine-tuning jobs and their status.",
    )
)

AGENTS = register(
    ResourceKind(
        slug="agents",
        label="Agents",
        singular="agent",
        scope=Scope.TEAM,
        list_path="v2/flow/agents/",
        detail_path="v2/flow/agents/{id}",
        delete_path="v2/flow/agents/{id}",
        wrapping=Wrapping.DATA,
        pagination=Pagination.NONE,
        final_statuses=AGENT_FINAL,
        columns=(ID, NAME, STATUS, Column("model_id", "Model"), TEAM, CREATOR, CREATED),
        relations=(Relation("tools", "tools", "Tools", id_key="id"),),
        description="Agents the team can run on threads.",
    )
)

DEPLOYMENTS = register(
    ResourceKind(
        slug="deployments",
        label="Deployments",
        singular="deployment",
        scope=Scope.TEAM,
        list_path="v1/flow/deployments",
        detail_path="v1/flow/deployments/{id}",
        wrapping=Wrapping.DATA,
        pagination=Pagination.SKIP_LIMIT,
        final_statuses=DEPLOYMENT_FINAL,
        columns=(
            ID,
            NAME,
            STATUS,
            Column("model_type", "Model type"),
            Column("n_instances", "Instances", "number"),
            TEAM,
            CREATOR,
            CREATED,
        ),
        description="Models deployed for inference.",
    )
)

VECTOR_DBS = register(
    ResourceKind(
        slug="vector-dbs",
        label="Vector databases",
        singular="vector database",
        scope=Scope.TEAM,
        list_path="v1/flow/vectordb",
        detail_path="v1/flow/vectordb/{id}",
        delete_path="v1/flow/vectordb/{id}",
        wrapping=Wrapping.OBJECT_DATA,
        pagination=Pagination.NONE,
        status_field=None,
        columns=(
            ID,
            NAME,
            Column("model", "Embedding model"),
            Column("file_count", "Files", "number"),
            TEAM,
            CREATOR,
            CREATED,
        ),
        sub_lists=(
            SubList(
                label="Files in this vector database",
                path="v1/flow/vectordb/{id}/files",
                wrapping=Wrapping.OBJECT_DATA,
                columns=(ID, Column("filename", "Name"), STATUS, CREATED),
                link_kind="files",
            ),
        ),
        description="Vector databases for retrieval.",
    )
)

PROJECTS = register(
    ResourceKind(
        slug="projects",
        label="Projects",
        singular="project",
        scope=Scope.TEAM,
        list_path="v1/flow/projects",
        detail_path="v1/flow/projects/{id}",
        wrapping=Wrapping.DATA,
        pagination=Pagination.SKIP_LIMIT,
        status_field=None,
        columns=(
            ID,
            NAME,
            Column("runs", "Runs", "number"),
            Column("runs_deployed", "Deployed", "number"),
            TEAM,
            CREATOR,
            CREATED,
        ),
        description="Projects grouping fine-tuning runs.",
    )
)

TOOLS = register(
    ResourceKind(
        slug="tools",
        label="Tools",
        singular="tool",
        scope=Scope.TEAM,
        list_path="v1/flow/tools",
        detail_path="v1/flow/tools/{id}",
        delete_path="v1/flow/tools/{id}",
        wrapping=Wrapping.DATA,
        pagination=Pagination.LIMIT_OFFSET,
        columns=(ID, NAME, Column("type", "Type"), STATUS, TEAM, CREATOR, CREATED),
        description="Tools agents can call.",
    )
)

DATA_JOBS = register(
    ResourceKind(
        slug="data-jobs",
        label="Data jobs",
        singular="data job",
        scope=Scope.TEAM,
        list_path="v1/flow/data-jobs",
        detail_path="v1/flow/data-jobs/{id}",
        delete_path="v1/flow/data-jobs/{id}",
        wrapping=Wrapping.OBJECT_DATA,
        pagination=Pagination.LIMIT_OFFSET,
        final_statuses=frozenset({"needs_review", "ready_to_start"}) | JOB_FINAL,
        columns=(ID, NAME, Column("job_type", "Type"), STATUS, TEAM, CREATOR, CREATED),
        server_sort={"name": "name", "created_at": "created_at", "job_type": "job_type"},
        description="Jobs that prepare training data.",
    )
)

THREADS = register(
    ResourceKind(
        slug="threads",
        label="Threads",
        singular="thread",
        scope=Scope.USER,
        list_path="v1/threads/",
        detail_path="v1/threads/{id}",
        delete_path="v1/threads/{id}",
        wrapping=Wrapping.BARE,
        pagination=Pagination.LIMIT_ORDER,
        owner_field=None,
        team_field=None,
        name_field="id",
        columns=(ID, STATUS, CREATED),
        in_overview=False,
        description="Your personal conversations with agents.",
    )
)

# Calls of the threads family and the scope each is sent with. Everything about threads,
# messages and runs is the user's own and is sent without a team; starting (or cancelling)
# a run names a team-owned agent, so those two carry the agent's team.
THREAD_CALLS: dict[str, Scope] = {
    "threads.list": Scope.USER,
    "threads.create": Scope.USER,
    "threads.retrieve": Scope.USER,
    "threads.delete": Scope.USER,
    "messages.list": Scope.USER,
    "messages.create": Scope.USER,
    "messages.retrieve": Scope.USER,
    "messages.delete": Scope.USER,
    "runs.list": Scope.USER,
    "runs.retrieve": Scope.USER,
    "runs.start": Scope.TEAM,
    "runs.stream": Scope.TEAM,
    "runs.cancel": Scope.TEAM,
}
