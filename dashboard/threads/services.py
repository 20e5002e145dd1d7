"""Personal-thread actions: the upstream call, and its entry in the action log.

Thread and message actions are the person's own, so they are logged without a team; agent runs
(start, cancel) happen in the active team, whose agent they name, and are logged with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from dashboard.audit.services import Action, Outcome, record_action
from dashboard.upstream import errors
from dashboard.upstream.threads import Message, Run, RunStream, Thread, ThreadsApi

THREAD = "thread"
MESSAGE = "message"
RUN = "run"


class NoActiveRun(errors.ConflictError):
    title = "No run to cancel"
    default_message = "No agent run is running on this thread any more; it may just have ended."


@dataclass
class Entry:
    """What an action-log entry will say; filled in while the action runs."""

    resource_id: str = ""
    detail: str = ""


@contextmanager
def logged(user, action: str, *, kind: str, team=None, resource_id: str = "", detail: str = ""):
    """Record ``action`` as succeeded, or as failed with the upstream's reason (then re-raise)."""
    entry = Entry(resource_id, detail)
    try:
        yield entry
    except errors.UpstreamError as exc:
        record_action(
            user,
            action,
            team=team,
            kind=kind,
            resource_id=entry.resource_id,
            outcome=Outcome.FAILURE,
            detail=" ".join(filter(None, (entry.detail, exc.message))),
        )
        raise
    record_action(
        user, action, team=team, kind=kind, resource_id=entry.resource_id, detail=entry.detail
    )


def create_thread(user, api: ThreadsApi, first_message: str = "") -> Thread:
    with logged(user, Action.THREAD_CREATED, kind=THREAD) as entry:
        thread = api.create_thread()
        entry.resource_id = thread.id
    if first_message.strip():
        post_message(user, api, thread.id, first_message)
    return thread


def delete_thread(user, api: ThreadsApi, thread_id: str) -> None:
    with logged(user, Action.THREAD_DELETED, kind=THREAD, resource_id=thread_id):
        api.delete_thread(thread_id)


def post_message(user, api: ThreadsApi, thread_id: str, text: str) -> Message:
    with logged(
        user, Action.MESSAGE_POSTED, kind=MESSAGE, detail=f"in thread {thread_id}"
    ) as entry:
        message = api.post_message(thread_id, text.strip())
        entry.resource_id = message.id
    return message


def delete_message(user, api: ThreadsApi, thread_id: str, message_id: str) -> None:
    with logged(
        user,
        Action.MESSAGE_DELETED,
        kind=MESSAGE,
        resource_id=message_id,
        detail=f"in thread {thread_id}",
    ):
        api.delete_message(thread_id, message_id)


def start_run(user, team, api: ThreadsApi, thread_id: str, agent_id: str) -> RunStream:
    """Start the agent on the thread; a refusal is logged here, a start by :func:`run_events`."""
    try:
        return api.stream_run(thread_id, agent_id)
    except errors.UpstreamError as exc:
        record_action(
            user,
            Action.RUN_STARTED,
            team=team,
            kind=RUN,
            outcome=Outcome.FAILURE,
            detail=f"agent {agent_id} on thread {thread_id}: {exc.message}",
        )
        raise


def run_events(user, team, stream: RunStream, *, thread_id: str, agent_id: str) -> Iterator[dict]:
    """The run's events as they arrive, logging the start as soon as the run's id is known.

    A stream that never names its run is logged when it ends (or when the reader goes away).
    """
    detail = f"agent {agent_id} on thread {thread_id}"
    logged_start = False

    def log_start(outcome: str = Outcome.SUCCESS, note: str = "") -> None:
        record_action(
            user,
            Action.RUN_STARTED,
            team=team,
            kind=RUN,
            resource_id=stream.run_id,
            outcome=outcome,
            detail=f"{detail}: {note}" if note else detail,
        )

    try:
        for event in stream.events():
            if not logged_start and stream.run_id:
                log_start()
                logged_start = True
            yield event
    finally:
        stream.close()
        if not logged_start:
            if stream.error_text:
                log_start(Outcome.FAILURE, stream.error_text)
            else:
                log_start()


def collect_reply(events: Iterable[dict]) -> str:
    """Read a run to its end (for pages without JavaScript): the text the agent wrote."""
    return "".join(
        str(event.get("delta") or "") for event in events if event.get("type") == "text-delta"
    )


def run_to_cancel(api: ThreadsApi, thread_id: str, run_id: str = "") -> Run:
    """The named run, else the thread's active one (the upstream says which, or its run list)."""
    if run_id:
        return api.get_run(thread_id, run_id)
    thread = api.get_thread(thread_id)
    if thread.active_run_id:
        return api.get_run(thread_id, thread.active_run_id)
    active = next((run for run in api.list_runs(thread_id) if run.is_active), None)
    if active is None:
        raise NoActiveRun()
    return active


def cancel_run(user, team, api: ThreadsApi, thread_id: str, run_id: str = "") -> Run:
    with logged(
        user,
        Action.RUN_CANCELLED,
        kind=RUN,
        team=team,
        resource_id=run_id,
        detail=f"on thread {thread_id}",
    ) as entry:
        run = run_to_cancel(api, thread_id, run_id)
        entry.resource_id = run.id
        if not run.is_active:
            raise NoActiveRun(f"This agent run is already {run.status}; nothing to cancel.")
        api.cancel_run(thread_id, run)
    return run
