"""Reading personal threads: the list with each thread's latest message, and one thread with its
conversation, its runs and the agents a team offers to run on it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from dashboard.upstream.catalog import AGENTS
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.fanout import Outcome, fan_out, run_one
from dashboard.upstream.threads import MAX_LIST_LIMIT, Message, Run, Thread, ThreadPage


@dataclass
class ThreadList:
    page: ThreadPage | None
    previews: dict[str, Outcome]  # thread id -> its latest message (or why it is missing)
    error: Exception | None = None


def thread_list(client: UpstreamClient, *, limit: int) -> ThreadList:
    """The newest ``limit`` threads, each with its latest message (asked side by side)."""
    outcome = run_one(partial(client.threads.list_threads, limit=limit))
    if not outcome.ok:
        return ThreadList(None, {}, outcome.error)
    return ThreadList(outcome.value, client.threads.latest_messages(outcome.value.threads))


@dataclass
class Conversation:
    """The newest messages of a thread, oldest first (a chat reads downwards)."""

    messages: list[Message]
    has_more: bool
    limit: int


def conversation(client: UpstreamClient, thread_id: str, *, limit: int) -> Conversation:
    newest_first = client.threads.list_messages(thread_id, limit=min(limit + 1, MAX_LIST_LIMIT))
    shown = newest_first[:limit]
    return Conversation(list(reversed(shown)), len(newest_first) > limit, limit)


@dataclass
class ThreadPageData:
    thread: Thread
    conversation: Outcome  # of Conversation
    runs: Outcome  # of list[Run]
    agents: Outcome  # of the agents team's agents


def thread_page(
    client: UpstreamClient, agents_client: UpstreamClient, thread_id: str, *, limit: int
) -> ThreadPageData:
    """A thread, its conversation, its runs and the agents of a team, all asked at once; the
    thread's own failure (404 for another person's) is raised."""
    outcomes = fan_out(
        {
            "thread": partial(client.threads.get_thread, thread_id),
            "conversation": partial(conversation, client, thread_id, limit=limit),
            "runs": partial(client.threads.list_runs, thread_id),
            "agents": partial(agents_client.resources.list_all, AGENTS),
        }
    )
    if not outcomes["thread"].ok:
        raise outcomes["thread"].error
    return ThreadPageData(
        outcomes["thread"].value, outcomes["conversation"], outcomes["runs"], outcomes["agents"]
    )


def active_run(runs: list[Run]) -> Run | None:
    """The run still going (there is at most one: it locks the thread)."""
    return next((run for run in runs if run.is_active), None)
