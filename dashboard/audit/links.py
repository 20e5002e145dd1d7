"""Where an action log entry's id leads: the resource's page in its team, the thread, the job.

Only entries whose thing may still be there are linked: a deleted resource or thread stays
plain text (its last JSON is in the entry). A team resource of a team the person no longer
saves opens the "look for it in your teams" page; an id that cannot be a path segment is never
linked (``link_to``).
"""

from __future__ import annotations

import uuid
from typing import Any

from dashboard.audit.models import ActionLog
from dashboard.converters import link_to
from dashboard.upstream import catalog

Workspace = Any  # the request's workspace (``teams.workspace.Workspace``): ``find``, ``teams``

Action = ActionLog.Action
GONE = {Action.RESOURCE_DELETED, Action.THREAD_DELETED, Action.MESSAGE_DELETED}
MADE = {Action.RESOURCE_CREATED, Action.FILE_UPLOADED}
THREAD_KIND = "thread"
TEAM_KIND = "team"
NOT_DONE = {ActionLog.Outcome.FAILURE, ActionLog.Outcome.REFUSED}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _team_key(entry: ActionLog, workspace: Workspace) -> str | None:
    """The key of the entry's team among the person's, or None when it is not one of them."""
    if not entry.team_id:
        return workspace.teams[0].key  # the personal workspace
    team = workspace.find(entry.team_id)
    return team.key if team is not None else None


def entry_link(entry: ActionLog, workspace: Workspace | None) -> str:
    """The URL the entry's id links to, or "" when there is nothing to open."""
    rid = entry.resource_id
    if not rid or (entry.action in GONE and entry.outcome == ActionLog.Outcome.SUCCESS):
        return ""
    if entry.action.startswith("job.") and _is_uuid(rid):
        return link_to("job-detail", rid)
    if entry.kind == THREAD_KIND:
        return link_to("thread-detail", rid)
    if workspace is None:
        return ""
    if entry.kind == TEAM_KIND:
        team = workspace.find(rid) if entry.action != Action.TEAM_REMOVED else None
        return link_to("overview", team.key) if team is not None and not team.is_personal else ""
    kind = catalog.get(entry.kind) if entry.kind else None
    if kind is None or not kind.team_scoped:
        return ""
    if entry.action in MADE and entry.outcome in NOT_DONE:
        return ""  # never made
    key = _team_key(entry, workspace)
    if key is None:  # a team no longer saved: look for it in the teams the person has
        return link_to("resource-find", workspace.default_team.key, kind.slug, rid)
    return link_to("resource-detail", key, kind.slug, rid)


def with_links(entries, workspace: Workspace | None) -> list[ActionLog]:
    """The page's entries, each with ``link`` set."""
    shown = list(entries)
    for entry in shown:
        entry.link = entry_link(entry, workspace)
    return shown
