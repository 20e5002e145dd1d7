from django import template

from dashboard import text
from dashboard.resources.presentation import badge_class

register = template.Library()


@register.filter
def status_badge(status: str) -> str:
    """The badge colour of a thread or run status, as the rest of the dashboard colours it."""
    return badge_class(status)


@register.filter
def pretty_json(value) -> str:
    """A part of a message the dashboard has no special view for, as readable JSON."""
    return text.pretty_json(value)
