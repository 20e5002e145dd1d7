"""Reads that combine upstream calls: a list page, the overview's panels, one resource with its
sub-lists, and a resource looked for in every other team. Only the client speaks HTTP."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from dashboard.resources.listing import (
    PAGE_SIZE,
    ListQuery,
    ListResult,
    column_of,
    newest_items,
    server_sort_params,
    sort_items,
)
from dashboard.teams.workspace import Team
from dashboard.text import reveal
from dashboard.upstream import catalog, listcache
from dashboard.upstream.catalog import Pagination, ResourceKind
from dashboard.upstream.catalog.forms import Choices, FormSpec
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.errors import NotFoundError, UpstreamError
from dashboard.upstream.fanout import Outcome, fan_out
from dashboard.upstream.resources import LIST_ALL_LIMIT, LIST_ALL_WINDOW

OVERVIEW_LATEST = 5
# How far a list with no upstream total is read to count it (10 upstream pages of 100, four
# at a time); a longer one is shown as "at least" this many.
COUNT_LIMIT = 1_000


def fetch_list(
    client: UpstreamClient,
    kind: ResourceKind,
    query: ListQuery,
    my_id: str = "",
    *,
    fresh: bool = False,
) -> ListResult:
    """One page of a list, with the list's total.

    A list read recently is searched, filtered, sorted and paged here again without asking the
    upstream (unless ``fresh``; see ``upstream/listcache.py``). Otherwise its beginning (up to
    ``COUNT_LIMIT`` items, which counts it) or, when the query needs it all, the whole of it
    is read with the largest pages and remembered. Only a page past that beginning, or sorted
    by the upstream in a way a partial read cannot be, is asked of the upstream alone.

    The team's generation is taken once, before anything is read (see ``listcache``)."""
    params = dict(query.filters) or None  # the upstream narrows the list by these itself
    plain = not (query.search or query.mine)
    generation = listcache.generation(client)
    read = None if fresh else listcache.recall(client, kind, params, generation=generation)
    if read is not None and (read.complete or (plain and not query.sort and _within(query, read))):
        return _answer(kind, read, query, my_id, remembered=True)
    upstream_pages = kind.pagination in (Pagination.LIMIT_OFFSET, Pagination.SKIP_LIMIT)
    server_sort = server_sort_params(kind, query) if upstream_pages and plain else None
    if server_sort == {} and query.offset + PAGE_SIZE <= COUNT_LIMIT:
        read = read_list(client, kind, params, limit=COUNT_LIMIT, generation=generation)
        return _answer(kind, read, query, my_id)
    if server_sort is None:
        # Someone searching or sorting waits for the whole list: of unknown length, a few of
        # its pages are asked at once (see ``read_list``).
        guess = LIST_ALL_WINDOW if not plain or query.sort else 1
        read = read_list(client, kind, params, start=read, generation=generation, guess=guess)
        return _answer(kind, read, query, my_id)
    page_params = {**server_sort, **(params or {})}
    return _upstream_page(client, kind, query, page_params, read, generation)


def read_list(
    client: UpstreamClient,
    kind: ResourceKind,
    params: dict | None,
    *,
    limit: int = LIST_ALL_LIMIT,
    start: listcache.Remembered | None = None,
    generation: str | None = None,
    guess: int = 1,
) -> listcache.Remembered:
    """A list's first ``limit`` items (the whole list by default), read and remembered; reading
    goes on after ``start``, a beginning already read, and asks every page at once when the
    list's length is known from last time. Of a list whose length is not known, the first
    ``guess`` pages are asked at once (``LIST_ALL_WINDOW`` for someone waiting for the whole
    of it: a few calls past the end of a short list, once, rather than a round trip more). It
    is remembered under ``generation``, the team's generation taken before the page began
    reading (by default, taken now)."""
    if generation is None:
        generation = listcache.generation(client)
    expect = listcache.size_hint(client, kind, params)
    page = client.resources.list_upto(
        kind,
        limit=limit,
        params=params,
        start=start.items if start is not None else None,
        expect=min(expect, limit) if expect is not None else None,
        guess=guess,
    )
    # Going on after a beginning read earlier, the list is as old as that beginning.
    read_at = start.read_at if start is not None else time.time()
    read = listcache.Remembered(page.items, not page.has_more, page.total, read_at)
    listcache.remember(client, kind, params, read, generation=generation)
    return read


def _within(query: ListQuery, read: listcache.Remembered) -> bool:
    return query.offset + PAGE_SIZE <= len(read.items) or (
        query.offset < len(read.items) and query.page == 1
    )


