"""The team switcher: the same page in each of the person's teams, as plain links."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import NoReverseMatch, reverse

from dashboard.teams.workspace import Team

register = template.Library()

# Pages about one resource become the list of its kind in another team: it is not there.
ONE_RESOURCE = "resource_id"


@dataclass(frozen=True)
class TeamLink:
    team: Team
    url: str
    current: bool


def same_page_in(request, team: Team) -> str:
    """The page of ``request`` in ``team``: a list stays the list, a resource's page becomes
    the list of its kind, and a page of no team opens that team's overview."""
    match = request.resolver_match
    if match is None or request.workspace.team is None:
        return reverse("overview", kwargs={"team": team.key})
    kwargs = dict(match.kwargs)
    if ONE_RESOURCE in kwargs:
        return reverse("resource-list", kwargs={"team": team.key, "kind": kwargs["kind"]})
    try:
        return reverse(match.view_name, kwargs={**kwargs, "team": team.key})
    except NoReverseMatch:
        return reverse("overview", kwargs={"team": team.key})


@register.simple_tag(takes_context=True)
def team_links(context) -> list[TeamLink]:
    request = context["request"]
    workspace = request.workspace
    current = workspace.page_team
    teams = list(workspace.teams)
    if not current.saved:
        teams.append(current)
    return [TeamLink(team, same_page_in(request, team), team.key == current.key) for team in teams]
