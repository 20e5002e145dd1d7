"""How upstream items look in pages: status badges, table cells, detail fields, team names.

Everything that turns raw upstream JSON into something a person reads lives here, so the
templates only switch on a cell's ``format`` and the views stay thin.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from dashboard import text
from dashboard.converters import url_for
from dashboard.people.directory import Creator, CreatorDirectory
from dashboard.resources.listing import ListQuery, ListResult
from dashboard.teams.workspace import PERSONAL_LABEL, Team, Workspace
from dashboard.text import reveal
from dashboard.upstream import catalog
from dashboard.upstream.catalog import Column, Format, ResourceKind, SubList
from dashboard.upstream.paths import can_name_a_resource
from dashboard.upstream.values import parse_timestamp

if TYPE_CHECKING:
    from dashboard.resources.selectors import Detail

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
    # under way
    "pending": BADGE_RUNNING,
    "queued": BADGE_RUNNING,
    "running": BADGE_RUNNING,
    "started": BADGE_RUNNING,
    "updating": BADGE_RUNNING,
    "file_processing": BADGE_RUNNING,
    "processing": BADGE_RUNNING,
    "in_progress": BADGE_RUNNING,
    "in_queue": BADGE_RUNNING,
    "locked": BADGE_RUNNING,
    # stopped, or waiting for a person
    "ready_to_start": BADGE_WARN,
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
def looks_like_timestamp_field(key: str) -> bool:
    return key.endswith("_at") or key in ("created", "updated", "last_modified")


@dataclass(frozen=True)
class TeamName:
    id: str
    label: str  # the saved team's label, "Personal workspace", or "" when not saved


class TeamNames:
    """Names the teams of a workspace (the saved ones, the personal workspace, the page's) by
    id."""

    def __init__(self, workspace: Workspace):
        self.labels = {team.id: team.label for team in workspace.teams[1:]}
        if workspace.personal_team_id:
            self.labels[workspace.personal_team_id] = PERSONAL_LABEL
        team = workspace.team
        if team is not None and team.id:
            self.labels.setdefault(team.id, team.label)

    def name(self, team_id: str) -> TeamName:
        return TeamName(team_id, self.labels.get(team_id, ""))


# Words that read as initials wherever a field name is turned into a label.
INITIALISMS = {
    "id": "ID",
    "ids": "IDs",
    "api": "API",
    "url": "URL",
    "urls": "URLs",
    "mcp": "MCP",
    "json": "JSON",
    "jsonl": "JSON Lines",
    "csv": "CSV",
    "gpu": "GPU",
    "llm": "LLM",
}


def humanise_key(key: str) -> str:
    """A field name the catalog has no label for, as words: ``api_key`` is "API key"."""
    words = [INITIALISMS.get(w.lower(), w) for w in key.replace("-", "_").split("_") if w]
    if not words:
        return key
    if words[0] == "n" and len(words) > 1:  # n_things: how many things
        words = ["Number", "of", *words[1:]]
    first = words[0]
    return " ".join([first[:1].upper() + first[1:], *words[1:]])


# --- Status words: the one place upstream statuses become words a person reads ------------
STATUS_WORDS: dict[str, str] = {
    "ready_to_start": "Ready to start",
    "needs_review": "Needs review",
    "pending_authorization": "Waiting for authorization",
    "file_processing": "Processing files",
    "in_progress": "In progress",
    "success": "Succeeded",
}


def status_label(status: str) -> str:
    """A status as every page words it, whatever the kind's spelling (``ready_to_start``,
    ``RUNNING``, ``Active``): "Ready to start", "Running", "Active"."""
    text = (status or "").strip()
    if not text:
        return ""
    known = STATUS_WORDS.get(text.lower())
    if known:
        return known
    words = text.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize()


def code_of(kind: ResourceKind, item: dict) -> str | None:
    """The source code a resource holds (a Python function's), shown as code."""
    value = item.get(kind.code_field) if kind.code_field else None
    return value if isinstance(value, str) else None


def display_name(kind: ResourceKind, item: dict) -> str:
    """An item's name as pages show it: invisible characters made visible."""
    return reveal(kind.item_name(item))


def linkable_id(resource_id: str) -> bool:
    """Whether an id can be one segment of a dashboard URL path (see ``converters``)."""
    return "/" not in str(resource_id) and can_name_a_resource(resource_id)


def reading_order(columns: tuple[Column, ...], name_key: str | None) -> tuple[Column, ...]:
    """Columns as a table shows them: the name first (what people look for), the others as the
    catalog orders them, the ID last (shown short, to hover or copy); with no name, the ID
    first. No team column: a table is one team's, so it would repeat the page's team on every
    row."""
    shown = [column for column in columns if column.format is not Format.TEAM]
    name = [column for column in shown if column.key == name_key]
    ids = [column for column in shown if column.format is Format.ID]
    others = [column for column in shown if column not in name and column not in ids]
    return tuple(name + others + ids) if name else tuple(ids + others)


def list_columns(kind: ResourceKind) -> tuple[Column, ...]:
    return reading_order(kind.columns, kind.name_field)


def sub_list_columns(sub: SubList) -> tuple[Column, ...]:
    """A sub-list's columns; its items are named as the kind they open names them."""
    linked = catalog.get(sub.link_kind) if sub.link_kind else None
    return reading_order(sub.columns, linked.name_field if linked else None)


def summary_columns(kind: ResourceKind) -> tuple[Column, ...]:
    """The short columns of an overview panel: name, status where there is one, created."""
    columns = [Column(kind.name_field, "Name")]
    if kind.status_field:
        columns.append(Column(kind.status_field, "Status", Format.STATUS))
    columns.append(Column(kind.created_field, "Created", Format.DATETIME))
    return tuple(columns)


# --- Table cells ----------------------------------------------------------------------------
@dataclass
class Cell:
    format: Format
    value: Any = None  # the display value (a datetime, a Creator, a TeamName, text…)
    fallback: str = ""  # what the upstream sent, when it could not be read as the format
    badge: str = ""  # for statuses
    link: bool = False  # the cell opens the row's detail page
    label: str = ""  # its column's, for a row shown as a card (on a phone)


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
    database's files: their own columns, each opening the file it names). How each column is
    read is chosen once, not for every cell of every row.
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
        self.readers = [self.reader(column) for column in self.columns]

    def reader(self, column: Column) -> Callable[[dict, Creator], Cell]:
        """A function giving ``column``'s cell of an item (whose creator is already known).
        The ID and name cells open the row's detail page."""
        key, label, shown_as = column.key, column.label, column.format
        link = shown_as is Format.ID or key == self.kind.name_field

        if shown_as is Format.DATETIME:

            def read(item: dict, creator: Creator) -> Cell:
                raw = item.get(key)
                fallback = "" if raw is None else str(raw)
                return Cell(shown_as, parse_timestamp(raw), fallback, link=link, label=label)

        elif shown_as is Format.STATUS:

            def read(item: dict, creator: Creator) -> Cell:
                raw = item.get(key)
                text = "" if raw is None else str(raw)
                return Cell(shown_as, text, badge=badge_class(text), link=link, label=label)

        elif shown_as is Format.OWNER:

            def read(item: dict, creator: Creator) -> Cell:
                return Cell(shown_as, creator, link=link, label=label)

        elif shown_as is Format.TEAM:

            def read(item: dict, creator: Creator) -> Cell:
                team_id = self.kind.item_team(item)
                name = self.teams.name(team_id) if team_id else None
                return Cell(shown_as, name, link=link, label=label)

        elif shown_as.numeric:

            def read(item: dict, creator: Creator) -> Cell:
                raw = item.get(key)
                value = raw if isinstance(raw, int | float) else None
                return Cell(shown_as, value, link=link, label=label)

        else:

            def read(item: dict, creator: Creator) -> Cell:
                return Cell(shown_as, reveal(cell_text(item.get(key))), link=link, label=label)

        return read

    def row(self, item: dict) -> Row:
        row_id = str(item.get(self.id_field, ""))
        creator = self.creators.resolve(self.kind.item_owner(item))
        cells = [read(item, creator) for read in self.readers]
        if not linkable_id(row_id):
            for cell in cells:
                cell.link = False
        return Row(
            id=row_id,
            name=display_name(self.kind, item),
            cells=cells,
            is_final=self.kind.is_final(item),
            is_mine=creator.is_you,
        )


def cell_text(raw) -> str:
    """A value as a table cell shows it: a list as its items (objects by name or id), joined."""
    if raw is None:
        return ""
    if isinstance(raw, list):
        items = (x.get("name") or x.get("id") if isinstance(x, dict) else x for x in raw)
        return ", ".join(str(item) for item in items if item is not None)
    return str(raw)


# --- Downloads ------------------------------------------------------------------------------
_UNSAFE_FILENAME_CHARS = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def safe_filename(name: str, fallback: str) -> str:
    """A filename that is safe to offer in Content-Disposition: no paths, quotes, controls or
    invisible characters (a right-to-left override would disguise its type)."""
    clean = unicodedata.normalize("NFC", text.without_hidden(name or ""))
    clean = clean.replace("\\", "/").rsplit("/", 1)[-1]
    clean = _UNSAFE_FILENAME_CHARS.sub("_", clean).strip(" .")
    return clean[:200] or text.without_hidden(fallback)


# --- Lists: links, headers, pager -------------------------------------------------------------
def list_url(team: Team, kind: ResourceKind, params: dict[str, str] | None = None) -> str:
    return with_params(url_for("resource-list", team.key, kind.slug), params)


def with_params(url: str, params: dict[str, str] | None) -> str:
    return f"{url}?{urlencode(params)}" if params else url


@dataclass
class Header:
    label: str
    url: str
    sorted: str  # "ascending", "descending" or ""
    numeric: bool


def headers_for(team: Team, kind: ResourceKind, query: ListQuery) -> list[Header]:
    """The list's column headers, each a link that sorts by it (the other way when it does)."""
    headers, base = [], list_url(team, kind)
    for column in list_columns(kind):
        state = ""
        if query.sort == column.key:
            state = "descending" if query.descending else "ascending"
        url = with_params(base, query.sorted_by(column.key))
        headers.append(Header(column.label, url, state, column.format.numeric))
    return headers


def pager_for(team: Team, kind: ResourceKind, query: ListQuery, result: ListResult) -> dict:
    base = list_url(team, kind)

    def page_url(number: int) -> str:
        return with_params(base, query.params(page=number))

    last = result.last_page
    previous = min(query.page - 1, last or query.page - 1)  # from past the end: the last page
    return {
        "first": page_url(1) if query.page > 1 else "",
        "previous": page_url(previous) if query.page > 1 else "",
        "next": page_url(query.page + 1) if result.has_more else "",
        "last": page_url(last) if last and query.page != last else "",
        "last_number": last,
    }


def sub_list_sections(
    kind: ResourceKind, detail: Detail, creators: CreatorDirectory, teams: TeamNames
) -> list[dict]:
    """The sub-lists of a detail page (a vector database's files), each failing on its own."""
    sections = []
    for index, (sub, outcome) in enumerate(zip(kind.sub_lists, detail.sub_lists, strict=True)):
        rows, changing, columns = [], False, sub_list_columns(sub)
        if outcome.ok:
            builder = RowBuilder(kind, creators, teams, columns=columns, id_field=sub.link_field)
            rows = [builder.row(entry) for entry in outcome.value]
            changing = not all(sub.is_final(entry) for entry in outcome.value)
        sections.append(
            {
                "sub": sub,
                "columns": columns,
                "index": index if sub.remove_path else None,
                "rows": rows,
                "error": outcome.error,
                "changing": changing,
            }
        )
    return sections


# --- An edit's preview -------------------------------------------------------------------------
@dataclass
class DiffRow:
    field: str
    before: str
    after: str


def diff_rows(preview: dict) -> list[DiffRow]:
    """The fields an edit changes, before and after, from the upstream's preview of it
    (``{before, after, diff}``; ``diff`` names the fields, each ``{before, after}`` or not)."""
    before = preview.get("before") if isinstance(preview.get("before"), dict) else {}
    after = preview.get("after") if isinstance(preview.get("after"), dict) else {}
    diff = preview.get("diff") if isinstance(preview.get("diff"), dict) else None
    fields = list(diff) if diff is not None else [k for k in after if after[k] != before.get(k)]
    rows = []
    for name in fields:
        change = diff.get(name) if diff is not None else None
        change = change if isinstance(change, dict) else {}
        old = change.get("before", before.get(name))
        new = change.get("after", after.get(name))
        rows.append(DiffRow(humanise_key(name), _shown(old), _shown(new)))
    return rows


def _shown(value: Any) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, dict | list):
        return text.pretty_json(value)
    return reveal(str(value))
