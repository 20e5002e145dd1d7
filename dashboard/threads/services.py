"""Personal-thread actions: the upstream call, and its entry in the action log.

Thread and message actions are the person's own, so they are logged without a team; agent runs
(start, cancel) happen in the team whose agent they name, and are logged with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from dashboard.audit.selectors import team_recorded_for
from dashboard.audit.services import (
    Action,
    Outcome,
    Recorded,
    begin_change,
    failures_recorded,
    recording,
)
from dashboard.teams.workspace import PERSONAL
from dashboard.threads import previews, titles
from dashboard.upstream import errors
from dashboard.upstream.catalog import AGENTS
from dashboard.upstream.threads import Message, Run, RunStream, Thread, ThreadsApi

THREAD = "thread"
MESSAGE = "message"
RUN = "run"


class AgentNotInTeam(errors.NotFoundError):
    title = "No such agent in this team"


class NoActiveRun(errors.ConflictError):
    title = "No run to cancel"
    default_message = "No agent run is running on this thread any more; it may just have ended."


def create_thread(*, user, api: ThreadsApi, first_message: str = "") -> Thread:
    """A new thread; its title, made from the first message, is kept by the upstream in the
    thread's ``meta_data`` (see ``titles``)."""
    title = titles.from_text(first_message)
    with recording(user, Action.THREAD_CREATED, kind=THREAD) as recorded:
        thread = api.create_thread({titles.META_KEY: title} if title else None)
        recorded.resource_id = thread.id
    if first_message.strip():
        post_message(user=user, api=api, thread_id=thread.id, text=first_message)
    return thread


def delete_thread(*, user, api: ThreadsApi, thread_id: str) -> None:
    with recording(user, Action.THREAD_DELETED, kind=THREAD, resource_id=thread_id):
        api.delete_thread(thread_id)
    titles.forget(user, thread_id)
    previews.forget(user.pk, thread_id)


def post_message(*, user, api: ThreadsApi, thread_id: str, text: str) -> Message:
    with recording(
        user, Action.MESSAGE_POSTED, kind=MESSAGE, detail=f"in thread {thread_id}"
    ) as recorded:
        try:
            message = api.post_message(thread_id, text.strip())
        finally:  # even a failure may have reached the upstream
            previews.changed(user.pk, thread_id)
        recorded.resource_id = message.id
    return message


def delete_message(*, user, api: ThreadsApi, thread_id: str, message_id: str) -> None:
    with recording(
        user,
        Action.MESSAGE_DELETED,
        kind=MESSAGE,
        resource_id=message_id,
        detail=f"in thread {thread_id}",
    ):
        try:
            api.delete_message(thread_id, message_id)
        finally:
            previews.changed(user.pk, thread_id, first=True)


@dataclass
class StartedRun:
    """An agent run whose events are arriving, and its entry in the action log."""

    stream: RunStream
    recorded: Recorded
    user_id: object = None
    thread_id: str = ""


def start_run(*, user, team, api: ThreadsApi, thread_id: str, agent_id: str) -> StartedRun:
    """Start one of the team's agents on the thread.

    The entry is written first; the agent is then looked up in the team (the upstream says
    whether the team has it), so an agent of another team is never run with this team's
    header. The entry is completed by :func:`run_events` once the run's id is known.
    """
    recorded = begin_change(
        user,
        Action.RUN_STARTED,
        team=team,
        kind=RUN,
        detail=f"agent {agent_id} on thread {thread_id}",
    )
    with failures_recorded(recorded):
        try:
            agent = api.client.resources.retrieve(AGENTS, agent_id)
        except errors.NotFoundError as exc:
            raise AgentNotInTeam(
                f"{team.label} has no agent {agent_id} (404): pick one of its agents, or "
                "choose the agent's own team on the thread's page.",
                status=exc.status,
            ) from exc
        recorded.detail = f"agent “{AGENTS.item_name(agent)}” ({agent_id}) on thread {thread_id}"
        try:
            return StartedRun(api.stream_run(thread_id, agent_id), recorded, user.pk, thread_id)
        finally:
            previews.changed(user.pk, thread_id)


def run_events(started: StartedRun) -> Iterator[dict]:
    """The run's events as they arrive; the entry is completed as soon as the run's id is
    known, or when the stream ends (or the reader goes away) without naming it."""
    stream, recorded = started.stream, started.recorded
    try:
        for event in stream.events():
            if stream.run_id and not recorded.resource_id:
                recorded.resource_id = stream.run_id
                recorded.finish()
            yield event
    finally:
        stream.close()
        if started.thread_id:  # the agent's reply is in the thread now (or the run ended)
            previews.changed(started.user_id, started.thread_id)
        if not recorded.resource_id:
            if stream.error_text:
                recorded.finish(Outcome.FAILURE, f"{recorded.detail}: {stream.error_text}")
            else:
                recorded.finish()


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


def team_run_started_in(*, user, run_id: str) -> str | None:
    """The key of the team the dashboard started run ``run_id`` in, as its action log says
    (None when it did not start it, or no run is named)."""
    if not run_id:
        return None
    team_id = team_recorded_for(user=user, action=Action.RUN_STARTED, resource_id=run_id)
    if team_id is None:
        return None
    return team_id or PERSONAL


def cancel_run(*, user, team, api: ThreadsApi, thread_id: str, run_id: str = "") -> Run:
    with recording(
        user,
        Action.RUN_CANCELLED,
        kind=RUN,
        team=team,
        resource_id=run_id,
        detail=f"on thread {thread_id}",
    ) as recorded:
        run = run_to_cancel(api, thread_id, run_id)
        recorded.resource_id = run.id
        if not run.is_active:
            raise NoActiveRun(f"This agent run is already {run.status}; nothing to cancel.")
        try:
            api.cancel_run(thread_id, run)
        finally:
            previews.changed(user.pk, thread_id)
    return run
