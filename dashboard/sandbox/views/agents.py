"""Agents (v2): create, update, preview an update, promote and demote.

A create or update body is read as the upstream's own models read it: unknown fields are
refused, ``output`` holds only its four keys, and every model or tool it names must be one the
team may use (422 at that field otherwise).
"""

from __future__ import annotations

from dashboard.sandbox import factories, operations, serializers
from dashboard.sandbox.api import Context
from dashboard.sandbox.enums import REASONING_EFFORTS
from dashboard.sandbox.kinds import AGENTS
from dashboard.sandbox.models import SandboxAgent, SandboxTool
from dashboard.sandbox.validation import Fields
from dashboard.sandbox.views import references

FIELDS = (
    "name",
    "instructions",
    "tools",
    "tool_ids",
    "model_id",
    "planner_model_id",
    "tool_model_id",
    "output",
    "reasoning_effort",
    "temperature",
)
OUTPUT_FIELDS = ("frequency", "instructions", "model_id", "temperature")
OUTPUT_FREQUENCIES = ("always", "never", "automatic")
MODEL_FIELDS = ("model_id", "planner_model_id", "tool_model_id")


def _read(ctx: Context, *, creating: bool) -> tuple[Fields, dict, list[SandboxTool] | None]:
    """The body's agent fields (only those it sends, when updating), and the tools it names."""
    body = Fields.of(ctx.request)
    body.only(FIELDS)
    values = {
        "name": body.text("name", required=creating, min_length=1, max_length=200, not_blank=True),
        "instructions": body.text("instructions", required=creating),
        "reasoning_effort": body.text("reasoning_effort", choices=REASONING_EFFORTS),
        "temperature": body.number("temperature", ge=0, le=2),
    }
    for name in MODEL_FIELDS:
        values[name] = references.chat_model(body, name, ctx.team, body.text(name))
    output = body.nested("output")
    values["output"] = None
    if output is not None:
        output.only(OUTPUT_FIELDS)
        values["output"] = {
            "frequency": output.text("frequency", choices=OUTPUT_FREQUENCIES),
            "instructions": output.text("instructions"),
            "model_id": references.chat_model(
                output, "model_id", ctx.team, output.text("model_id")
            ),
            "temperature": output.number("temperature", ge=0, le=2),
        }
    legacy_tools = body.data.get("tools")
    if legacy_tools is not None and not isinstance(legacy_tools, list):
        body.problems.add(
            body.loc_of("tools"), "list_type", "Input should be a valid list", legacy_tools
        )
    if legacy_tools is not None and body.data.get("tool_ids") is not None:
        body.invalid("tool_ids", "Only one of 'tools' or 'tool_ids' can be provided.")
    tool_ids = body.texts("tool_ids")
    tools = None
    if tool_ids is not None:
        tools = references.each(
            body, "tool_ids", tool_ids, SandboxTool.objects.filter(team=ctx.team), "Tool"
        )
    if creating and not body.data.get("model_id") and not (output and output.data.get("model_id")):
        body.invalid("model_id", "Either 'model_id' or 'output.model_id' must be provided.")
    body.problems.raise_any()
    sent = values if creating else {name: values[name] for name in values if body.has(name)}
    return body, sent, tools


def create(ctx: Context) -> dict:
    _, values, tools = _read(ctx, creating=True)
    options = {
        name: values[name]
        for name in (
            "planner_model_id",
            "tool_model_id",
            "reasoning_effort",
            "temperature",
            "output",
        )
        if values[name] is not None
    }
    agent = factories.create_agent(
        ctx.team,
        ctx.user,
        name=values["name"],
        instructions=values["instructions"],
        model_id=values["model_id"] or values["output"]["model_id"],
        tools=tools or [],
        options=options,
    )
    return serializers.agent(agent)


def _changes(ctx: Context) -> dict:
    _, values, tools = _read(ctx, creating=False)
    if tools is not None:
        values["tool_ids"] = [tool.pk for tool in tools]
    return values


def update(ctx: Context, pk: str) -> dict:
    agent = AGENTS.get(ctx.team, pk)
    return serializers.agent(operations.update_agent(agent, _changes(ctx)))


def preview_update(ctx: Context, pk: str) -> dict:
    """What an update would change, field by field; nothing is saved."""
    agent = AGENTS.get(ctx.team, pk)
    changes = _changes(ctx)
    before = serializers.agent(agent)
    tools = operations.apply_agent_changes(agent, changes)
    after = serializers.agent(agent, tools=tools if tools is not None else agent.tools.all())
    return {"before": before, "after": after, "diff": operations.diff(before, after)}


def _set_status(status: str):
    def handler(ctx: Context, pk: str) -> dict:
        agent: SandboxAgent = AGENTS.get(ctx.team, pk)
        return serializers.agent(operations.set_agent_status(agent, status))

    return handler


promote = _set_status("Active")
demote = _set_status("Inactive")
