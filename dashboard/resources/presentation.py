"""How upstream items look in pages: status badges, table cells, detail fields, team names.

Everything that turns raw upstream JSON into something a person reads lives here, so the
templates only switch on a cell's ``format`` and the views stay thin.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from dashboard import text
from dashboard.audit.people import Creator, CreatorDirectory
from dashboard.teams.active import PERSONAL_LABEL
from dashboard.text import reveal
from dashboard.upstream import catalog
from dashboard.upstream.catalog import Column, ResourceKind
from dashboard.upstream.client import can_name_a_resource

# --- Status badges: the one place statuses are mapped to colours -------------------------
BADGE_OK = "badge-ok"
BADGE_RUNNING = "badge-run"
BADGE_WARN = "badge-warn"
BADGE_BAD = "badge-bad"
BADGE_NEUTRAL = ""

STATUS_BADGES: dict[str, str] = {
    # finished well, or up and serving
    "completed": BADGE_OK,
    "success": BADGE_OK,
    "active": BADGE_OK,
    "available": BADGE_OK,
    "ready_to_start": BADGE_OK,
    # under way
    "pending": BADGE_RUNNING,
    "queued": BADGE_RUNNING,
    "running": BADGE_RUNNING,
    "started": BADGE_RUNNING,
    "updating": BADGE_RUNNING,
    "file_processing": BADGE_RUNNING,
    "processing": BADGE_RUNNING,
    "in_progress": BADGE_RUNNING,
    "locked": BADGE_RUNNING,
    # stopped, or waiting for a person
    "cancelled": BADGE_WARN,
    "stopped": BADGE_WARN,
    "inactive": BADGE_WARN,
    "needs_review": BADGE_WARN,
    "pending_authorization": BADGE_WARN,
    "deprecated": BADGE_WARN,
    "deleted": BADGE_WARN,
    # broken
    "failed": BADGE_BAD,
    "error": BADGE_BAD,
}


def badge_class(status: str) -> str:
    return STATUS_BADGES.get((status or "").strip().lower(), BADGE_NEUTRAL)


# --- Values -------------------------------------------------------------------------------
def parse_timestamp(value: Any) -> datetime | None:
    """An upstream timestamp (ISO-8601 text or epoch seconds) as an aware datetime."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        moment = None
    if moment is None:
        try:
            day = parse_date(value.strip())
        except ValueError:
            day = None
        if day is None:
            return None
        moment = datetime(day.year, day.month, day.day)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment


def looks_like_timestamp_field(key: str) -> bool:
    return key.endswith("_at") or key in ("created", "updated", "last_modified")


@dataclass(frozen=True)
class TeamName:
    id: str
    label: str  # the saved team's label, "Personal workspace", or "" when not saved


class TeamNames:
    """Names the teams a person has saved (and their personal workspace) by id."""

    def __init__(self, request):
        self.labels = {t.team_id: t.label for t in getattr(request, "saved_teams", [])}
        personal_id = getattr(request, "personal_team_id", "")
        if personal_id:
            self.labels[personal_id] = PERSONAL_LABEL
        team = getattr(request, "team", None)
        if team is not None and team.id:
            self.labels.setdefault(team.id, team.label)

    def name(self, team_id: str) -> TeamName:
        return TeamName(team_id, self.labels.get(team_id, ""))


def display_name(kind: ResourceKind, item: dict) -> str:
    """An item's name as pages show it: invisible characters made visible."""
    return reveal(kind.item_name(item))


def linkable_id(resource_id: str) -> bool:
    """Whether an id can be one segment of a dashboard URL path (see ``converters``)."""
    return "/" not in str(resource_id) and can_name_a_resource(resource_id)


def summary_columns(kind: ResourceKind) -> tuple[Column, ...]:
    """The short columns of an overview panel: name, status where there is one, created."""
    columns = [Column(kind.name_field, "Name")]
    if kind.status_field:
        columns.append(Column(kind.status_field, "Status", "status"))
    columns.append(Column(kind.created_field, "Created", "datetime"))
    return tuple(columns)


# --- Table cells ----------------------------------------------------------------------------
@dataclass
class Cell:
    format: str
    value: Any = None  # the display value (a datetime, a Creator, a TeamName, text…)
    fallback: str = ""  # what the upstream sent, when it could not be read as the format
    badge: str = ""  # for statuses
    link: bool = False  # the cell opens the row's detail page


@dataclass
class Row:
    id: str
    name: str
    cells: list[Cell]
    is_final: bool
    is_mine: bool = False


