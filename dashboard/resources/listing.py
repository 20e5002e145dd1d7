"""What a person asks of a list (search, sort, "created by me", page) and the arithmetic of
answering it: pure values and functions, no upstream call."""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import Any

from dashboard.upstream.catalog import Column, Format, ResourceKind
from dashboard.upstream.values import parse_timestamp

PAGE_SIZE = 50


@dataclass(frozen=True)
class ListQuery:
    """What a person asked of a list: search text, sort column, "created by me", page."""

    search: str = ""
    sort: str = ""  # a column key of the kind, or "" for the upstream's own order
    descending: bool = False
    mine: bool = False
    page: int = 1
    filters: tuple[tuple[str, str], ...] = ()  # the kind's list filters chosen, asked upstream

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
        chosen = tuple(
            (f.param, params[f.param])
            for f in kind.filters
            if params.get(f.param) in {value for value, _ in f.choices}
        )
        return cls(
            search=(params.get("q") or "").strip()[:200],
            sort=sort,
            descending=descending,
            mine=params.get("mine") in ("1", "on", "true"),
            page=page,
            filters=chosen,
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    @property
    def sort_param(self) -> str:
        return f"-{self.sort}" if self.sort and self.descending else self.sort

    def but(self, **changes: Any) -> ListQuery:
        """This query with some of its parts changed."""
        return replace(self, **changes)

    def params(self, **changes: Any) -> dict[str, str]:
        """The query string of this list (or of a changed copy), without empty values."""
        query = replace(self, **changes) if changes else self
        values = {
            "q": query.search,
            **dict(query.filters),
            "sort": query.sort_param,
            "mine": "1" if query.mine else "",
            "page": str(query.page) if query.page > 1 else "",
        }
        return {key: value for key, value in values.items() if value}

    def chosen(self, param: str) -> str:
        return dict(self.filters).get(param, "")

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
    at_least: int = 0  # when the total is not known: how many rows there are at least
    as_of: float | None = None  # when the list was read, if it was read before this page

    @property
    def age(self) -> str:
        """How long ago the list was read ("12 s", "3 min"), or "" if read for this page."""
        if self.as_of is None:
            return ""
        seconds = max(0, round(time.time() - self.as_of))
        return f"{seconds} s" if seconds < 90 else f"{round(seconds / 60)} min"

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


def column_of(kind: ResourceKind, key: str) -> Column:
    return next(column for column in kind.columns if column.key == key)


def sort_items(items: list[dict], column: Column, descending: bool) -> list[dict]:
    """Items sorted by a column's value; items without a value always come last."""

    def value(item: dict) -> Any:
        raw = item.get(column.key)
        if column.format is Format.DATETIME:
            moment = parse_timestamp(raw)
            return moment.timestamp() if moment else None
        if isinstance(raw, bool) or raw in (None, ""):
            return None if raw in (None, "") else int(raw)
        if isinstance(raw, int | float):
            return raw
        return str(raw).casefold()

    def order(pair: tuple[Any, dict]) -> tuple[int, Any]:
        # Numbers among themselves by value, text among itself alphabetically: one odd value
        # in a column of numbers does not turn 10 < 9.
        key = pair[0]
        return (0, key) if isinstance(key, int | float) else (1, str(key))

    keyed = [(value(item), item) for item in items]
    present = [pair for pair in keyed if pair[0] is not None]
    missing = [item for key, item in keyed if key is None]
    present.sort(key=order, reverse=descending)
    return [item for _, item in present] + missing


def newest_items(items: list[dict], field: str | None, count: int) -> list[dict]:
    """The ``count`` items created last by their ``field``: what
    ``sort_items(items, Column(field, "", Format.DATETIME), descending=True)[:count]`` gives
    (equal times in the list's order, items without a readable time after the others, in
    theirs), without sorting every item of the list."""
    timed, untimed = [], []
    for item in items:
        moment = parse_timestamp(item.get(field))
        if moment is None:
            untimed.append(item)
        else:
            timed.append((moment.timestamp(), item))
    # nlargest is sorted(…, reverse=True)[:count], equal keys kept in their order
    newest = [item for _, item in heapq.nlargest(count, timed, key=itemgetter(0))]
    return newest + untimed[: max(0, count - len(newest))]
