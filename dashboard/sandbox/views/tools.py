"""Tools (v1): create, update, preview an update, duplicate, and the agents using one.

The SDK sends config keys UPPERCASE; they are read whatever their case and stored lower case.
Each type's config names what it works with (a vector database, Python functions, an agent),
which must be the team's own. An MCP connector's OAuth client is kept, never shown.
"""

from __future__ import annotations

from typing import Any

from dashboard.sandbox import factories, model_catalog, operations, serializers
from dashboard.sandbox.api import Context
from dashboard.sandbox.enums import TOOL_TYPES
from dashboard.sandbox.kinds import TOOLS
from dashboard.sandbox.models import (
    SandboxAgent,
    SandboxPythonFunction,
    SandboxTeam,
    SandboxTool,
    SandboxVectorDB,
)
from dashboard.sandbox.validation import Fields
from dashboard.sandbox.views import references

FIELDS = ("type", "name", "description", "config")
MCP_FIELDS = ("url", "client_id", "client_secret")
MCP_TRANSPORT = "streamable-http"


def _file_search(team: SandboxTeam, config: Fields, creating: bool) -> dict[str, Any]:
    index = config.text("file_search_index", required=creating, min_length=1)
    vector_db = references.one(
        config,
        "file_search_index",
        index,
        SandboxVectorDB.objects.filter(team=team),
        "Vector database",
    )
    embedding_model = config.text("embedding_model")
    if embedding_model is not None and model_catalog.embedding_model(embedding_model) is None:
        config.invalid(
            "embedding_model", f"{embedding_model} is not an embedding model.", embedding_model
        )
    values = {
        "file_search_index": index,
        "embedding_model": embedding_model or (vector_db.model if vector_db else None),
        "top_k": config.integer("top_k", default=10 if creating else None, ge=1, le=100),
        "score_threshold": config.number(
            "score_threshold", default=0 if creating else None, ge=0, lt=1
        ),
    }
    return (
        values if creating else {key: value for key, value in values.items() if value is not None}
    )


def _run_python(team: SandboxTeam, config: Fields, creating: bool) -> dict[str, Any]:
    function_ids = config.texts("function_ids")
    functions = SandboxPythonFunction.objects.filter(team=team)
    references.each(config, "function_ids", function_ids, functions, "Python function")
    if function_ids is None and not creating:
        return {}
    return {"function_ids": list(dict.fromkeys(function_ids or []))}


def _agent_as_tool(team: SandboxTeam, config: Fields, creating: bool) -> dict[str, Any]:
    agent_id = config.text("agent_id", required=creating)
    references.one(config, "agent_id", agent_id, SandboxAgent.objects.filter(team=team), "Agent")
    return {"agent_id": agent_id} if agent_id is not None else {}


def _mcp(config: Fields, creating: bool) -> tuple[dict[str, Any], dict[str, str] | None]:
    """The connector's shown config, and its OAuth client (``None`` when not sent)."""
    config.only(MCP_FIELDS)
    url = config.text("url", required=creating, min_length=1, max_length=2000)
    if url is not None and not url.startswith(("https://", "http://")):
        config.invalid("url", "The URL must start with https:// or http://.", url)
    client_id = config.text("client_id", min_length=1)
    client_secret = config.text("client_secret", min_length=1)
    sent = {"client_id": client_id, "client_secret": client_secret}
    secrets = {key: value for key, value in sent.items() if value is not None} or None
    if creating and secrets and len(secrets) == 1:  # the OAuth client comes whole
        config.problems.add(
            config.loc, "value_error", "client_id and client_secret must be provided together", None
        )
    shown: dict[str, Any] = {"url": url} if url is not None else {}
    if creating:
        shown["transport"] = MCP_TRANSPORT
    return shown, secrets


def _config(team: SandboxTeam, tool_type: str, body: Fields, creating: bool):
    """The config values a body sets (all of them when creating) and any secrets it sends."""
    required = creating and tool_type not in ("web_search", "run_python")
    config = body.nested("config", required=required, case_insensitive=True)
    if config is None:
        return ({"function_ids": []} if creating and tool_type == "run_python" else {}), None
    if tool_type == "file_search":
        return _file_search(team, config, creating), None
    if tool_type == "run_python":
        return _run_python(team, config, creating), None
    if tool_type == "agent_as_tool":
        return _agent_as_tool(team, config, creating), None
    if tool_type == "mcp_connector":
        return _mcp(config, creating)
    return {}, None


def _names(body: Fields, creating: bool) -> dict[str, Any]:
    return {
        "name": body.text("name", required=creating, min_length=1, max_length=200, not_blank=True),
        "description": body.text("description", max_length=5000),
    }


def create(ctx: Context) -> dict:
    body = Fields.of(ctx.request)
    body.only(FIELDS)
    tool_type = body.text("type", required=True, choices=TOOL_TYPES)
    values = _names(body, creating=True)
    config, secrets = _config(ctx.team, tool_type, body, creating=True) if tool_type else ({}, None)
    body.problems.raise_any()
    status = ""
    if tool_type == "mcp_connector":
        status = "Pending_authorization" if secrets else "Active"
        if secrets:
            config["authorization_url"] = f"{config['url'].rstrip('/')}/oauth/authorize"
    tool = factories.create_tool(
        ctx.team,
        ctx.user,
        name=values["name"],
        type=tool_type,
        description=values["description"] or "",
        config=config,
        status=status,
        secrets=secrets,
    )
    return serializers.tool(tool)


def _changed(ctx: Context, tool: SandboxTool) -> SandboxTool:
    """``tool`` with the body's changes applied, not saved."""
    body = Fields.of(ctx.request)
    body.only(FIELDS)
    sent_type = body.text("type")
    if sent_type is not None and sent_type != tool.type:
        body.invalid("type", f"The tool is a {tool.type} tool; its type cannot change.", sent_type)
    changes: dict[str, Any] = _names(body, creating=False)
    changes["config"], changes["secrets"] = _config(ctx.team, tool.type, body, creating=False)
    body.problems.raise_any()
    if changes["secrets"] is not None:
        changes["secrets"] = {**tool.extra.get("secrets", {}), **changes["secrets"]}
    return operations.apply_tool_changes(tool, changes)


def update(ctx: Context, pk: str) -> dict:
    tool = _changed(ctx, TOOLS.get(ctx.team, pk))
    tool.save()
    return serializers.tool(tool)


def preview_update(ctx: Context, pk: str) -> dict:
    """What an update would change, field by field; nothing is saved."""
    tool = TOOLS.get(ctx.team, pk)
    before = serializers.tool(tool)
    after = serializers.tool(_changed(ctx, tool))
    return {"before": before, "after": after, "diff": operations.diff(before, after)}


def duplicate(ctx: Context, pk: str) -> dict:
    tool = TOOLS.get(ctx.team, pk)
    body = Fields.of(ctx.request)
    name = body.text("name", min_length=1, max_length=200, not_blank=True)
    body.problems.raise_any()
    return serializers.tool(operations.duplicate_tool(tool, ctx.user, name))


def agents_using(ctx: Context, pk: str) -> list[dict]:
    tool = TOOLS.get(ctx.team, pk)
    return [
        {"id": agent.pk, "name": agent.name, "status": agent.status}
        for agent in tool.agents.order_by("-created_at", "-pk")
    ]
