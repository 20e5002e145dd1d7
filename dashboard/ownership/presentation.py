"""What the audit shows of the collected rows: filtered and sorted lines, the teams × kinds
matrix and its chart, and each team's creators.

Plain functions over :mod:`dashboard.ownership.collect`'s values; the views only render them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from dashboard.ownership.collect import AuditRow, Failure, TeamAudit, TeamStatus
from dashboard.people.directory import Creator, CreatorDirectory
from dashboard.resources.templatetags.resources import link_to
from dashboard.teams.workspace import Team
from dashboard.upstream import catalog
from dashboard.upstream.catalog import ResourceKind

NO_CREATOR = "~none"  # the filter value for resources that name no creator
DEFAULT_SORT = "-created"
SORT_FIELDS = {
    "kind": "Kind",
    "name": "Name",
    "id": "ID",
    "team": "Team",
    "creator": "Creator",
    "created": "Created",
}


@dataclass(frozen=True)
class Filters:
    team: str = ""  # a team key ("personal" or a team id)
    kind: str = ""
    creator: str = ""  # a creator id, or NO_CREATOR
    created_from: date | None = None
    created_to: date | None = None
    sort: str = DEFAULT_SORT

    @property
    def narrowing(self) -> bool:
        """Whether some resources may be left out (sorting leaves everything in)."""
        return bool(self.team or self.kind or self.creator or self.created_from or self.created_to)

    def as_dict(self) -> dict[str, str]:
        return {
            "in_team": self.team,
            "kind": self.kind,
            "creator": "" if self.creator == NO_CREATOR else self.creator,
            "created_from": self.created_from.isoformat() if self.created_from else "",
            "created_to": self.created_to.isoformat() if self.created_to else "",
            "sort": self.sort,
        }


@dataclass(frozen=True)
class ResourceLine:
    """One row as a person reads it: labels resolved, creator named."""

    row: AuditRow
    team: Team
    kind: ResourceKind
    creator: Creator

    @property
    def created(self) -> datetime | None:
        return self.row.created

    @property
    def detail_url(self) -> str:
        """The resource's page in its team ("" if the id cannot be linked)."""
        return link_to("resource-detail", self.team.key, self.kind.slug, self.row.resource_id)

    def values(self) -> tuple[str, ...]:
        """The exported columns, in EXPORT_HEADER's order."""
        return (
            self.team.label,
            self.team.display_id,
            self.kind.slug,
            self.row.resource_id,
            self.row.name,
            self.creator.id,
            self.creator.export_name,
            self.created.isoformat() if self.created else "",
        )

    def record(self) -> dict[str, str]:
        return dict(zip(EXPORT_HEADER, self.values(), strict=True))


EXPORT_HEADER = (
    "team",
    "team_id",
    "kind",
    "resource_id",
    "name",
    "creator_id",
    "creator_name",
    "created",
)


class Presenter:
    """Turns rows into lines: team labels, kind labels and creator names."""

    def __init__(self, teams: Iterable[Team], directory: CreatorDirectory):
        self.teams = {team.key: team for team in teams}
        self.directory = directory
        self._creators: dict[str, Creator] = {}

    def creator(self, creator_id: str) -> Creator:
        if creator_id not in self._creators:
            self._creators[creator_id] = self.directory.resolve(creator_id)
        return self._creators[creator_id]

    def team(self, key: str) -> Team:
        return self.teams.get(key) or Team(key, key)

    def line(self, row: AuditRow) -> ResourceLine:
        kind = catalog.get(row.kind)
        return ResourceLine(row, self.team(row.team_key), kind, self.creator(row.creator_id))

    def lines(self, rows: Iterable[AuditRow]) -> Iterable[ResourceLine]:
        return (self.line(row) for row in rows)


