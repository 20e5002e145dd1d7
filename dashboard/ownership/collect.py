"""Gathering who owns what, across the personal workspace and every saved team.

The whole list of every team kind is asked of every team at once: one
:func:`~dashboard.upstream.fanout.fan_out` over (team, kind) pairs, as wide as there are pairs
(up to ``UPSTREAM_PAGE_WORKERS``), so that the calls go out in one wave. Each pair's failure is
kept apart: a team that now answers 403 shows as such and hides nothing else.

Nothing here touches the ORM, so the workers stay free of it; what is learnt about the user's
upstream identity is handed back for the caller to store in the request thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

from django.utils import timezone

from dashboard.teams.workspace import Team
from dashboard.upstream import catalog
from dashboard.upstream.catalog import ResourceKind
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.errors import UpstreamError
from dashboard.upstream.fanout import fan_out
from dashboard.upstream.identity import PERSONAL_TEAM_ID, learned_from_personal
from dashboard.upstream.values import parse_timestamp


@dataclass(frozen=True)
class Failure:
    """What went wrong for one (team, kind) pair, kept as plain values so it can be cached."""

    title: str
    message: str
    status: int | None = None

    @classmethod
    def from_error(cls, error: UpstreamError) -> Failure:
        return cls(error.title, error.message, error.status)

    @property
    def forbidden(self) -> bool:
        return self.status == 403


class AuditRow(NamedTuple):
    """One team resource. A tuple, because an audit can hold tens of thousands of them."""

    team_key: str
    kind: str  # the kind's slug
    resource_id: str
    name: str
    creator_id: str
    created: datetime | None
    size: int | None = None  # bytes of storage, for kinds that say it (files)


class TeamStatus:
    OK = "ok"
    PARTIAL = "partial"  # some kinds could not be read
    FORBIDDEN = "forbidden"  # every kind answered 403: no longer a member
    FAILED = "failed"  # every kind failed, not (only) with 403


@dataclass
class TeamAudit:
    """Everything the audit learnt about one team."""

    team: Team
    rows: list[AuditRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # kind slug -> items, kinds read
    failures: dict[str, Failure] = field(default_factory=dict)  # kind slug -> failure
    collected_at: datetime = field(default_factory=timezone.now)

    @property
    def status(self) -> str:
        if not self.failures:
            return TeamStatus.OK
        if self.counts:
            return TeamStatus.PARTIAL
        if all(f.forbidden for f in self.failures.values()):
            return TeamStatus.FORBIDDEN
        return TeamStatus.FAILED

    @property
    def first_failure(self) -> Failure | None:
        return next(iter(self.failures.values()), None)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Collection:
    teams: dict[str, TeamAudit]  # by team key, in the order asked
    learnt_identity: dict[str, str]  # upstream_user_id / personal_team_id, from the personal team


def rows_of(team: Team, kind: ResourceKind, items: Iterable[dict]) -> list[AuditRow]:
    return [
        AuditRow(
            team.key,
            kind.slug,
            kind.item_id(item),
            kind.item_name(item),
            kind.item_owner(item),
            parse_timestamp(item.get(kind.created_field)),
            kind.item_size(item),
        )
        for item in items
    ]


def collect(
    client: UpstreamClient,
    teams: Sequence[Team],
    *,
    kinds: Sequence[ResourceKind] | None = None,
    max_workers: int | None = None,
) -> Collection:
    """Read every kind of every team, all at once (``max_workers`` at a time, if given); one
    failing pair hides nothing else."""
    kinds = list(kinds if kinds is not None else catalog.team_kinds())
    clients = {team.key: client.for_team(team.id) for team in teams}
    tasks = {
        (team.key, kind.slug): (lambda c=clients[team.key], k=kind: c.resources.list_all(k))
        for team in teams
        for kind in kinds
    }
    outcomes = fan_out(tasks, max_workers=max_workers or len(tasks))

    audits: dict[str, TeamAudit] = {}
    learnt: dict[str, str] = {}
    for team in teams:
        audit = TeamAudit(team)
        personal_lists: list[tuple[ResourceKind, list[dict]]] = []
        for kind in kinds:
            outcome = outcomes[(team.key, kind.slug)]
            if not outcome.ok:
                audit.failures[kind.slug] = Failure.from_error(outcome.error)
                continue
            audit.counts[kind.slug] = len(outcome.value)
            audit.rows.extend(rows_of(team, kind, outcome.value))
            if team.is_personal:
                personal_lists.append((kind, outcome.value))
        if personal_lists:
            learnt = learned_from_personal(personal_lists)
            known = learnt.get(PERSONAL_TEAM_ID, team.upstream_id)
            audit.team = replace(team, upstream_id=known)
        audits[team.key] = audit
    return Collection(audits, learnt)
