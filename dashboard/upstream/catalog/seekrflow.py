"""The SeekrFlow resource kinds, each described once (see ``docs/upstream.md`` for the wire
facts: paths, wrappings, pagination and owner fields as the official ``seekrai`` SDK has them).

Scope decides the team header: ``TEAM`` calls carry ``x-team-id`` of the page's team, ``USER``
calls (threads, their messages and runs) never do. The one exception inside the threads family
is *starting* an agent run: it names a team-owned agent, so it is a ``TEAM`` call carrying the
agent's team (see :data:`THREAD_CALLS`).
"""

from __future__ import annotations

from dashboard.upstream.catalog import seekrflow_forms as forms
from dashboard.upstream.catalog.registry import Registry
from dashboard.upstream.catalog.types import (
    Action,
    Column,
    Format,
    Pagination,
    Relation,
    ResourceKind,
    Scope,
    SubList,
    Wrapping,
)

# --- Column sets ----------------------------------------------------------------------------
ID = Column("id", "ID", Format.ID)
NAME = Column("name", "Name")
STATUS = Column("status", "Status", Format.STATUS)
CREATED = Column("created_at", "Created", Format.DATETIME)
TEAM = Column("team_id", "Team", Format.TEAM)
CREATOR = Column("user_id", "Creator", Format.OWNER)

# How the fields of every kind read on a detail page, where the kind's columns and its own
# ``field_labels`` do not say: the words a person uses, not the upstream's field names.
FIELD_LABELS: dict[str, str] = {
    "id": "ID",
    "object": "Object type",
    "n_epochs": "Epochs",
    "n_accel": "Accelerators",
    "n_instances": "Instances",
    "n_checkpoints": "Checkpoints",
    "n_node": "Nodes",
    "fine_tune_type": "Fine-tuning type",
    "n_evals": "Evaluations",
    "accel_type": "Accelerator",
    "batch_size": "Batch size",
    "learning_rate": "Learning rate",
    "project_id": "Project",
    "model_id": "Model",
    "agent_id": "Agent",
    "thread_id": "Thread",
    "run_id": "Run",
    "file_id": "File",
    "file_ids": "Files",
    "vector_database_id": "Vector database",
    "alignment_job_id": "Alignment job",
    "fine_tuning_job_ids": "Fine-tuning jobs",
    "additional_alignment_file_ids": "More alignment files",
    "origin_data_job_id": "Copied from data job",
    "metaflow_run_id": "Metaflow run",
    "metaflow_job_id": "Metaflow job",
    "active_run_id": "Active run",
    "api_key": "API key",
    "url": "URL",
    "bytes": "Size",
    "size_in_bytes": "Size",
    "file_count": "Files",
    "filename": "Name",
    "experiment_name": "Name",
    "inference_available": "Ready for inference",
    "is_active": "Active",
    "total_input_tokens": "Input tokens",
    "total_output_tokens": "Output tokens",
    "top_p": "Top P",
    "meta_data": "Metadata",
    "error_message": "Problem",
    "last_deployed_at": "Last deployed",
    "last_modified": "Last changed",
    "completed_at": "Completed",
    "started_at": "Started",
    "stopped_at": "Stopped",
    "failed_at": "Failed",
    "cancelled_at": "Cancelled",
    "queue_position": "Place in queue",
    "runs_deployed": "Deployed runs",
}

JOB_FINAL = frozenset({"cancelled", "failed", "completed", "deleted", "stopped"})
AGENT_FINAL = frozenset({"Inactive", "Active", "Failed"})
DEPLOYMENT_FINAL = frozenset({"Inactive", "Active", "Failed", "Success"})
INGESTION_FINAL = frozenset({"completed", "failed", "cancelled"})


def promote_and_demote(
    path: str,
    *,
    what: str,
    method: str = "PUT",
    suffix: str = "",
    query: tuple[tuple[str, str], ...] = (),
    promote_from: frozenset[str] | None = None,
    demote_from: frozenset[str] | None = None,
) -> tuple[Action, Action]:
    """The pair of actions that put a resource into service and take it out again."""
    return (
        Action(
            name="promote",
            label="Promote",
            method=method,
            path=f"{path}/promote{suffix}",
            allowed_statuses=promote_from,
            confirm=f"Promote this {what}? It is put into service.",
            query=query,
        ),
        Action(
            name="demote",
            label="Demote",
            method=method,
            path=f"{path}/demote{suffix}",
            allowed_statuses=demote_from,
            confirm=f"Demote this {what}? It is taken out of service; nothing is deleted.",
            query=query,
        ),
    )


