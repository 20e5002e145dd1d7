"""What the API does to existing team resources beyond reading and deleting them: cancel a
fine-tune, update an agent, delete a tool no active agent uses.

Each refuses what the upstream refuses, with the same status: 409 for a state that forbids the
change, 404 for a tool of another team.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from dashboard.sandbox import errors
from dashboard.sandbox.enums import FINE_TUNE_ACTIVE
from dashboard.sandbox.models import SandboxAgent, SandboxFineTune, SandboxTeam, SandboxTool

AGENT_UPDATABLE = ("name", "instructions", "model_id")
AGENT_EXTRA_UPDATABLE = (
    "planner_model_id",
    "tool_model_id",
    "reasoning_effort",
    "temperature",
    "output",
)


def cancel_fine_tune(fine_tune: SandboxFineTune) -> SandboxFineTune:
    if fine_tune.status not in FINE_TUNE_ACTIVE:
        raise errors.Conflict(
            f"Fine-tuning job {fine_tune.pk} is {fine_tune.status} and cannot be cancelled."
        )
    now = timezone.now()
    fine_tune.status = "cancelled"
    fine_tune.completed_at = now
    fine_tune.updated_at = now
    fine_tune.save(update_fields=["status", "completed_at", "updated_at"])
    return fine_tune


def team_tools(team: SandboxTeam, tool_ids: Iterable[str]) -> list[SandboxTool]:
    """The team's tools with these ids; 404 when one is not the team's."""
    tool_ids = list(dict.fromkeys(tool_ids))
    tools = list(SandboxTool.objects.filter(team=team, pk__in=tool_ids))
    missing = set(tool_ids) - {tool.pk for tool in tools}
    if missing:
        raise errors.not_found(f"Tool {sorted(missing)[0]}")
    return tools


def update_agent(agent: SandboxAgent, changes: dict[str, Any]) -> SandboxAgent:
    """Apply the fields a PATCH names (already checked for type by the view)."""
    for name in AGENT_UPDATABLE:
        if changes.get(name) is not None:
            setattr(agent, name, changes[name])
    for name in AGENT_EXTRA_UPDATABLE:
        if name in changes:
            agent.extra[name] = changes[name]
    if changes.get("tool_ids") is not None:
        agent.tools.set(team_tools(agent.team, changes["tool_ids"]))
    agent.updated_at = timezone.now()
    agent.save()
    return agent


def delete_tool(tool: SandboxTool) -> None:
    """Tools an active agent uses stay: the upstream refuses to pull them from under it."""
    users = list(tool.agents.filter(status="Active").values_list("name", flat=True))
    if users:
        raise errors.Conflict(f"Tool {tool.pk} is used by active agents: {', '.join(users)}.")
    tool.delete()