def _local_day(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def matches(row: AuditRow, filters: Filters) -> bool:
    if filters.team and row.team_key != filters.team:
        return False
    if filters.kind and row.kind != filters.kind:
        return False
    if filters.creator:
        wanted = "" if filters.creator == NO_CREATOR else filters.creator
        if row.creator_id != wanted:
            return False
    if filters.created_from or filters.created_to:
        day = _local_day(row.created)
        if day is None:
            return False
        if filters.created_from and day < filters.created_from:
            return False
        if filters.created_to and day > filters.created_to:
            return False
    return True


def sorted_rows(rows: list[AuditRow], sort: str, presenter: Presenter) -> list[AuditRow]:
    """Rows in the asked order; resources without a creation time come last either way."""
    field = sort.lstrip("-")
    descending = sort.startswith("-")
    team_order = {key: index for index, key in enumerate(presenter.teams)}
    kind_order = {kind.slug: index for index, kind in enumerate(catalog.team_kinds())}
    keys = {
        "kind": lambda r: kind_order.get(r.kind, len(kind_order)),
        "name": lambda r: r.name.casefold(),
        "id": lambda r: r.resource_id,
        "team": lambda r: (
            presenter.team(r.team_key).label.casefold(),
            team_order.get(r.team_key, len(team_order)),
        ),
        "creator": lambda r: presenter.creator(r.creator_id).name.casefold(),
    }
    if field == "created":
        dated = [r for r in rows if r.created is not None]
        undated = [r for r in rows if r.created is None]
        return sorted(dated, key=lambda r: r.created, reverse=descending) + undated
    # Newest first within equal keys, so "sort by team" still reads well.
    newest_first = sorted_rows(rows, DEFAULT_SORT, presenter)
    return sorted(newest_first, key=keys.get(field, keys["kind"]), reverse=descending)


def select(rows: Iterable[AuditRow], filters: Filters, presenter: Presenter) -> list[AuditRow]:
    return sorted_rows([r for r in rows if matches(r, filters)], filters.sort, presenter)


# --- The teams × kinds matrix and its chart -----------------------------------------------
@dataclass(frozen=True)
class MatrixCell:
    count: int | None  # None: this kind could not be read in this team
    failure: Failure | None = None


@dataclass(frozen=True)
class MatrixRow:
    team: Team
    status: str
    cells: tuple[MatrixCell, ...]
    total: int

    @property
    def first_failure(self) -> Failure | None:
        return next((c.failure for c in self.cells if c.failure is not None), None)


@dataclass(frozen=True)
class Matrix:
    kinds: tuple[ResourceKind, ...]
    rows: tuple[MatrixRow, ...]
    kind_totals: tuple[int, ...]
    total: int


def build_matrix(
    audits: Sequence[TeamAudit], rows: Iterable[AuditRow], kinds: Sequence[ResourceKind]
) -> Matrix:
    """Counts of ``rows`` (already filtered) per team and kind; unreadable pairs marked."""
    counts = Counter((row.team_key, row.kind) for row in rows)
    matrix_rows = []
    for audit in audits:
        cells = tuple(
            MatrixCell(None, audit.failures[k.slug])
            if k.slug in audit.failures
            else MatrixCell(counts[(audit.team.key, k.slug)])
            for k in kinds
        )
        total = sum(c.count or 0 for c in cells)
        matrix_rows.append(MatrixRow(audit.team, audit.status, cells, total))
    kind_totals = tuple(sum(r.cells[i].count or 0 for r in matrix_rows) for i in range(len(kinds)))
    return Matrix(tuple(kinds), tuple(matrix_rows), kind_totals, sum(kind_totals))


@dataclass(frozen=True)
class BarSegment:
    x: float
    width: float
    colour: int  # the kind's position, for its colour class
    label: str


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    text_y: int
    total: int
    end_x: float  # where the total is written
    status: str
    segments: tuple[BarSegment, ...]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bar_x: int
    bars: tuple[Bar, ...]
    legend: tuple[tuple[int, str], ...]


CHART_WIDTH = 760
CHART_LABEL_WIDTH = 190
CHART_NUMBER_WIDTH = 70
CHART_ROW = 30
CHART_COLOURS = 10  # .audit-seg-0 … .audit-seg-9 in app.css


def build_chart(matrix: Matrix) -> Chart:
    """A stacked horizontal bar per team, one colour per kind, drawn as SVG by the template.

    Widths are SVG attributes, not style attributes, so the strict CSP needs no exception.
    """
    span = CHART_WIDTH - CHART_LABEL_WIDTH - CHART_NUMBER_WIDTH
    longest = max((row.total for row in matrix.rows), default=0) or 1
    bars = []
    for index, row in enumerate(matrix.rows):
        x = float(CHART_LABEL_WIDTH)
        segments = []
        for position, (kind, cell) in enumerate(zip(matrix.kinds, row.cells, strict=True)):
            if not cell.count:
                continue
            width = round(span * cell.count / longest, 2)
            colour = position % CHART_COLOURS
            segments.append(BarSegment(x, width, colour, f"{kind.label}: {cell.count}"))
            x += width
        y = index * CHART_ROW + 6
        bars.append(
            Bar(row.team.label, y, y + 14, row.total, round(x + 6, 2), row.status, tuple(segments))
        )
    legend = tuple((i % CHART_COLOURS, kind.label) for i, kind in enumerate(matrix.kinds))
    height = max(len(bars), 1) * CHART_ROW + 6
    return Chart(CHART_WIDTH, height, CHART_LABEL_WIDTH, tuple(bars), legend)


# --- Creators per team --------------------------------------------------------------------
@dataclass(frozen=True)
class CreatorCounts:
    creator: Creator
    counts: tuple[int, ...]  # aligned with the kinds shown
    total: int


def creators_of(
    audit: TeamAudit, kinds: Sequence[ResourceKind], directory: CreatorDirectory
) -> list[CreatorCounts]:
    """Each creator of the team's resources with their count per kind, most prolific first."""
    per_creator: dict[str, Counter] = {}
    for row in audit.rows:
        per_creator.setdefault(row.creator_id, Counter())[row.kind] += 1
    summaries = [
        CreatorCounts(
            directory.resolve(creator_id),
            tuple(counter[k.slug] for k in kinds),
            sum(counter.values()),
        )
        for creator_id, counter in per_creator.items()
    ]
    return sorted(
        summaries, key=lambda s: (not s.creator.is_you, -s.total, s.creator.name.casefold())
    )


def creator_choices(rows: Iterable[AuditRow], directory: CreatorDirectory) -> list[tuple[str, str]]:
    """Filter choices for every creator seen: "you" first, then people by name, then ids
    nobody knows, then resources with no creator."""
    creators = {directory.resolve(cid) for cid in {row.creator_id for row in rows}}
    ordered = sorted(
        creators, key=lambda c: (not c.is_you, not c.id, not c.known, c.name.casefold())
    )
    return [(c.id or NO_CREATOR, choice_label(c)) for c in ordered]


def choice_label(creator: Creator) -> str:
    if creator.is_you:
        return f"you ({creator.person})" if creator.person else "you"
    return f"{creator.name} ({creator.id})" if creator.known else creator.name


def status_text(status: str) -> str:
    return {
        TeamStatus.OK: "",
        TeamStatus.PARTIAL: "Some kinds could not be read",
        TeamStatus.FORBIDDEN: "No longer a member (403)",
        TeamStatus.FAILED: "Could not be read",
    }[status]
