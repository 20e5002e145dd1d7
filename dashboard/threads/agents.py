"""The names of the agents that ran on a person's threads.

Runs and messages name their agent by id only, and agents are a team's. A name is found among
the agents the person can see: those of the team the thread page shows first, then, for ids
still unknown, the agents of the person's other teams (asked side by side). Names found are
remembered for a few minutes, so a runs panel refreshing every few seconds does not list every
team's agents each time. An agent found nowhere keeps its id (``AgentName.known`` is False).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.core.cache import cache

from dashboard.upstream.catalog import AGENTS
from dashboard.upstream.fanout import fan_out

REMEMBERED_SECONDS = 300
NOT_FOUND = ""  # remembered too, so an agent deleted since is not looked for on every refresh
MAX_TEAMS_ASKED = 12


@dataclass(frozen=True)
class AgentName:
    id: str
    name: str = ""

    @property
    def known(self) -> bool:
        return bool(self.name)

    @property
    def short_id(self) -> str:
        return self.id if len(self.id) <= 14 else self.id[:12] + "…"

    def __str__(self) -> str:
        return self.name or f"Agent {self.short_id}"


def _cache_key(user_id, agent_id: str) -> str:
    return f"threads:agent-name:{user_id}:{agent_id}"


def _remember(user_id, names: dict[str, str]) -> None:
    cache.set_many(
        {_cache_key(user_id, agent_id): name for agent_id, name in names.items()},
        REMEMBERED_SECONDS,
    )


def agent_names(workspace, user_id, agent_ids, *, shown_agents=(), shown_team=None) -> dict:
    """agent id -> :class:`AgentName` for every id given (empty ids are left out)."""
    wanted = {str(agent_id) for agent_id in agent_ids if agent_id}
    found = {AGENTS.item_id(a): AGENTS.item_name(a) for a in shown_agents}
    if found:
        _remember(user_id, found)
    missing = wanted - set(found)
    if missing:
        keys = {_cache_key(user_id, agent_id): agent_id for agent_id in missing}
        for key, name in cache.get_many(list(keys)).items():
            found[keys[key]] = name
        missing = wanted - set(found)
    if missing and workspace is not None:
        found.update(_look_in_teams(workspace, user_id, missing, shown_team))
    return {agent_id: AgentName(agent_id, found.get(agent_id) or "") for agent_id in wanted}


def _look_in_teams(workspace, user_id, missing: set[str], shown_team) -> dict[str, str]:
    """List the agents of the person's other teams, at once, for the ids still unknown."""
    shown_key = shown_team.key if shown_team is not None else None
    teams = [team for team in workspace.teams if team.key != shown_key][:MAX_TEAMS_ASKED]
    calls = {
        team.key: partial(workspace.client_in(team).resources.list_all, AGENTS) for team in teams
    }
    names: dict[str, str] = {}
    for outcome in fan_out(calls).values():
        if outcome.ok:
            names.update({AGENTS.item_id(a): AGENTS.item_name(a) for a in outcome.value})
    answer = {agent_id: names.get(agent_id, NOT_FOUND) for agent_id in missing}
    _remember(user_id, {**{k: v for k, v in names.items()}, **answer})
    return answer
