"""The team switcher: the same page in each of the person's teams, as plain links; and the
side navigation of a team.

Both are on every page and depend on little: the navigation on the page's team and which kind
of page it is, the switcher on the person's teams and the page's address. Each is rendered once
for what it depends on and kept for the process (:class:`Kept`), the same HTML as rendering it
again, at a dictionary lookup's cost.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass

from django import template
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.safestring import SafeString

from dashboard.teams.workspace import Team
from dashboard.upstream.profiles import active_profile

register = template.Library()

NAV_TEMPLATE = "includes/_nav.html"
SWITCHER_TEMPLATE = "teams/_switcher.html"

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


class Kept:
    """Fragments rendered from a template, kept by everything their HTML depends on (a key the
    caller builds); at most ``size`` of them, then all are forgotten at once."""

    def __init__(self, template_name: str, size: int = 4096):
        self.template_name = template_name
        self.size = size
        self.rendered: dict[Hashable, SafeString] = {}
        self.lock = threading.Lock()

    def render(self, context, key: Hashable) -> SafeString:
        key = (get_script_prefix(), key)  # every URL in it starts with the script prefix
        html = self.rendered.get(key)
        if html is None:
            # As {% include %} renders it: the template in the page's own context.
            html = context.template.engine.get_template(self.template_name).render(context)
            with self.lock:
                if len(self.rendered) >= self.size:
                    self.rendered.clear()
                self.rendered[key] = html
        return html


_navigation = Kept(NAV_TEMPLATE)
_switchers = Kept(SWITCHER_TEMPLATE)


@register.simple_tag(takes_context=True)
def side_navigation(context) -> SafeString:
    """``includes/_nav.html``: the page's team's links, the page's own marked. It depends on
    nothing else (the kinds and features are the upstream profile's)."""
    match = context["request"].resolver_match
    page = (match.url_name, match.kwargs.get("kind")) if match is not None else None
    return _navigation.render(context, (active_profile().slug, context["active_team"].key, page))


@register.simple_tag(takes_context=True)
def team_switcher(context) -> SafeString:
    """``teams/_switcher.html``: the page's team, the same page in each of the person's teams,
    and the header's search (which shows the search page's query)."""
    request = context["request"]
    workspace, match = request.workspace, request.resolver_match
    page = None
    if match is not None:
        kwargs = match.kwargs
        # A resource's page links to the list of its kind in each team, whichever resource.
        shown = ("list of", kwargs.get("kind")) if ONE_RESOURCE in kwargs else kwargs.items()
        page = (match.view_name, match.url_name, tuple(sorted(shown)))
    query = request.GET.get("q") if match is not None and match.url_name == "search" else None
    key = (tuple(workspace.teams), workspace.page_team, workspace.team is None, page, query)
    return _switchers.render(context, key)
