"""Team resources other than files: the generic list, detail and delete handlers built from
``kinds.py``, and what is particular to fine-tunes, agents and vector databases."""

from __future__ import annotations

from typing import Any

from dashboard.sandbox import errors, factories, operations, serializers
from dashboard.sandbox.api import NUMBER, Context, field, json_body
from dashboard.sandbox.enums import REASONING_EFFORTS
from dashboard.sandbox.kinds import AGENTS, FINE_TUNES, VECTOR_DBS, Kind


# --- Generic handlers over kinds.py -------------------------------------------------------
def list_of(kind: Kind):
    def handler(ctx: Context) -> Any:
        return kind.list(ctx)

    return handler


def detail_of(kind: Kind):
    def handler(ctx: Context, pk) -> dict:
        return kind.serialize(kind.get(ctx.team, pk))

    return handler


def delete_of(kind: Kind):
    def handler(ctx: Context, pk) -> Any:
        return kind.delete(kind.get(ctx.team, pk))

    return handler


# --- Fine-tunes ---------------------------------------------------------------------------
def cancel_fine_tune(ctx: Context, pk: str) -> dict:
    return serializers.fine_tune(operations.cancel_fine_tune(FINE_TUNES.get(ctx.team, pk)))


def fine_tune_events(ctx: Context, pk: str) -> dict:
    return {"object": "list", "data": serializers.fine_tune_events(FINE_TUNES.get(ctx.team, pk))}


# --- Agents -------------------------------------------------------------------------------
OUTPUT_KEYS = frozenset({"frequency", "instructions", "model_id", "temperature"})


def _agent_fields(body: dict, *, creating: bool) -> dict:
    """The agent fields of a create or update body, checked; 422 for anything unexpected."""
    known = {
        "name",
        "instructions",
        "model_id",
        "planner_model_id",
        "tool_model_id",
        "output",
        "reasoning_effort",
        "temperature",
        "tool_ids",
        "tools",
    }
    unknown = sorted(set(body) - known)
    if unknown:
        raise errors.Unprocessable(f"Unknown agent fields: {', '.join(unknown)}.")
    fields = {
        "name": field(body, "name", str, required=creating),
        "instructions": field(body, "instructions", str, required=creating),
        "model_id": field(body, "model_id", str),
        "planner_model_id": field(body, "planner_model_id", str),
        "tool_model_id": field(body, "tool_model_id", str),
        "reasoning_effort": field(body, "reasoning_effort", str, choices=REASONING_EFFORTS),
        "temperature": field(body, "temperature", NUMBER),
        "tool_ids": field(body, "tool_ids", list),
        "output": field(body, "output", dict),
    }
    if fields["output"] is not None and not set(fields["output"]) <= OUTPUT_KEYS:
        raise errors.Unprocessable(f"'output' may only hold: {', '.join(sorted(OUTPUT_KEYS))}.")
    if fields["tool_ids"] is not None and not all(isinstance(t, str) for t in fields["tool_ids"]):
        raise errors.Unprocessable("'tool_ids' must be a list of strings.")
    if fields["temperature"] is not None and not 0 <= fields["temperature"] <= 2:
        raise errors.Unprocessable("'temperature' must be between 0 and 2.")
    return fields


def create_agent(ctx: Context) -> dict:
    fields = _agent_fields(json_body(ctx.request), creating=True)
    output = fields["output"] or {}
    model_id = fields["model_id"] or output.get("model_id")
    if not model_id:
        raise errors.Unprocessable("Either 'model_id' or 'output.model_id' is required.")
    options = {
        name: fields[name]
        for name in ("planner_model_id", "tool_model_id", "reasoning_effort", "temperature")
        if fields[name] is not None
    }
    if fields["output"] is not None:
        options["output"] = fields["output"]
    agent = factories.create_agent(
        ctx.team,
        ctx.user,
        name=fields["name"],
        instructions=fields["instructions"],
        model_id=model_id,
        tools=operations.team_tools(ctx.team, fields["tool_ids"] or []),
        options=options,
    )
    return serializers.agent(agent)


def update_agent(ctx: Context, pk: str) -> dict:
    body = json_body(ctx.request)
    fields = _agent_fields(body, creating=False)
    changes = {name: value for name, value in fields.items() if name in body}
    return serializers.agent(operations.update_agent(AGENTS.get(ctx.team, pk), changes))


# --- Vector databases ---------------------------------------------------------------------
def vector_db_files(ctx: Context, pk: str) -> dict:
    vector_db = VECTOR_DBS.get(ctx.team, pk)
    rows = vector_db.files.select_related("file").order_by("-created_at", "-pk")
    return {"object": "list", "data": [serializers.vector_db_file(row) for row in rows]}
