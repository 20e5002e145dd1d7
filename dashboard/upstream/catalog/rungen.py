"""The RunGen.AI resource kinds (see ``docs/upstream.md``, "RunGen.AI"): apps, each with its
workers, and the jobs run on them.

RunGen.AI lists apps whole (``{"data": [...]}``, no paging) and answers single apps bare on
``GET`` but wrapped on create and update. An app is stopped by setting ``active_workers`` to 0,
which its documentation asks for before deleting. Jobs have no list: a job is started on an app
and read by its id, so the dashboard follows the jobs it starts.
"""

from __future__ import annotations

from dashboard.upstream.catalog.forms import Choices, FieldType, Follow, FormField, FormSpec, choose
from dashboard.upstream.catalog.registry import Registry
from dashboard.upstream.catalog.types import (
    Action,
    Column,
    Format,
    Pagination,
    ResourceKind,
    Scope,
    Wrapping,
)

KINDS = Registry("rungen")

GPU_TIERS = choose("STANDARD", "Standard", "PERFORMANCE", "Performance", "ENTERPRISE", "Enterprise")
RUNNING, STOPPED = "RUNNING", "STOPPED"
JOB_FINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED"})


def _app_fields(*, creating: bool) -> tuple[FormField, ...]:
    return (
        FormField("name", "Name", required=True, max_length=100),
        FormField("description", "Description", FieldType.TEXTAREA, max_length=2000),
        FormField(
            "gpu_tier",
            "GPU tier",
            FieldType.CHOICE,
            path="configuration.gpu_tier",
            choices=Choices(static=GPU_TIERS),
            initial="STANDARD" if creating else None,
            required=True,
        ),
        FormField(
            "model_url",
            "Model address",
            path="workflow.model_url",
            max_length=500,
            help="Where the model is published, e.g. https://huggingface.co/org/model.",
        ),
        FormField(
            "active_workers",
            "Workers",
            FieldType.INTEGER,
            min_value=0,
            max_value=10,
            initial=1 if creating else None,
            required=True,
            help="How many workers serve the app's jobs. 0 stops the app.",
        ),
    )


CREATE_APP = FormSpec(
    name="create",
    label="Create app",
    intro="An app serves a model: jobs run on its workers.",
    method="POST",
    path="app",
    fields=_app_fields(creating=True),
)
EDIT_APP = FormSpec(
    name="edit",
    label="Edit",
    intro="Change the app. Only what you change is sent; the rest stays as it is.",
    method="PUT",
    path="app/{id}",
    fields=_app_fields(creating=False),
    prefill=True,
    changes_only=True,
)
RUN_JOB = FormSpec(
    name="run",
    label="Run a job",
    intro=(
        "Start a job on this app's workers; its status is followed here until it ends. A "
        "stopped app's jobs wait in its queue until it has workers again."
    ),
    method="POST",
    path="app/{id}/run_async",
    fields=(
        FormField(
            "prompt",
            "Input",
            FieldType.TEXTAREA,
            path="input.prompt",
            required=True,
            max_length=20_000,
            help="What the job works on.",
        ),
    ),
    allowed_statuses=frozenset({RUNNING, STOPPED}),
    follow=Follow(
        label="Job",
        path="app/{id}/job/{result}",
        final_statuses=JOB_FINAL,
        fields=(
            Column("id", "Job", Format.ID),
            Column("status", "Status", Format.STATUS),
            Column("created_at", "Started", Format.DATETIME),
            Column("started_at", "Started running", Format.DATETIME),
            Column("completed_at", "Ended", Format.DATETIME),
            Column("created_by", "Started by", Format.OWNER),
        ),
        result_field="output",
        parent_field="app_id",
        runs_while=frozenset({RUNNING}),
    ),
)


def _workers(name: str, label: str, count: int, status: str, confirm: str) -> Action:
    """Stopping or starting an app: its workers set to ``count`` (``PUT app/{id}``)."""
    return Action(
        name=name,
        label=label,
        method="PUT",
        path="app/{id}",
        allowed_statuses=frozenset({status}),
        confirm=confirm,
        body=(("active_workers", count),),
    )


APPS = KINDS.register(
    ResourceKind(
        slug="apps",
        label="Apps",
        singular="app",
        scope=Scope.TEAM,
        list_path="app",
        detail_path="app/{id}",
        delete_path="app/{id}",
        # RunGen.AI asks for its workers to be stopped first, and refuses otherwise.
        delete_statuses=frozenset({STOPPED}),
        delete_hint="Stop it first: its workers are then set to 0.",
        wrapping=Wrapping.DATA,
        pagination=Pagination.NONE,
        owner_field="created_by",
        person_fields=("owner_user_id",),
        team_field="owner_team_id",
        status_field="status",
        final_statuses=frozenset({RUNNING, STOPPED}),
        columns=(
            Column("id", "ID", Format.ID),
            Column("name", "Name"),
            Column("status", "Status", Format.STATUS),
            Column("active_workers", "Workers", Format.NUMBER),
            Column("owner_team_id", "Team", Format.TEAM),
            Column("created_by", "Creator", Format.OWNER),
            Column("created_at", "Created", Format.DATETIME),
        ),
        actions=(
            _workers(
                "stop",
                "Stop",
                0,
                RUNNING,
                "Stop this app? Its workers are set to 0; queued jobs wait.",
            ),
            _workers("start", "Start", 1, STOPPED, "Start this app with one worker?"),
        ),
        forms=(CREATE_APP, EDIT_APP, RUN_JOB),
        copy_fields=("name", "description", "configuration", "workflow", "active_workers"),
        field_labels={
            "active_workers": "Workers",
            "owner_team_id": "Team",
            "owner_user_id": "Owner",
            "created_by": "Creator",
            "configuration": "Configuration",
            "workflow": "Workflow",
        },
        description="Apps serving models; jobs run on their workers.",
    )
)