# --- The kinds ------------------------------------------------------------------------------
KINDS = Registry("seekrflow")
register = KINDS.register

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
        max_page_size=1000,  # no bound in the SDK; the service takes 1,000 a page
        name_field="filename",
        owner_field="created_by",
        status_field=None,
        size_field="bytes",
        columns=(
            ID,
            Column("filename", "Name"),
            Column("purpose", "Purpose"),
            Column("type", "Type"),
            Column("bytes", "Size", Format.BYTES),
            TEAM,
            Column("created_by", "Creator", Format.OWNER),
            CREATED,
        ),
        server_sort={
            "created_at": "created_at",
            "filename": "filename",
            "type": "type",
            "bytes": "size",
        },
        forms=(forms.RENAME_FILE,),
        filters=(forms.FILE_PURPOSE,),
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
            *promote_and_demote(
                "v1/flow/fine-tunes/{id}",
                what="fine-tuned model",
                method="GET",
                suffix="-model",
                query=(("fine_tune_id", "{id}"),),
                promote_from=frozenset({"completed"}),
                demote_from=frozenset({"completed"}),
            ),
        ),
        sub_lists=(
            SubList(
                label="Events",
                path="v1/flow/fine-tunes/{id}/events",
                wrapping=Wrapping.OBJECT_DATA,
                columns=(
                    CREATED,
                    Column("message", "Event"),
                    Column("epoch", "Epoch", Format.NUMBER),
                    Column("loss", "Loss", Format.NUMBER),
                ),
                link_kind=None,
            ),
        ),
        forms=(forms.CREATE_FINE_TUNE,),
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
        actions=promote_and_demote(
            "v2/flow/agents/{id}",
            what="agent",
            promote_from=frozenset({"Inactive", "Failed"}),
            demote_from=frozenset({"Active", "Pending", "Updating"}),
        ),
        forms=(forms.CREATE_AGENT, forms.EDIT_AGENT),
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
        max_page_size=1000,
        final_statuses=DEPLOYMENT_FINAL,
        columns=(
            ID,
            NAME,
            STATUS,
            Column("model_type", "Model type"),
            Column("n_instances", "Instances", Format.NUMBER),
            TEAM,
            CREATOR,
            CREATED,
        ),
        # A fine-tuned run's model is one of the team's fine-tunes; a base model is a name.
        relations=(
            Relation("model_id", "fine-tunes", "Model", when=("model_type", "Fine-tuned Run")),
        ),
        actions=promote_and_demote(
            "v1/flow/deployments/{id}",
            what="deployment",
            promote_from=frozenset({"Inactive", "Failed"}),
            demote_from=frozenset({"Active", "Pending", "Started", "Success"}),
        ),
        forms=(forms.CREATE_DEPLOYMENT,),
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
            Column("file_count", "Files", Format.NUMBER),
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
                remove_path="v1/flow/vectordb/{id}/files/{item}",
                remove_label="Remove from the database",
            ),
            SubList(
                label="Ingestion jobs",
                path="v1/flow/vectordb/{id}/ingestion",
                wrapping=Wrapping.OBJECT_DATA,
                columns=(
                    ID,
                    STATUS,
                    Column("file_ids", "Files"),
                    Column("error_message", "Problem"),
                    CREATED,
                ),
                status_field="status",
                final_statuses=INGESTION_FINAL,
            ),
        ),
        forms=(forms.CREATE_VECTOR_DB, forms.ADD_VECTOR_DB_FILES),
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
        max_page_size=1000,
        status_field=None,
        columns=(
            ID,
            NAME,
            Column("runs", "Runs", Format.NUMBER),
            Column("runs_deployed", "Deployed", Format.NUMBER),
            TEAM,
            CREATOR,
            CREATED,
        ),
        forms=(forms.CREATE_PROJECT,),
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
        max_page_size=1000,
        columns=(ID, NAME, Column("type", "Type"), STATUS, TEAM, CREATOR, CREATED),
        sub_lists=(
            SubList(
                label="Agents using this tool",
                path="v1/flow/tools/{id}/agents",
                wrapping=Wrapping.BARE,
                columns=(ID, NAME, STATUS),
                link_kind="agents",
            ),
        ),
        forms=(forms.CREATE_TOOL, forms.EDIT_TOOL, forms.DUPLICATE_TOOL),
        description="Tools agents can call.",
    )
)

PYTHON_FUNCTIONS = register(
    ResourceKind(
        slug="python-functions",
        label="Python functions",
        singular="Python function",
        scope=Scope.TEAM,
        list_path="v1/functions/",
        detail_path="v1/functions/{id}",
        delete_path="v1/functions/{id}",
        wrapping=Wrapping.BARE,
        pagination=Pagination.LIMIT_OFFSET,
        max_page_size=100,
        list_params={"order": "desc"},
        status_field=None,
        columns=(
            ID,
            NAME,
            Column("description", "Description"),
            Column("version", "Version", Format.NUMBER),
            TEAM,
            CREATOR,
            CREATED,
        ),
        code_field="code",
        forms=(forms.CREATE_FUNCTION, forms.REPLACE_FUNCTION),
        description="Python code agents can run through a “Run Python” tool.",
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
        max_page_size=100,  # the contract: limit 1–100
        final_statuses=frozenset({"needs_review", "ready_to_start"}) | JOB_FINAL,
        columns=(ID, NAME, Column("job_type", "Type"), STATUS, TEAM, CREATOR, CREATED),
        server_sort={"name": "name", "created_at": "created_at", "job_type": "job_type"},
        relations=(Relation("files", "files", "Files", id_key="id"),),
        actions=(
            Action(
                name="start",
                label="Start",
                method="POST",
                path="v1/flow/data-jobs/{id}/start",
                allowed_statuses=frozenset({"ready_to_start"}),
                confirm="Start this data job? It prepares examples from its files.",
            ),
            Action(
                name="cancel",
                label="Cancel job",
                method="POST",
                path="v1/flow/data-jobs/{id}/cancel",
                allowed_statuses=frozenset({"pending", "queued", "running"}),
                confirm="Cancel this data job? It stops and cannot be resumed.",
            ),
        ),
        forms=(
            forms.CREATE_DATA_JOB,
            forms.EDIT_DATA_JOB,
            forms.ADD_DATA_JOB_FILES,
            forms.REMOVE_DATA_JOB_FILES,
        ),
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
        max_page_size=100,
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