class RowBuilder:
    """Builds table rows for one kind, resolving creators and teams once per request.

    ``columns`` and ``id_field`` describe a sub-list's rows instead of the kind's own (a vector
    database's files: their own columns, each opening the file it names).
    """

    def __init__(
        self,
        kind: ResourceKind,
        creators: CreatorDirectory,
        teams: TeamNames,
        *,
        columns: tuple[Column, ...] | None = None,
        id_field: str | None = None,
    ):
        self.kind = kind
        self.creators = creators
        self.teams = teams
        self.columns = kind.columns if columns is None else columns
        self.id_field = id_field or kind.id_field

    def cell(self, column: Column, item: dict) -> Cell:
        cell = self.formatted(column, item)
        cell.link = column.format == "id" or column.key == self.kind.name_field
        return cell

    def formatted(self, column: Column, item: dict) -> Cell:
        raw = item.get(column.key)
        if column.format == "datetime":
            return Cell("datetime", parse_timestamp(raw), fallback="" if raw is None else str(raw))
        if column.format == "status":
            text = "" if raw is None else str(raw)
            return Cell("status", text, badge=badge_class(text))
        if column.format == "owner":
            return Cell("owner", self.creator(item))
        if column.format == "team":
            team_id = self.kind.item_team(item)
            return Cell("team", self.teams.name(team_id) if team_id else None)
        if column.format in ("bytes", "number"):
            return Cell(column.format, raw if isinstance(raw, int | float) else None)
        return Cell(column.format, "" if raw is None else reveal(str(raw)))

    def creator(self, item: dict) -> Creator:
        return self.creators.resolve(self.kind.item_owner(item))

    def row(self, item: dict) -> Row:
        row_id = str(item.get(self.id_field, ""))
        cells = [self.cell(column, item) for column in self.columns]
        if not linkable_id(row_id):
            for cell in cells:
                cell.link = False
        return Row(
            id=row_id,
            name=display_name(self.kind, item),
            cells=cells,
            is_final=self.kind.is_final(item),
            is_mine=self.creator(item).is_you,
        )


# --- Detail fields --------------------------------------------------------------------------
@dataclass
class Link:
    kind: str  # "" when the id cannot be linked (an unknown kind, an odd id)
    id: str
    text: str = ""


@dataclass
class Field:
    key: str
    label: str
    format: str  # text|datetime|status|bytes|list|json|links|empty|bool|owner|team
    value: Any = None
    badge: str = ""
    links: list[Link] = field(default_factory=list)


def humanise_key(key: str) -> str:
    text = key.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else key


def relation_ids(value: Any, id_key: str | None) -> list[str]:
    """The ids a relation field holds: one id, a list of ids, or a list of objects."""
    if value in (None, ""):
        return []
    values = value if isinstance(value, list) else [value]
    ids = []
    for entry in values:
        if isinstance(entry, dict):
            entry = entry.get(id_key or "id")
        if entry not in (None, "") and not isinstance(entry, dict | list):
            ids.append(str(entry))
    return ids


def relation_links(kind: ResourceKind, item: dict) -> dict[str, list[Link]]:
    """Links to the related resources each relation field names, keyed by field."""
    links: dict[str, list[Link]] = {}
    for relation in kind.relations:
        value = item.get(relation.field)
        names = {}
        if isinstance(value, list):  # objects (an agent's tools) carry their names
            for entry in value:
                if isinstance(entry, dict):
                    names[str(entry.get(relation.id_key or "id"))] = entry.get("name") or ""
        known_kind = catalog.get(relation.kind) is not None
        links[relation.field] = [
            Link(
                relation.kind if known_kind and linkable_id(rid) else "",
                rid,
                reveal(str(names.get(rid) or rid)),
            )
            for rid in relation_ids(value, relation.id_key)
        ]
    return links


def detail_fields(
    kind: ResourceKind, item: dict, creators: CreatorDirectory, teams: TeamNames
) -> list[Field]:
    """Every field of an item, labelled and formatted: the catalog's columns first, in their
    order, then the rest in the upstream's order."""
    labels = {column.key: column.label for column in kind.columns}
    links = relation_links(kind, item)
    keys = [key for key in labels if key in item] + [key for key in item if key not in labels]
    return [
        detail_field(
            kind, key, labels.get(key) or humanise_key(key), item[key], links, creators, teams
        )
        for key in keys
    ]


def detail_field(
    kind: ResourceKind,
    key: str,
    label: str,
    raw: Any,
    links: dict[str, list[Link]],
    creators: CreatorDirectory,
    teams: TeamNames,
) -> Field:
    if links.get(key):
        return Field(key, label, "links", links=links[key])
    if raw is None or raw == "" or raw == [] or raw == {}:
        return Field(key, label, "empty")
    if key == kind.owner_field:
        return Field(key, label, "owner", creators.resolve(raw))
    if key == kind.team_field:
        return Field(key, label, "team", teams.name(str(raw)))
    if key == kind.status_field:
        return Field(key, label, "status", str(raw), badge_class(str(raw)))
    if isinstance(raw, bool):
        return Field(key, label, "bool", raw)
    if key == "bytes" and isinstance(raw, int):
        return Field(key, label, "bytes", raw)
    moment = parse_timestamp(raw) if looks_like_timestamp_field(key) else None
    if moment:
        return Field(key, label, "datetime", moment)
    if isinstance(raw, list) and all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in raw
    ):
        return Field(key, label, "list", [reveal(str(v)) for v in raw])
    if isinstance(raw, dict | list):
        return Field(key, label, "json", text.pretty_json(raw))
    return Field(key, label, "text", reveal(str(raw)))


# --- Downloads ------------------------------------------------------------------------------
_UNSAFE_FILENAME_CHARS = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def safe_filename(name: str, fallback: str) -> str:
    """A filename that is safe to offer in Content-Disposition: no paths, quotes, controls or
    invisible characters (a right-to-left override would disguise its type)."""
    clean = unicodedata.normalize("NFC", text.without_hidden(name or ""))
    clean = clean.replace("\\", "/").rsplit("/", 1)[-1]
    clean = _UNSAFE_FILENAME_CHARS.sub("_", clean).strip(" .")
    return clean[:200] or text.without_hidden(fallback)