def _answer(
    kind: ResourceKind,
    read: listcache.Remembered,
    query: ListQuery,
    my_id: str,
    *,
    remembered: bool = False,
) -> ListResult:
    """The query's page of a list read (all of it, or its beginning for a plain query)."""
    items = matching(kind, read.items, query, my_id)
    window = items[query.offset : query.offset + PAGE_SIZE]
    more = query.offset + PAGE_SIZE < len(items) or not read.complete
    as_of = read.read_at if remembered else None
    if read.complete:
        return ListResult(window, query.page, more, len(items), as_of=as_of)
    if read.total is not None and not (query.search or query.mine):
        return ListResult(window, query.page, more, read.total, as_of=as_of)
    return ListResult(window, query.page, more, None, at_least=len(items), as_of=as_of)


def _upstream_page(
    client: UpstreamClient,
    kind: ResourceKind,
    query: ListQuery,
    params: dict,
    read: listcache.Remembered | None,
    generation: str,
) -> ListResult:
    """A page the upstream pages and sorts itself. When it gives no total the list's beginning
    is read at the same time to count it (or the one remembered says how long it is at least)."""
    calls: dict[str, Callable[[], Any]] = {
        "page": partial(
            client.resources.list_page, kind, offset=query.offset, limit=PAGE_SIZE, params=params
        )
    }
    filters = dict(query.filters) or None
    if read is None:
        calls["count"] = partial(
            read_list, client, kind, filters, limit=COUNT_LIMIT, generation=generation
        )
    outcomes = fan_out(calls)
    if not outcomes["page"].ok:
        raise outcomes["page"].error
    page = outcomes["page"].value
    if page.total is not None or not (page.has_more or query.page > 1):
        total = page.total if page.total is not None else query.offset + len(page.items)
        return ListResult(page.items, query.page, page.has_more, total)
    counted = read
    if counted is None and outcomes["count"].ok:
        counted = outcomes["count"].value
    if counted is not None and counted.total is not None:
        return ListResult(page.items, query.page, page.has_more, counted.total)
    seen = max(len(counted.items) if counted else 0, query.offset + len(page.items))
    return ListResult(page.items, query.page, page.has_more, None, at_least=seen)


def matching_items(
    client: UpstreamClient, kind: ResourceKind, query: ListQuery, my_id: str = ""
) -> list[dict]:
    """Every item of the list that the query matches (all pages), in the list's order."""
    items = client.resources.list_all(kind, params=dict(query.filters) or None)
    return matching(kind, items, query, my_id)


def matching(kind: ResourceKind, items: list[dict], query: ListQuery, my_id: str) -> list[dict]:
    """The items the query's search and "mine" match, in its sort order."""
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
    return items


@dataclass
class Panel:
    kind: ResourceKind
    latest: list[dict] = field(default_factory=list)
    count: int | None = None
    count_is_lower_bound: bool = False  # more than COUNT_LIMIT items and no upstream total
    error: UpstreamError | None = None
    items: list[dict] = field(default_factory=list)  # all items fetched for the panel


def newest_first_params(kind: ResourceKind) -> dict[str, str]:
    sort_by = kind.server_sort.get(kind.created_field)
    return {"sort_by": sort_by, "sort_order": "desc"} if sort_by else {}


def overview_panel_call(
    client: UpstreamClient, kind: ResourceKind, generation: str | None = None
) -> Callable[[], Panel]:
    """The upstream calls that give a kind's count and newest items (runs in a worker).

    The list's beginning is read as its list page reads it (and remembered for it, under
    ``generation``, the team's generation taken before the page's reads began), up to
    ``COUNT_LIMIT`` items, so the count is the one its list page gives; only a longer list with
    no upstream total is "at least" so many. The newest items of such a list are asked of the
    upstream, sorted newest first, when it can sort so."""

    def call() -> Panel:
        read = read_list(client, kind, None, limit=COUNT_LIMIT, generation=generation)
        candidates = read.items
        if not read.complete and newest_first_params(kind):
            candidates = client.resources.list_page(
                kind, limit=OVERVIEW_LATEST, params=newest_first_params(kind)
            ).items
        return Panel(
            kind,
            latest=newest_items(candidates, kind.created_field, OVERVIEW_LATEST),
            count=read.total if read.total is not None else len(read.items),
            count_is_lower_bound=read.total is None,
            items=read.items,
        )

    return call


def overview_panels(client: UpstreamClient, kinds: list[ResourceKind]) -> list[Panel]:
    """A panel per kind, all fetched at once; a failing panel carries its own error. The
    team's generation is taken once for all of them, before any is read."""
    generation = listcache.generation(client)
    outcomes = fan_out({kind.slug: overview_panel_call(client, kind, generation) for kind in kinds})
    return [
        outcome.value if outcome.ok else Panel(kind, error=outcome.error)
        for kind, outcome in ((kind, outcomes[kind.slug]) for kind in kinds)
    ]


