"""The vocabulary of the catalog: how a resource kind is described.

Everything here is data: a :class:`ResourceKind` says where a kind lives upstream, how its lists
are wrapped and paged, which fields name its owner, team and status, how its columns read and
which actions it offers. See ``docs/upstream.md`` for the wire facts these describe.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dashboard.upstream.catalog.forms import FormSpec


class Scope(enum.Enum):
    TEAM = "team"  # sent with the active team's x-team-id
    USER = "user"  # owned by the user; never sent with x-team-id


class Wrapping(enum.Enum):
    DATA = "data"  # {"data": [...]} (optionally "total")
    OBJECT_DATA = "object_data"  # {"object": "list", "data": [...]}
    BARE = "bare"  # a bare JSON array


class Pagination(enum.Enum):
    LIMIT_OFFSET = "limit_offset"
    SKIP_LIMIT = "skip_limit"
    LIMIT_ORDER = "limit_order"  # no offset: a page is "the newest N"
    PAGE_LIMIT = "page_limit"  # page numbers from 1, ``limit`` items a page
    NONE = "none"  # the upstream returns everything; the dashboard pages it


class Format(enum.StrEnum):
    """How a column's values are read and shown (a string, so templates can compare it)."""

    TEXT = "text"
    ID = "id"
    DATETIME = "datetime"
    STATUS = "status"
    BYTES = "bytes"
    NUMBER = "number"
    OWNER = "owner"  # a creator id, shown as the person
    TEAM = "team"  # a team id, shown with the team's label

    @property
    def numeric(self) -> bool:
        return self in (Format.BYTES, Format.NUMBER)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    format: Format = Format.TEXT


@dataclass(frozen=True)
class Relation:
    """A field holding ids of another kind (e.g. a fine-tune's training files)."""

    field: str
    kind: str
    label: str
    id_key: str | None = None  # for lists of objects: the key holding the id
    when: tuple[str, str] | None = None  # (field, value): only items with it name that kind

    def applies(self, item: dict) -> bool:
        return self.when is None or str(item.get(self.when[0])) == self.when[1]


@dataclass(frozen=True)
class SubList:
    """A list nested under one resource (e.g. a vector database's files)."""

    label: str
    path: str  # with {id}
    wrapping: Wrapping
    columns: tuple[Column, ...]
    link_kind: str | None = None  # kind whose detail page an item's link_field opens
    link_field: str = "id"
    status_field: str | None = None  # items still changing (not final) keep the page refreshing
    final_statuses: frozenset[str] = frozenset()
    remove_path: str | None = None  # with {id} and {item}: taking one item out of the resource
    remove_label: str = "Remove"

    def is_final(self, item: dict) -> bool:
        if not self.status_field or not self.final_statuses:
            return True
        return str(item.get(self.status_field) or "") in self.final_statuses


@dataclass(frozen=True)
class Action:
    """A state change offered on a detail page (delete is described separately)."""

    name: str
    label: str
    method: str
    path: str  # with {id}
    allowed_statuses: frozenset[str] | None  # None: whatever the resource's status
    confirm: str  # the question asked before doing it
    query: tuple[tuple[str, str], ...] = ()  # query parameters, ``{id}`` filled in
    body: tuple[tuple[str, object], ...] = ()  # a JSON body to send, when the action has one

    def allows(self, status: str) -> bool:
        return self.allowed_statuses is None or status in self.allowed_statuses


@dataclass(frozen=True)
class ListFilter:
    """A choice a list can be narrowed by, asked of the upstream as a query parameter."""

    param: str
    label: str
    choices: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ResourceKind:
    slug: str  # URL segment: /r/<slug>/
    label: str  # plural, for headings and navigation
    singular: str
    scope: Scope
    list_path: str
    detail_path: str  # with {id}
    wrapping: Wrapping
    pagination: Pagination
    columns: tuple[Column, ...]
    id_field: str = "id"
    name_field: str = "name"
    owner_field: str | None = "user_id"
    person_fields: tuple[str, ...] = ()  # other fields naming a person, shown as the person
    team_field: str | None = "team_id"
    created_field: str = "created_at"
    status_field: str | None = "status"
    size_field: str | None = None  # bytes of storage an item takes, where the kind says it
    final_statuses: frozenset[str] = frozenset()
    delete_path: str | None = None  # None: the kind cannot be deleted from the dashboard
    # The statuses it may be deleted in (None: any), and how it gets there.
    delete_statuses: frozenset[str] | None = None
    delete_hint: str = ""  # e.g. "Stop it first."
    list_params: dict[str, str] = field(default_factory=dict)  # sent with every list call
    # The largest page the upstream accepts: whole lists are read in pages this size, so a
    # bigger one is fewer round trips, and a wrong one is refused (the sandbox enforces each).
    max_page_size: int = 100
    server_sort: dict[str, str] = field(default_factory=dict)  # column key -> upstream sort_by
    relations: tuple[Relation, ...] = ()
    sub_lists: tuple[SubList, ...] = ()
    actions: tuple[Action, ...] = ()
    content_path: str | None = None  # with {id}: downloadable content
    in_overview: bool = True
    description: str = ""
    forms: tuple[FormSpec, ...] = ()  # create, edit and operations on a resource
    # Copied into another team by its create form's call with these fields of the item (a kind
    # that refers to nothing); kinds with dependencies are planned by the copying app.
    copy_fields: tuple[str, ...] = ()
    filters: tuple[ListFilter, ...] = ()
    code_field: str | None = None  # a field holding source code, shown as such
    field_labels: dict[str, str] = field(default_factory=dict)  # detail labels of this kind

    @property
    def deletable(self) -> bool:
        return self.delete_path is not None

    @property
    def team_scoped(self) -> bool:
        return self.scope is Scope.TEAM

    def item_id(self, item: dict) -> str:
        return str(item.get(self.id_field, ""))

    def item_name(self, item: dict) -> str:
        value = item.get(self.name_field)
        return str(value) if value not in (None, "") else self.item_id(item)

    def item_owner(self, item: dict) -> str:
        value = item.get(self.owner_field) if self.owner_field else None
        return "" if value is None else str(value)

    def item_team(self, item: dict) -> str:
        value = item.get(self.team_field) if self.team_field else None
        return "" if value is None else str(value)

    def item_size(self, item: dict) -> int | None:
        value = item.get(self.size_field) if self.size_field else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def item_status(self, item: dict) -> str:
        value = item.get(self.status_field) if self.status_field else None
        return "" if value is None else str(value)

    def is_final(self, item: dict) -> bool:
        """Whether the item's status will not change by itself (no polling needed)."""
        if not self.status_field or not self.final_statuses:
            return True
        return self.item_status(item) in self.final_statuses

    def may_delete(self, status: str) -> bool:
        """Whether the upstream lets it be deleted in ``status``."""
        return self.delete_statuses is None or status in self.delete_statuses

    def action_for(self, status: str) -> Action | None:
        """The first of its actions that ``status`` allows (Stop, for a running app)."""
        return next((a for a in self.actions if a.allows(status)), None)

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)

    def form(self, name: str) -> FormSpec | None:
        return next((f for f in self.forms if f.name == name), None)

    @property
    def create_form(self) -> FormSpec | None:
        return self.form("create")

    @property
    def operations(self) -> tuple[FormSpec, ...]:
        """Forms on one resource, edit first."""
        return tuple(f for f in self.forms if f.on_resource)
