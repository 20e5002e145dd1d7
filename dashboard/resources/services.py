"""Changes to team resources: delete and the catalog's actions, each recorded in the action log
before it is sent, and checked against the resource's state as the page offered it."""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboard.audit.services import Action, Outcome, failure_detail, failure_outcome, recording
from dashboard.resources.follow import followable
from dashboard.resources.presentation import display_name
from dashboard.teams.workspace import Team
from dashboard.upstream.catalog import ResourceKind
from dashboard.upstream.catalog.forms import FormSpec
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.errors import (
    BadResponseError,
    ForbiddenError,
    NotFoundError,
    UpstreamError,
)


def explain_failure(exc: UpstreamError, team: Team, doing: str) -> str:
    """What to tell a person whose change the upstream refused, naming the team."""
    if isinstance(exc, ForbiddenError):
        return (
            f"Your role in {team} does not allow {doing}: the upstream "
            f"refused it (403). Ask an Admin of {team.label}, or switch to a team where you may."
        )
    if isinstance(exc, NotFoundError):
        return f"{team} no longer has it (404): nothing to do."
    if exc.outcome_unknown or isinstance(exc, BadResponseError):  # sent; what came of it?
        return f"{doing[:1].upper()}{doing[1:]} in {team.label}: {exc.message}"
    return f"{doing[:1].upper()}{doing[1:]} in {team.label} failed. {exc.message}"


@dataclass(frozen=True)
class Change:
    """A change offered behind a confirmation page: delete, or one of the kind's actions."""

    action_name: str | None  # None: delete
    heading: str  # "Delete the file “a.jsonl”?"
    question: str
    button: str
    doing: str  # "deleting this file", for messages
    done: str  # the message after success
    not_possible: str = ""  # why the resource's state does not allow it now, if it does not


def plan_change(*, kind: ResourceKind, action_name: str | None, item: dict, team: Team) -> Change:
    """What deleting ``item`` (``action_name`` None) or running one of its kind's actions on it
    means, in words, and whether its state allows it."""
    name = display_name(kind, item)
    status = kind.item_status(item)
    if action_name is None:
        not_possible = ""
        if not kind.may_delete(status):
            allowed = ", ".join(sorted(kind.delete_statuses)).lower()
            not_possible = (
                f"This {kind.singular} is {status.lower() or 'in no known state'}; it can be "
                f"deleted only while it is {allowed}. {kind.delete_hint}"
            ).strip()
        return Change(
            action_name=None,
            heading=f"Delete the {kind.singular} “{name}”?",
            question=(
                f"The {kind.singular} is deleted on the upstream for everyone in the team. "
                "This cannot be undone."
            ),
            button=f"Delete {kind.singular}",
            doing=f"deleting this {kind.singular}",
            done=f"Deleted the {kind.singular} “{name}” from {team.label}.",
            not_possible=not_possible,
        )
    action = kind.action(action_name)
    not_possible = ""
    if not action.allows(status):
        allowed = ", ".join(sorted(action.allowed_statuses))
        not_possible = (
            f"This {kind.singular} is {status or 'in no known state'}; "
            f"“{action.label}” is possible only while it is {allowed}."
        )
    return Change(
        action_name=action.name,
        heading=f"{action.label}: “{name}”?",
        question=action.confirm,
        button=action.label,
        doing=f"“{action.label.lower()}” on this {kind.singular}",
        done=f"{action.label}: done for “{name}” in {team.label}.",
        not_possible=not_possible,
    )


@dataclass
class ChangeResult:
    item: dict
    change: Change
    problem: str = ""  # why it was not done; "" when it was
    status: int = 200


def status_change(kind: ResourceKind, before: dict, answer) -> str:
    """`` (Inactive → Pending)`` when an action's answer shows the resource's new status."""
    was = kind.item_status(before)
    now = kind.item_status(answer) if isinstance(answer, dict) else None
    return f" ({was} → {now})" if was and now and now != was else ""


