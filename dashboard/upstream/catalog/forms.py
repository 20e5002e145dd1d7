"""The vocabulary of a kind's forms: what a person fills in to create, edit or act on a resource,
and how that becomes the request body the upstream expects.

Like Django admin's ``ModelAdmin``, a kind declares its forms and one generic view serves them
all. A field names where its value goes in the body (a dotted path: ``output.model_id`` puts it
under ``output``), how it is typed and limited, and where its choices come from: a fixed list,
the upstream's models, or the team's own resources of a kind (its files of one purpose, its
vector databases…), offered by name.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from dashboard.upstream.catalog.types import Column, Wrapping


class FieldType(enum.StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    CHOICES = "choices"  # several of them
    FILE = "file"  # a file to send as it is (multipart)


@dataclass(frozen=True)
class Choices:
    """Where a choice field's options come from.

    ``kind``: the team's resources of a catalog kind; ``path``: a plain upstream list (the
    models); ``static``: a fixed list. ``where`` keeps only items whose fields have these
    values; ``value`` and ``label`` name the item fields used (``label`` defaults to the
    kind's name field).
    """

    kind: str | None = None
    path: str | None = None
    wrapping: Wrapping = Wrapping.DATA
    where: tuple[tuple[str, str], ...] = ()
    value: str = "id"
    label: str = ""
    static: tuple[tuple[str, str], ...] = ()

    @property
    def from_upstream(self) -> bool:
        return bool(self.kind or self.path)


@dataclass(frozen=True)
class FormField:
    key: str  # the form field's own name (unique in the form)
    label: str
    type: FieldType = FieldType.TEXT
    path: str = ""  # where the value goes in the body (dotted); defaults to ``key``
    help: str = ""
    required: bool = False
    min_value: float | None = None
    max_value: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    choices: Choices | None = None
    as_int: bool = False  # a choice whose value the upstream wants as a number
    initial: Any = None
    advanced: bool = False  # behind the form's "advanced" fold
    when: tuple[tuple[str, str], ...] = ()  # only used while these other fields have these values
    from_field: str = ""  # edits: the resource field its current value is read from (default: path)
    accept: tuple[str, ...] = ()  # files: the name endings accepted (".py")
    max_bytes: int = 1024 * 1024  # files: the largest accepted

    @property
    def body_path(self) -> str:
        return self.path or self.key

    @property
    def read_path(self) -> str:
        return self.from_field or self.body_path


@dataclass(frozen=True)
class Follow:
    """What an operation starts and how to read it afterwards: a job that has no list of its
    own upstream, read by its id at ``path`` (``{id}``: the resource, ``{result}``: the id the
    operation's answer gave) until its status is final."""

    label: str  # "Job"
    path: str
    final_statuses: frozenset[str]
    fields: tuple[Column, ...]  # what is shown of it
    status_field: str = "status"
    result_field: str = ""  # a field holding what it produced, shown whole once there
    parent_field: str = ""  # the field naming the resource it belongs to (not shown again)
    # The resource's statuses in which what it started goes on (None: any); in others it waits.
    runs_while: frozenset[str] | None = None


@dataclass(frozen=True)
class FormSpec:
    """One form of a kind: create (no resource yet), edit, or an operation on a resource."""

    name: str  # "create", "edit", "add-files"…: the URL segment of an operation
    label: str  # the button and the page's heading: "Create agent", "Add files"
    intro: str  # what it does, in a sentence a non-programmer reads first
    method: str
    path: str  # with {id} for a form on a resource
    fields: tuple[FormField, ...]
    fixed: tuple[tuple[str, Any], ...] = ()  # body parts always sent (dotted paths)
    multipart: bool = False  # sent as multipart (a file), not JSON
    keep_nulls: bool = False  # empty optional values are sent as null, not left out
    diff_path: str | None = None  # edits: the call that previews the change without saving
    prefill: bool = False  # edits: the fields start from the resource's current values
    allowed_statuses: frozenset[str] | None = None  # None: whatever the resource's status
    result_id: str = "id"  # where the answer names the resource (create)
    uppercase_keys_of: tuple[str, ...] = ()  # objects whose keys the upstream wants upper case
    opens_result: bool = False  # an operation whose answer is a new resource (a duplicate)
    follow: Follow | None = None  # an operation that starts something followed afterwards
    # An edit sending only what changed (the upstream updates what it is sent, replacing
    # objects whole: a change inside one sends the resource's object with the change).
    changes_only: bool = False

    @property
    def on_resource(self) -> bool:
        return "{id}" in self.path

    def field(self, key: str) -> FormField | None:
        return next((f for f in self.fields if f.key == key), None)


def choose(*pairs: str) -> tuple[tuple[str, str], ...]:
    """Static choices from alternating values and labels: ``choose("a", "A", "b", "B")``."""
    return tuple(zip(pairs[0::2], pairs[1::2], strict=True))
