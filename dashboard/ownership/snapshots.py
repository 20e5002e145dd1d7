"""The audit's collected data, cached briefly per user, API key and team.

Filtering, sorting, paging, exporting and searching all work on the same snapshot, so changing
a filter does not ask the upstream again. Entries are keyed by the dashboard user's id, the id
of their active key row and the team: never by anything secret. "Refresh" forgets them.

The audit page starts reading the teams it has not got (:func:`read_ahead`) as it is asked
for, in a thread of its own, and answers at once; its one htmx request for the rest then waits
for that read (:func:`gather`) instead of starting its own, so the upstream's latency overlaps
the page's loading in the browser; a process reads at most ``AUDIT_READ_AHEADS`` audits ahead
at once (past them, the request reads for itself). The read leaves what it collected in the
cache. A request handled by another process waits for it too while the cache is shared (Redis):
a mark there says a read is under way, when it began and until when it may run. A request
waits no longer than that, and keeps half of its own time to read itself what is still
missing. "Refresh" makes a read begun before it count for nothing: not waited for, not kept.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connections

from dashboard.audit.models import ActionLog
from dashboard.audit.services import Action, Outcome
from dashboard.ownership.collect import AuditRow, TeamAudit, collect
from dashboard.people import identity
from dashboard.people.directory import CreatorDirectory
from dashboard.teams.workspace import Team, Workspace
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.deadline import current_page_deadline, seconds_left
from dashboard.upstream.errors import NoApiKeyError, UpstreamError

logger = logging.getLogger(__name__)

CACHE_SECONDS = getattr(settings, "AUDIT_CACHE_SECONDS", 60)
POLL_SECONDS = 0.05  # how often a read under way in another process is looked for


def team_by_key(workspace: Workspace, key: str) -> Team | None:
    return next((team for team in workspace.teams if team.key == key), None)


def _key_pk(workspace: Workspace) -> int:
    if workspace.key is None:
        raise NoApiKeyError()
    return workspace.key.pk


def _cache_key(workspace: Workspace, team: Team) -> str:
    return f"audit:v3:{workspace.user.pk}:{_key_pk(workspace)}:{team.key}"


def _labelled(audit: TeamAudit, team: Team) -> TeamAudit:
    """A cached audit under the team's current label (it may have been renamed since)."""
    if audit.team.label != team.label:
        audit.team = Team(audit.team.id, team.label, audit.team.upstream_id)
    return audit


def cached(*, workspace: Workspace, teams: Sequence[Team] | None = None) -> dict[str, TeamAudit]:
    """The audits already collected for these teams (all by default; missing ones left out),
    except those of a team the user has changed something in through the dashboard since: a
    file uploaded or deleted a moment ago is counted at once, as the team's list counts it.
    What a read ahead learnt of who the user is gets kept on the way."""
    teams = workspace.teams if teams is None else teams
    keys = {_cache_key(workspace, team): team for team in teams}
    if workspace.key is not None:
        _keep_learnt(workspace)
    stored = cache.get_many(list(keys))
    found = {keys[k].key: _labelled(audit, keys[k]) for k, audit in stored.items()}
    changed = _changed_since(workspace, found)
    return {key: audit for key, audit in found.items() if key not in changed}


# Entries of the action log that are not changes of a team's resources.
NOT_RESOURCE_CHANGES = {
    Action.KEY_ADDED,
    Action.KEY_REMOVED,
    Action.KEY_ACTIVATED,
    Action.TEAM_ADDED,
    Action.TEAM_RENAMED,
    Action.TEAM_REMOVED,
    Action.TEAM_SWITCHED,
    Action.CREATOR_NAMED,
}


