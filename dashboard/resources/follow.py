"""Reads for following what an operation started: a job run on an app, which the upstream
lists nowhere and answers only by its id (``catalog/forms.py``, :class:`Follow`).

Its page (``manage.resource_follow``) refreshes until its status is final; the resource's page
lists what was started on it from the dashboard, as the action log recorded it (the upstream
has no such list to ask).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from dashboard.audit.models import ActionLog
from dashboard.converters import link_to
from dashboard.teams.workspace import Workspace
from dashboard.upstream.catalog import ResourceKind
from dashboard.upstream.catalog.forms import FormSpec
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.fanout import fan_out
from dashboard.upstream.paths import can_name_a_resource

STARTED_SHOWN = 10  # of the things started on a resource, the newest shown on its page


@dataclass
class Followed:
    item: dict
    described: ResourceKind  # the followed thing, described as a kind: its fields and status
    resource: dict | None = None  # what it was started on, as it is now (None: not read)

    @property
    def final(self) -> bool:
        return self.described.is_final(self.item)

    def waiting_on(self, kind: ResourceKind, spec: FormSpec) -> str:
        """The resource's status that keeps it waiting ("" when it goes on, or is not known)."""
        runs_while = spec.follow.runs_while
        if self.resource is None or self.final or runs_while is None:
            return ""
        status = kind.item_status(self.resource)
        return "" if status in runs_while else (status or "not running")


def described(kind: ResourceKind, spec: FormSpec) -> ResourceKind:
    """What ``spec`` starts, as a kind of its own: the follow's fields, status and final
    states; owner and team read from the same fields as the resource's."""
    follow = spec.follow
    return replace(
        kind,
        label=follow.label,
        singular=follow.label.lower(),
        columns=follow.fields,
        status_field=follow.status_field,
        final_statuses=follow.final_statuses,
        relations=(),
        sub_lists=(),
        actions=(),
        forms=(),
        code_field=follow.result_field or None,
    )


def read_followed(
    client: UpstreamClient, kind: ResourceKind, spec: FormSpec, resource_id: str, result: str
) -> Followed:
    """What was started, and the resource it was started on (its name, and whether it lets
    it go on), asked at once; the resource is only told when it could be read."""
    outcomes = fan_out(
        {
            "followed": partial(client.resources.follow, kind, spec, resource_id, result),
            "resource": partial(client.resources.retrieve, kind, resource_id),
        }
    )
    if outcomes["followed"].error is not None:
        raise outcomes["followed"].error
    return Followed(outcomes["followed"].value, described(kind, spec), outcomes["resource"].value)


@dataclass
class Started:
    result: str  # the started thing's id
    form: FormSpec
    at: object  # when (a datetime)
    by: str  # who, by username
    url: str = ""  # its page ("" for an id no page can name: shown as text)


ID_MAX_CHARS = 128  # as the action log keeps it


def followable(result: str) -> bool:
    """Whether an id an operation answered can be kept and named by a page."""
    return 0 < len(result) <= ID_MAX_CHARS and can_name_a_resource(result) and "/" not in result


def page_of(team, kind: ResourceKind, resource_id: str, spec: FormSpec, result: str) -> str:
    """The page following ``result``, or "" when its id cannot name one."""
    if not followable(result):
        return ""
    return link_to("resource-follow", team.key, kind.slug, resource_id, spec.name, result)


def started_on(workspace: Workspace, kind: ResourceKind, resource_id: str) -> list[Started]:
    """What was started on a resource from the dashboard, newest first (the action log's)."""
    following = [spec for spec in kind.forms if spec.follow is not None]
    if not following:
        return []
    entries = (
        ActionLog.objects.filter(
            kind=kind.slug,
            resource_id=resource_id,
            team_id=workspace.team.id or "",
            outcome=ActionLog.Outcome.SUCCESS,
        )
        .exclude(started_id="")
        .only("started_id", "detail", "created_at", "username")[:STARTED_SHOWN]
    )
    started = []
    for entry in entries:
        spec = next((s for s in following if entry.detail.startswith(s.label)), following[0])
        url = page_of(workspace.team, kind, resource_id, spec, entry.started_id)
        started.append(Started(entry.started_id, spec, entry.created_at, entry.username, url))
    return started
