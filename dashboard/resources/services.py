"""Browsing team resources: the overview's panels, list pages, lookups in other teams, and
what to say when a change is refused. Views call these; only the upstream client speaks HTTP."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from dashboard.accounts.services import learn_identity, remember_identity
from dashboard.resources.presentation import parse_timestamp
from dashboard.teams.active import PERSONAL, ActiveTeam, personal
from dashboard.upstream.catalog import Column, Pagination, ResourceKind
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.errors import ForbiddenError, NotFoundError, UpstreamError
from dashboard.upstream.fanout import fan_out

PAGE_SIZE = 50
OVERVIEW_LATEST = 5


# --- List pages -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ListQuery:
    """What a person asked of a list: search text, sort column, "created by me", page."""

    search: str = ""
    sort: str = ""  # a column key of the kind, or "" for the upstream's own order
    descending: bool = False
    mine: bool = False
    page: int = 1

    @classmethod
    def from_params(cls, kind: ResourceKind, params: Mapping[str, str]) -> ListQuery:
        sort = (params.get("sort") or "").strip()
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        if sort not in {column.key for column in kind.columns}:
            sort, descending = "", False
        try:
            page = max(1, int(params.get("page") or 1))
        except ValueError:
            page = 1
        return cls(
            search=(params.get("q") or "").strip()[:200],
            sort=sort,
            descending=descending,
            mine=params.get("mine") in ("1", "on", "true"),
            page=page,
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    @property
    def sort_param(self) -> str:
        return f"-{self.sort}" if self.sort and self.descending else self.sort

    def params(self, **changes: Any) -> dict[str, str]:
        """The query string of this list (or of a changed copy), without empty values."""
        query = replace(self, **changes) if changes else self
        values = {
            "q": query.search,
            "sort": query.sort_param,
            "mine": "1" if query.mine else "",
            "page": str(query.page) if query.page > 1 else "",
        }
        return {key: value for key, value in values.items() if value}

    def sorted_by(self, column: str) -> dict[str, str]:
        """The query string that sorts by ``column`` (flipping the direction if it already is)."""
        descending = not self.descending if self.sort == column else False
        return self.params(sort=column, descending=descending, page=1)


@dataclass
class ListResult:
    items: list[dict]
    page: int
    has_more: bool
    total: int | None  # rows of the (filtered) list, when known
    whole_list: bool  # fetched whole and searched, filtered, sorted or paged in the dashboard

    @property
    def first_row(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.items) - 1

    @property
    def last_page(self) -> int | None:
        if self.total is None:
            return None
        return max(1, math.ceil(self.total / PAGE_SIZE))

    @property
    def beyond_end(self) -> bool:
        return not self.items and self.page > 1


def server_sort_params(kind: ResourceKind, query: ListQuery) -> dict[str, str] | None:
    """The upstream's own sort parameters for the query's sort, or None if it cannot sort so."""
    if not query.sort:
        return {}
    sort_by = kind.server_sort.get(query.sort)
    if sort_by is None:
        return None
    return {"sort_by": sort_by, "sort_order": "desc" if query.descending else "asc"}


def fetch_list(
    client: UpstreamClient, kind: ResourceKind, query: ListQuery, my_id: str = ""
) -> ListResult:
    """One page of a list, asking the upstream for just that page whenever it can do what was
    asked; otherwise the whole list is fetched and searched, filtered, sorted and paged here."""
    server_sort = server_sort_params(kind, query)
    upstream_pages = kind.pagination in (Pagination.LIMIT_OFFSET, Pagination.SKIP_LIMIT)
    if upstream_pages and server_sort is not None and not (query.search or query.mine):
        page = client.list_page(kind, offset=query.offset, limit=PAGE_SIZE, params=server_sort)
        return ListResult(page.items, query.page, page.has_more, page.total, whole_list=False)

    items = client.list_all(kind)
    if query.search:
        needle = query.search.casefold()
        items = [
            i
            for i in items
            if needle in kind.item_name(i).casefold() or needle in kind.item_id(i).casefold()
        ]
    if query.mine:
        items = [i for i in items if my_id and kind.item_owner(i) == my_id]
    if query.sort:
        items = sort_items(items, column_of(kind, query.sort), query.descending)
    window = items[query.offset : query.offset + PAGE_SIZE]
    return ListResult(
        window, query.page, query.offset + PAGE_SIZE < len(items), len(items), whole_list=True
    )


def column_of(kind: ResourceKind, key: str) -> Column:
    return next(column for column in kind.columns if column.key == key)


def sort_items(items: list[dict], column: Column, descending: bool) -> list[dict]:
    """Items sorted by a column's value; items without a value always come last."""

    def value(item: dict) -> Any:
        raw = item.get(column.key)
        if column.format == "datetime":
            moment = parse_timestamp(raw)
            return moment.timestamp() if moment else None
        if isinstance(raw, bool) or raw in (None, ""):
            return None if raw in (None, "") else int(raw)
        if isinstance(raw, int | float):
            return raw
        return str(raw).casefold()

    keyed = [(value(item), item) for item in items]
    present = [pair for pair in keyed if pair[0] is not None]
    missing = [item for key, item in keyed if key is None]
    numbers = all(isinstance(key, int | float) for key, _ in present)
    present.sort(key=lambda pair: pair[0] if numbers else str(pair[0]), reverse=descending)
    return [item for _, item in present] + missing


