import hashlib

from django import template

from dashboard import text
from dashboard.resources.presentation import badge_class
from dashboard.threads.agents import AgentName

register = template.Library()


@register.filter
def status_badge(status: str) -> str:
    """The badge colour of a thread or run status, as the rest of the dashboard colours it."""
    return badge_class(status)


@register.filter
def pretty_json(value) -> str:
    """A part of a message the dashboard has no special view for, as readable JSON."""
    return text.pretty_json(value)


@register.filter
def agent_named(names: dict | None, agent_id: str) -> AgentName:
    """The agent an id names, from the page's ``agent_names`` (its id alone when unknown)."""
    return (names or {}).get(str(agent_id)) or AgentName(str(agent_id))


@register.filter
def row_key(thread_id: str) -> str:
    """A short HTML id for a thread's row on the list, whatever characters its id holds (the
    previews fragment swaps the row's title and preview in by it)."""
    return hashlib.sha256(str(thread_id).encode()).hexdigest()[:16]
