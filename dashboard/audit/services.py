"""The one way to record what was done through the dashboard.

A change that is only the dashboard's own (a saved team, a stored key) is recorded with
:func:`record_action`. A change sent upstream is recorded with :func:`recording`: its entry is
written *before* the call, so that if the log cannot be written nothing is sent, and completed
with the outcome after it. Every value is made storable first (control characters shown as
escapes, lengths cut to the columns), so no value a person or the upstream sends can make the
entry fail where the change itself succeeded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from dashboard.audit.models import ActionLog
from dashboard.upstream.errors import UpstreamError, may_have_been_made

Action = ActionLog.Action
Outcome = ActionLog.Outcome

logger = logging.getLogger(__name__)


def _unstorable(ch: str) -> bool:
    """Control characters other than tabs and line breaks (PostgreSQL refuses NUL in text), and
    halves of UTF-16 pairs (no database encoding takes them)."""
    return (ch < " " and ch not in "\t\n\r") or ch == "\x7f" or "\ud800" <= ch <= "\udfff"


def storable(value: object, limit: int) -> str:
    """``value`` as text any database column takes (see ``_unstorable``: those characters are
    written as escapes), cut to ``limit``."""
    return "".join(_escaped(ch) if _unstorable(ch) else ch for ch in str(value))[:limit]


def _escaped(ch: str) -> str:
    return f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}"


SNAPSHOT_MAX_CHARS = 64 * 1024


def storable_json(value) -> dict | list | None:
    """``value`` as any database's JSON column takes it: NUL characters kept as the text
    ``\\x00`` (PostgreSQL's jsonb refuses them), and a value too large kept as the start of
    its text."""
    if value is None:
        return None
    value = _without_nul(value)
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > SNAPSHOT_MAX_CHARS:
        return {"truncated": True, "text": text[:SNAPSHOT_MAX_CHARS]}
    return value


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "\\x00")
    if isinstance(value, dict):
        return {_without_nul(str(k)): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nul(v) for v in value]
    return value


def _fields(user, action, *, team, kind, resource_id, outcome, detail, snapshot=None) -> dict:
    team_id = (getattr(team, "id", None) or "") if team is not None else ""
    team_label = (getattr(team, "label", None) or "") if team is not None else ""
    return {
        "user": user if getattr(user, "pk", None) else None,
        "username": storable(getattr(user, "username", "") or "", 150),
        "team_id": storable(team_id, 64),
        "team_label": storable(team_label, 100),
        "action": action,
        "kind": storable(kind, 40),
        "resource_id": storable(resource_id, 128),
        "outcome": outcome,
        "detail": storable(detail, 500),
        "snapshot": storable_json(snapshot),
    }


def record_action(
    user: AbstractBaseUser,
    action: str,
    *,
    team=None,
    kind: str = "",
    resource_id: str = "",
    outcome: str = Outcome.SUCCESS,
    detail: str = "",
    snapshot=None,
) -> ActionLog:
    """Append one entry. ``team`` is a team-like object (``id``, ``label``) or None."""
    return ActionLog.objects.create(
        **_fields(
            user,
            action,
            team=team,
            kind=kind,
            resource_id=resource_id,
            outcome=outcome,
            detail=detail,
            snapshot=snapshot,
        )
    )


@dataclass
class Recorded:
    """The entry of a change sent upstream, written as started before the change is sent.

    The change fills in what it learns (the id of what it created, a fuller detail) and then
    finishes the entry with its outcome; only the first finish counts.
    """

    pk: int
    resource_id: str = ""
    detail: str = ""
    outcome: str = Outcome.SUCCESS  # the outcome ``finish`` gives unless told another
    started_id: str = ""  # what the change started upstream (a job), to follow afterwards

    def finish(self, outcome: str | None = None, detail: str | None = None) -> None:
        try:
            ActionLog.objects.complete(
                self.pk,
                outcome=outcome or self.outcome,
                resource_id=storable(self.resource_id, 128),
                detail=storable(self.detail if detail is None else detail, 500),
                started_id=storable(self.started_id, 128),
            )
        except Exception:  # the change is done; its entry stays "started" rather than lost
            logger.exception("could not complete action log entry %s", self.pk)

    def failed(self, error: UpstreamError) -> None:
        """A change that failed, or (sent with no answer saying what came of it) whose
        outcome is not known: so its entry says, and why."""
        self.finish(failure_outcome(error), failure_detail(self.detail, error))


def failure_outcome(error: UpstreamError) -> str:
    """How a change that ended in ``error`` went: failed, or not known (see
    ``errors.may_have_been_made``)."""
    return Outcome.UNKNOWN if may_have_been_made(error) else Outcome.FAILURE


def failure_detail(detail: str, error: UpstreamError) -> str:
    """An entry's detail for a change the upstream refused or could not do, or whose outcome
    is not known."""
    answered = error.status or ("no definite answer" if error.outcome_unknown else "no answer")
    reason = f"{error.title} ({answered}): {error.message}"
    return f"{detail}: {reason}" if detail else reason


def begin_change(
    user: AbstractBaseUser,
    action: str,
    *,
    team=None,
    kind: str = "",
    resource_id: str = "",
    detail: str = "",
    snapshot=None,
) -> Recorded:
    """Write the entry of a change about to be sent upstream; if this raises, send nothing."""
    entry = record_action(
        user,
        action,
        team=team,
        kind=kind,
        resource_id=resource_id,
        outcome=Outcome.STARTED,
        detail=detail,
        snapshot=snapshot,
    )
    return Recorded(entry.pk, resource_id, detail)


@contextmanager
def failures_recorded(recorded: Recorded) -> Iterator[Recorded]:
    """Finish the entry as failed if the block raises (the upstream's reason, or "stopped by
    an error"), and re-raise; a block that ends well leaves the entry to be finished later."""
    try:
        yield recorded
    except UpstreamError as exc:
        recorded.failed(exc)
        raise
    except BaseException:
        recorded.finish(Outcome.FAILURE, f"{recorded.detail}: stopped by an error")
        raise


@contextmanager
def recording(user: AbstractBaseUser, action: str, **entry) -> Iterator[Recorded]:
    """Record one change sent upstream, whatever happens to it (see :func:`begin_change`):
    after the block the entry gets its outcome, success (or what the block set) or failure."""
    with failures_recorded(begin_change(user, action, **entry)) as recorded:
        yield recorded
    recorded.finish()