# --- Identity ("you") -----------------------------------------------------------------------
def known_identity(request) -> dict[str, str]:
    """What the active key already says about the user upstream ("" when not known)."""
    key = getattr(request, "active_api_key", None)
    return {
        "upstream_user_id": (getattr(key, "upstream_user_id", "") if key else "") or "",
        "personal_team_id": (getattr(key, "personal_team_id", "") if key else "") or "",
    }


def learn_identity_from(request, batches: list[tuple[ResourceKind, list[dict]]]) -> str:
    """In the personal workspace every creator is the user: learn and remember who they are.

    ``batches`` are items already fetched, per kind. Returns the user's upstream id as now
    known (possibly learnt just now), or "".
    """
    stored = known_identity(request)
    if not request.team.is_personal:
        return stored["upstream_user_id"]
    learnt: dict[str, str] = {}
    for kind, items in batches:
        for name, value in learn_identity(items, kind.owner_field).items():
            learnt.setdefault(name, value)
    changed = {name: value for name, value in learnt.items() if stored.get(name) != value}
    if changed:
        remember_identity(request.user, **changed)
    return learnt.get("upstream_user_id") or stored["upstream_user_id"]


# --- The overview ---------------------------------------------------------------------------
@dataclass
class Panel:
    kind: ResourceKind
    latest: list[dict] = field(default_factory=list)
    count: int | None = None
    count_is_lower_bound: bool = False  # the upstream has more than one page and no total
    error: UpstreamError | None = None
    items: list[dict] = field(default_factory=list)  # all items fetched for the panel


def newest_first_params(kind: ResourceKind) -> dict[str, str]:
    sort_by = kind.server_sort.get(kind.created_field)
    return {"sort_by": sort_by, "sort_order": "desc"} if sort_by else {}


def overview_panel_call(client: UpstreamClient, kind: ResourceKind) -> Callable[[], Panel]:
    """One upstream call that gives a kind's count and newest items (runs in a worker)."""

    def call() -> Panel:
        if kind.pagination is Pagination.NONE:
            items, has_more = client.list_all(kind), False
            total: int | None = len(items)
        else:
            page = client.list_page(
                kind, limit=kind.max_page_size, params=newest_first_params(kind)
            )
            items, has_more, total = page.items, page.has_more, page.total
        newest = sort_items(items, Column(kind.created_field, "", "datetime"), descending=True)
        return Panel(
            kind,
            latest=newest[:OVERVIEW_LATEST],
            count=total if total is not None else len(items),
            count_is_lower_bound=total is None and has_more,
            items=items,
        )

    return call


def overview_panels(client: UpstreamClient, kinds: list[ResourceKind]) -> list[Panel]:
    """A panel per kind, all fetched at once; a failing panel carries its own error."""
    outcomes = fan_out({kind.slug: overview_panel_call(client, kind) for kind in kinds})
    return [
        outcome.value if outcome.ok else Panel(kind, error=outcome.error)
        for kind, outcome in ((kind, outcomes[kind.slug]) for kind in kinds)
    ]


# --- Looking in the other teams -------------------------------------------------------------
@dataclass
class TeamLookup:
    team: ActiveTeam
    item: dict | None = None
    error: UpstreamError | None = None

    @property
    def found(self) -> bool:
        return self.item is not None

    @property
    def switch_value(self) -> str:
        return self.team.id or PERSONAL


def other_teams(request) -> list[ActiveTeam]:
    """The personal workspace and the saved teams, except the active one."""
    teams = [personal(getattr(request, "personal_team_id", ""))]
    teams += [ActiveTeam(t.team_id, t.label) for t in request.saved_teams]
    return [team for team in teams if team.id != request.team.id]


def find_in_teams(
    client: UpstreamClient, kind: ResourceKind, resource_id: str, teams: list[ActiveTeam]
) -> list[TeamLookup]:
    """Ask every team at once whether it holds the resource."""
    clients = {team.guard_value: client.for_team(team.id) for team in teams}
    outcomes = fan_out(
        {
            key: (lambda bound=bound: bound.retrieve(kind, resource_id))
            for key, bound in clients.items()
        }
    )
    lookups = []
    for team in teams:
        outcome = outcomes[team.guard_value]
        if outcome.ok:
            lookups.append(TeamLookup(team, item=outcome.value))
        elif isinstance(outcome.error, NotFoundError):
            lookups.append(TeamLookup(team))
        else:
            lookups.append(TeamLookup(team, error=outcome.error))
    return lookups


# --- Changes ---------------------------------------------------------------------------------
def explain_failure(exc: UpstreamError, team: ActiveTeam, doing: str) -> str:
    """What to tell a person whose change the upstream refused, naming the team."""
    if isinstance(exc, ForbiddenError):
        return (
            f"Your role in {team.label} ({team.display_id}) does not allow {doing}: the upstream "
            f"refused it (403). Ask an Admin of {team.label}, or switch to a team where you may."
        )
    if isinstance(exc, NotFoundError):
        return f"{team.label} ({team.display_id}) no longer has it (404): nothing to do."
    return f"{doing[:1].upper()}{doing[1:]} in {team.label} failed. {exc.message}"