def _changed_since(workspace: Workspace, audits: dict[str, TeamAudit]) -> set[str]:
    """Keys of the teams whose audit was collected before the user's latest change in them."""
    if not audits:
        return set()
    oldest = min(audit.collected_at for audit in audits.values())
    latest: dict[str, object] = {}
    entries = (
        ActionLog.objects.filter(user=workspace.user, created_at__gte=oldest)
        .exclude(action__in=NOT_RESOURCE_CHANGES)
        .exclude(outcome=Outcome.REFUSED)
        .values_list("team_id", "created_at")
    )
    for team_id, at in entries:
        latest[team_id] = max(at, latest.get(team_id, at))
    return {
        key
        for key, audit in audits.items()
        if (at := latest.get(audit.team.id or "")) is not None and at >= audit.collected_at
    }


def gather(*, workspace: Workspace, teams: Sequence[Team] | None = None) -> dict[str, TeamAudit]:
    """Every team's audit, in order (all teams by default): cached ones reused, the rest read
    at once (after a read of them under way for this user and key, see :func:`read_ahead`)."""
    teams = workspace.teams if teams is None else teams
    found = cached(workspace=workspace, teams=teams)
    missing = [team for team in teams if team.key not in found]
    if missing and _waited_for_read_ahead(workspace):
        found.update(cached(workspace=workspace, teams=missing))
        missing = [team for team in teams if team.key not in found]
    if missing:
        collection = collect(workspace.client_in(workspace.teams[0]), missing)
        if collection.learnt_identity:  # in the request thread: the workers never use the ORM
            identity.remember(user=workspace.user, learnt=collection.learnt_identity)
        cache.set_many(
            {_cache_key(workspace, a.team): a for a in collection.teams.values()},
            CACHE_SECONDS,
        )
        found.update(collection.teams)
    return {team.key: found[team.key] for team in teams}


# --- Reading ahead -------------------------------------------------------------------------
@dataclass(frozen=True)
class _ReadAhead:
    done: threading.Event
    started: float  # wall-clock time, as a Refresh is timed


_reads: dict[tuple[int, int], _ReadAhead] = {}  # under way in this process, by owner
_reads_lock = threading.Lock()


def _owner(workspace: Workspace) -> tuple[int, int]:
    return workspace.user.pk, _key_pk(workspace)


def _reading_key(owner: tuple[int, int]) -> str:
    return "audit:v3:reading:{}:{}".format(*owner)


def _learnt_key(owner: tuple[int, int]) -> str:
    return "audit:v3:learnt:{}:{}".format(*owner)


def _refreshed_key(owner: tuple[int, int]) -> str:
    return "audit:v3:refreshed:{}:{}".format(*owner)


def _refreshed_at(owner: tuple[int, int]) -> float:
    """When the user last asked for a fresh audit (0: not lately): a read that started before
    is neither waited for nor kept."""
    return cache.get(_refreshed_key(owner), 0.0)


def _page_span() -> float:
    return float(settings.UPSTREAM_PAGE_DEADLINE or CACHE_SECONDS)


def read_ahead(*, workspace: Workspace, teams: Sequence[Team]) -> None:
    """Start reading these teams' audits in a thread of its own, into the cache, unless a read
    for this user and key is under way already, here or (with a shared cache) elsewhere, or
    this process has as many reads under way as it may (``AUDIT_READ_AHEADS``).
    Never raises: the request that shows the audit reads whatever is still missing itself."""
    if not teams or workspace.key is None:
        return
    owner = _owner(workspace)
    with _reads_lock:
        if owner in _reads or len(_reads) >= settings.AUDIT_READ_AHEADS:
            return  # one under way already; or too many: the page's request reads itself
        under_way = _reads[owner] = _ReadAhead(threading.Event(), time.time())
    done, started = under_way.done, under_way.started
    mark = None
    try:
        client = workspace.client_in(workspace.teams[0])  # the key is read here, not there
        budget = seconds_left(client.deadline) or _page_span()
        # The mark says until when the read may run, so that a mark left by a process that
        # died holds no one past that, and when it started.
        mark = (uuid.uuid4().hex, started + budget, started)
        if not cache.add(_reading_key(owner), mark, int(budget) + 1):
            mark = None  # another process is reading them
            _finished(owner, done, mark)
            return
        keys = {team.key: _cache_key(workspace, team) for team in teams}
        threading.Thread(
            target=_read,
            args=(owner, under_way, mark, client, list(teams), keys),
            daemon=True,
        ).start()
    except UpstreamError as exc:  # no usable key: the page says so itself
        logger.info("the audit was not read ahead: %s", exc.title)
        _finished(owner, done, mark)
    except Exception:  # noqa: BLE001 - reading ahead only saves time
        logger.exception("the audit could not be read ahead")
        _finished(owner, done, mark)