def make_change(
    *,
    user,
    team: Team,
    client: UpstreamClient,
    kind: ResourceKind,
    resource_id: str,
    action_name: str | None,
) -> ChangeResult:
    """Delete a resource (``action_name`` None) or run an action on it, in ``team``.

    Recorded before anything is sent, and checked again as the page was: a change the
    resource's state does not allow is refused, whatever the form said. A resource that is not
    there raises NotFoundError (recorded as failed)."""
    with recording(
        user,
        Action.RESOURCE_DELETED if action_name is None else Action.RESOURCE_ACTION,
        team=team,
        kind=kind.slug,
        resource_id=resource_id,
        detail=f"{kind.singular} {resource_id}",
    ) as recorded:
        item = client.resources.retrieve(kind, resource_id)
        change = plan_change(kind=kind, action_name=action_name, item=item, team=team)
        result = ChangeResult(item, change)
        recorded.detail = f"{change.button}: “{display_name(kind, item)}”"
        if change.not_possible:
            recorded.outcome = Outcome.REFUSED
            recorded.detail = f"{recorded.detail}: {change.not_possible}"
            result.problem = f"Nothing was sent to the upstream. {change.not_possible}"
            result.status = 409
            return result
        try:
            if action_name is None:
                client.resources.delete(kind, resource_id)
            else:
                answer = client.resources.run_action(kind, action_name, resource_id)
                recorded.detail = f"{recorded.detail}{status_change(kind, item, answer)}"
        except UpstreamError as exc:
            recorded.outcome = failure_outcome(exc)
            recorded.detail = failure_detail(recorded.detail, exc)
            result.problem = explain_failure(exc, team, change.doing)
            result.status = exc.http_status
    return result


# --- Forms: create, edit and operations on a resource ----------------------------------------
@dataclass
class Submitted:
    """What came of a filled-in form: the resource as the upstream answered, or why not."""

    item: dict | None
    problem: str = ""
    field_errors: dict[str, str] = field(default_factory=dict)
    status: int = 200

    @property
    def done(self) -> bool:
        return not self.problem


def audit_action_of(spec: FormSpec) -> str:
    if spec.name == "create":
        return Action.RESOURCE_CREATED
    return Action.RESOURCE_EDITED if spec.name == "edit" else Action.RESOURCE_ACTION


def submit_form(
    *,
    user,
    team: Team,
    client: UpstreamClient,
    kind: ResourceKind,
    spec: FormSpec,
    body: dict,
    summary: str,
    files: dict | None = None,
    resource_id: str | None = None,
) -> Submitted:
    """Send a form to the upstream in ``team``, recorded before it is sent. The upstream's
    refusal comes back as a message and, where it names fields, as errors at those fields."""
    with recording(
        user,
        audit_action_of(spec),
        team=team,
        kind=kind.slug,
        resource_id=resource_id or "",
        detail=summary,
    ) as recorded:
        try:
            answer = client.resources.submit(
                kind, spec, body=body, resource_id=resource_id, files=files
            )
            if not isinstance(answer, dict):
                raise BadResponseError(
                    "The upstream's answer could not be read, so whether it was done is not "
                    f"known: check the {kind.label.lower()} of {team.label} before trying again."
                )
        except UpstreamError as exc:
            recorded.outcome = failure_outcome(exc)
            recorded.detail = failure_detail(recorded.detail, exc)
            problem = explain_failure(exc, team, spec.label.lower())
            return Submitted(None, problem, exc.field_errors, exc.http_status)
        item = answer if isinstance(answer, dict) else {}
        made = str(item.get(spec.result_id) or "")
        if not resource_id:
            recorded.resource_id = made
        elif spec.opens_result and made:  # a duplicate: a new resource beside this one
            recorded.detail = f"{recorded.detail} → {made}"
        elif spec.follow is not None and made:  # a job started on the resource
            recorded.started_id = made if followable(made) else ""
            recorded.detail = f"{recorded.detail} → {spec.follow.label.lower()} {made}"
    return Submitted(item)


def remove_item(
    *,
    user,
    team: Team,
    client: UpstreamClient,
    kind: ResourceKind,
    index: int,
    resource_id: str,
    item_id: str,
) -> str:
    """Take one item out of a resource's sub-list (a file out of a vector database); the
    problem in words when the upstream refused, else an empty string."""
    sub = kind.sub_lists[index]
    with recording(
        user,
        Action.RESOURCE_EDITED,
        team=team,
        kind=kind.slug,
        resource_id=resource_id,
        detail=f"{sub.remove_label}: {item_id}",
    ) as recorded:
        try:
            client.resources.remove_from(kind, index, resource_id, item_id)
        except UpstreamError as exc:
            recorded.outcome = failure_outcome(exc)
            recorded.detail = failure_detail(recorded.detail, exc)
            return explain_failure(exc, team, sub.remove_label.lower())
    return ""