@dataclass
class TeamLookup:
    team: Team
    item: dict | None = None
    error: UpstreamError | None = None

    @property
    def found(self) -> bool:
        return self.item is not None


def find_in_teams(
    client: UpstreamClient, kind: ResourceKind, resource_id: str, teams: list[Team]
) -> list[TeamLookup]:
    """Ask every team at once whether it holds the resource."""
    clients = {team.key: client.for_team(team.id) for team in teams}
    outcomes = fan_out(
        {
            key: (lambda bound=bound: bound.resources.retrieve(kind, resource_id))
            for key, bound in clients.items()
        }
    )
    lookups = []
    for team in teams:
        outcome = outcomes[team.key]
        if outcome.ok:
            lookups.append(TeamLookup(team, item=outcome.value))
        elif isinstance(outcome.error, NotFoundError):
            lookups.append(TeamLookup(team))
        else:
            lookups.append(TeamLookup(team, error=outcome.error))
    return lookups


@dataclass
class Detail:
    """One resource, each of its kind's sub-lists (each may have failed on its own), and the
    names of the resources its relation fields name by id alone."""

    item: dict
    sub_lists: list[Outcome]
    related: dict[tuple[str, str], str | None] = field(default_factory=dict)  # None: not here


RELATED_NAMES_LIMIT = 20  # ids looked up per page; more are shown as ids


def resource_detail(client: UpstreamClient, kind: ResourceKind, resource_id: str) -> Detail:
    """The resource and its sub-lists, asked at once; the resource's own failure is raised.
    Then the resources its relations name by id alone (a fine-tune's files), asked at once."""
    tasks: dict[Any, Callable[[], Any]] = {
        "item": partial(client.resources.retrieve, kind, resource_id)
    }
    for index in range(len(kind.sub_lists)):
        tasks[index] = partial(client.resources.sub_list, kind, index, resource_id)
    outcomes = fan_out(tasks)
    if outcomes["item"].error is not None:
        raise outcomes["item"].error
    item = outcomes["item"].value
    return Detail(
        item,
        [outcomes[i] for i in range(len(kind.sub_lists))],
        related_names(client, kind, item),
    )


def related_names(
    client: UpstreamClient, kind: ResourceKind, item: dict
) -> dict[tuple[str, str], str | None]:
    """The names of the team's resources the item's relations name by id alone, by (kind, id);
    None for one the team does not have (or could not be read: it is then shown by id)."""
    wanted: dict[tuple[str, str], ResourceKind] = {}
    for relation in kind.relations:
        related_kind = catalog.get(relation.kind)
        value = item.get(relation.field)
        if related_kind is None or not relation.applies(item):
            continue
        entries = value if isinstance(value, list) else [value]
        for entry in entries:
            if isinstance(entry, str | int) and not isinstance(entry, bool) and entry != "":
                wanted.setdefault((relation.kind, str(entry)), related_kind)
    wanted = dict(list(wanted.items())[:RELATED_NAMES_LIMIT])
    outcomes = fan_out(
        {key: partial(client.resources.retrieve, k, key[1]) for key, k in wanted.items()}
    )
    return {
        key: (wanted[key].item_name(outcome.value) if outcome.ok else None)
        for key, outcome in outcomes.items()
    }


@dataclass
class FormChoices:
    """The options of a form's choice fields, asked of the upstream at once; a source that
    could not be read leaves its fields empty and says why."""

    options: dict[str, list[tuple[str, str]]]
    problems: dict[str, UpstreamError]


def form_choices(client: UpstreamClient, spec: FormSpec) -> FormChoices:
    sources = {
        declared.key: declared.choices
        for declared in spec.fields
        if declared.choices is not None and declared.choices.from_upstream
    }
    distinct = {choices: None for choices in sources.values()}
    outcomes = fan_out({source: partial(client.resources.choices, source) for source in distinct})
    options, problems = {}, {}
    for key, source in sources.items():
        outcome = outcomes[source]
        if outcome.ok:
            options[key] = _named([_option(source, item) for item in outcome.value])
        else:
            options[key], problems[key] = [], outcome.error
    return FormChoices(options, problems)


def _option(source: Choices, item: dict) -> tuple[str, str]:
    value = str(item.get(source.value, ""))
    kind = catalog.get(source.kind) if source.kind else None
    label = item.get(source.label) if source.label else None
    if label in (None, "") and kind is not None:
        label = kind.item_name(item)
    return value, reveal(str(label if label not in (None, "") else value))


def _named(options: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Options by name; a name two of them share is told apart by the id."""
    seen = Counter(label for _, label in options)
    return [
        (value, f"{label} ({value})" if seen[label] > 1 and label != value else label)
        for value, label in options
    ]
