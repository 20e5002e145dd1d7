"""What each person owns across the teams: one person's holdings team by team (their page), and
people × teams (the audit's view by person), read from the audit's snapshot."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from dashboard.ownership.collect import AuditRow, Failure, TeamAudit
from dashboard.ownership.presentation import Presenter, ResourceLine
from dashboard.people.directory import Creator
from dashboard.teams.workspace import Team
from dashboard.upstream import catalog
from dashboard.upstream.catalog import ResourceKind

NEWEST_SHOWN = 10


def _bytes(rows: Iterable[AuditRow]) -> int:
    return sum(row.size or 0 for row in rows)


@dataclass(frozen=True)
class Holdings:
    """What one person owns in one team."""

    team: Team
    counts: tuple[tuple[ResourceKind, int], ...]  # kinds they own something of
    total: int
    size: int  # bytes of storage (their files)
    newest: tuple[ResourceLine, ...]
    unread: tuple[tuple[str, Failure], ...]  # kinds of this team that could not be read

    @property
    def unreadable(self) -> bool:
        """Nothing of the team could be read (so "owns nothing here" would be a guess)."""
        return not self.total and len(self.unread) == len(catalog.team_kinds())


@dataclass(frozen=True)
class PersonPage:
    creator: Creator
    holdings: tuple[Holdings, ...]  # every team, in the workspace's order

    @property
    def total(self) -> int:
        return sum(h.total for h in self.holdings)

    @property
    def size(self) -> int:
        return sum(h.size for h in self.holdings)

    @property
    def teams_with_something(self) -> int:
        return sum(1 for h in self.holdings if h.total)

    @property
    def partly_read(self) -> int:
        """How many teams had something that could not be read: the totals may be short."""
        return sum(1 for h in self.holdings if h.unread)


def person_page(audits: dict[str, TeamAudit], creator_id: str, presenter: Presenter) -> PersonPage:
    holdings = []
    for audit in audits.values():
        rows = [row for row in audit.rows if row.creator_id == creator_id]
        per_kind = Counter(row.kind for row in rows)
        newest = sorted(
            rows, key=lambda row: row.created.timestamp() if row.created else 0, reverse=True
        )[:NEWEST_SHOWN]
        holdings.append(
            Holdings(
                team=presenter.team(audit.team.key),
                counts=tuple(
                    (kind, per_kind[kind.slug])
                    for kind in catalog.team_kinds()
                    if per_kind[kind.slug]
                ),
                total=len(rows),
                size=_bytes(rows),
                newest=tuple(presenter.lines(newest)),
                unread=tuple(audit.failures.items()),
            )
        )
    return PersonPage(presenter.creator(creator_id), tuple(holdings))


@dataclass(frozen=True)
class PeopleCell:
    count: int
    size: int


@dataclass(frozen=True)
class PeopleRow:
    creator: Creator
    cells: tuple[PeopleCell, ...]  # aligned with the teams
    total: int
    size: int


def people_by_team(
    rows: Iterable[AuditRow], teams: list[Team], presenter: Presenter
) -> list[PeopleRow]:
    """People × teams over ``rows``: what each creator owns in each team (count and bytes),
    the most prolific first."""
    counts: dict[str, Counter] = {}
    sizes: dict[str, Counter] = {}
    for row in rows:
        counts.setdefault(row.creator_id, Counter())[row.team_key] += 1
        sizes.setdefault(row.creator_id, Counter())[row.team_key] += row.size or 0
    table = [
        PeopleRow(
            presenter.creator(creator_id),
            tuple(
                PeopleCell(counts[creator_id][team.key], sizes[creator_id][team.key])
                for team in teams
            ),
            sum(counts[creator_id].values()),
            sum(sizes[creator_id].values()),
        )
        for creator_id in counts
    ]
    return sorted(
        table, key=lambda r: (not r.creator.is_you, -r.total, r.creator.name.casefold())
    )


PEOPLE_EXPORT_HEADER = ("creator_id", "creator_name", "team", "team_id", "resources", "bytes")


def people_records(table: list[PeopleRow], teams: list[Team]) -> Iterable[tuple]:
    """The people × teams table as export rows: one per person and team they own something in."""
    for row in table:
        for team, cell in zip(teams, row.cells, strict=True):
            if cell.count:
                yield (
                    row.creator.id,
                    row.creator.export_name,
                    team.label,
                    team.display_id,
                    cell.count,
                    cell.size,
                )