def _read(owner, under_way: _ReadAhead, mark, client: UpstreamClient, teams, keys) -> None:
    try:
        collection = collect(client, teams)
        entries = {keys[key]: audit for key, audit in collection.teams.items()}
        if under_way.started < _refreshed_at(owner):
            entries = {}  # older than a Refresh asked for since: not to be shown
        if collection.learnt_identity:  # kept for the next request of the user (the ORM's)
            entries[_learnt_key(owner)] = collection.learnt_identity
        cache.set_many(entries, CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.exception("reading the audit ahead failed")
    finally:
        try:
            _finished(owner, under_way.done, mark)
        finally:
            connections.close_all()  # this thread's own, if a cache used the database


def _finished(owner: tuple[int, int], done: threading.Event, mark) -> None:
    try:
        if mark is not None and cache.get(_reading_key(owner)) == mark:
            cache.delete(_reading_key(owner))  # only its own: another read's may follow
    except Exception:  # noqa: BLE001 - the mark then ends with its own time
        logger.warning("an audit read's mark could not be removed")
    finally:
        with _reads_lock:
            _reads.pop(owner, None)
        done.set()


def _waited_for_read_ahead(workspace: Workspace) -> bool:
    """Wait for a read ahead of this user and key, in this process or (with a shared cache)
    in another, until it ends: no longer than it may run, and keeping half of this page's
    time for reading itself what is still missing then. Whether there was one."""
    owner = _owner(workspace)
    span = _page_span()
    limit = (current_page_deadline() or time.monotonic() + span) - span / 2
    refreshed = _refreshed_at(owner)
    with _reads_lock:
        under_way = _reads.get(owner)
    if under_way is not None:
        if under_way.started < refreshed:
            return False  # begun before a Refresh: what it reads is not shown
        under_way.done.wait(max(0.0, limit - time.monotonic()))
        return True
    waited = False
    while time.monotonic() < limit:
        mark = cache.get(_reading_key(owner))
        if not isinstance(mark, tuple) or mark[1] <= time.time():
            break
        if len(mark) > 2 and mark[2] < refreshed:
            break
        waited = True
        time.sleep(POLL_SECONDS)
    return waited


def _keep_learnt(workspace: Workspace) -> None:
    """Keep who the user turned out to be, as a read ahead of theirs learnt it."""
    key = _learnt_key(_owner(workspace))
    learnt = cache.get(key)
    if learnt:
        cache.delete(key)
        identity.remember(user=workspace.user, learnt=learnt)


def settle(timeout: float = 30) -> bool:
    """Wait for every read ahead in this process to end (for tests and shutdown): whether
    they all did within ``timeout`` seconds each."""
    with _reads_lock:
        pending = [under_way.done for under_way in _reads.values()]
    return all(done.wait(timeout) for done in pending)


def forget(*, workspace: Workspace) -> None:
    """Drop the cached audits of every team, so the next look asks the upstream again; a read
    ahead begun before now is neither waited for nor kept."""
    if workspace.key is not None:
        cache.set(_refreshed_key(_owner(workspace)), time.time(), int(_page_span()) + 1)
        cache.delete_many([_cache_key(workspace, team) for team in workspace.teams])


def creator_directory(*, workspace: Workspace) -> CreatorDirectory:
    """Creator names for this request, with "you" as learnt so far (maybe moments ago)."""
    if workspace.key is not None:
        workspace.key.refresh_from_db(fields=["upstream_user_id"])
    return CreatorDirectory(workspace.my_upstream_id)


def all_rows(audits: dict[str, TeamAudit]) -> list[AuditRow]:
    return [row for audit in audits.values() for row in audit.rows]
