"""Reading personal threads: the list with each thread's latest message, and one thread with its
conversation, its runs and the agents a team offers to run on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from dashboard.threads import titles
from dashboard.upstream.catalog import AGENTS
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.fanout import Outcome, fan_out, run_one
from dashboard.upstream.threads import MAX_LIST_LIMIT, Message, Run, Thread, ThreadPage


@dataclass
class ThreadList:
    page: ThreadPage | None
    previews: dict[str, Outcome]  # thread id -> its latest message (or why it is missing)
    error: Exception | None = None
    titles: dict[str, str] = field(default_factory=dict)  # thread id -> its title


def thread_list(
    client: UpstreamClient, *, limit: int, given: Callable[[list[str]], dict] | None = None
) -> ThreadList:
    """The newest ``limit`` threads, each with its latest message and its title, asked side by
    side; ``given`` is a callable giving the titles the person chose, by thread id. A thread
    with no title of its own is named after its first message, which is asked for too."""
    outcome = run_one(partial(client.threads.list_threads, limit=limit))
    if not outcome.ok:
        return ThreadList(None, {}, outcome.error)
    threads = outcome.value.threads
    chosen = given([t.id for t in threads]) if given else {}
    untitled = [t for t in threads if not chosen.get(t.id) and not titles.from_meta(t)]
    calls = {("latest", t.id): partial(client.threads.latest_message, t.id) for t in threads}
    calls.update({("first", t.id): partial(client.threads.first_message, t.id) for t in untitled})
    answers = fan_out(calls)
    names = {}
    for thread in threads:
        first = answers.get(("first", thread.id))
        names[thread.id] = titles.title_of(
            thread,
            given=chosen.get(thread.id, ""),
            first=first.value if first is not None and first.ok else None,
        )
    previews = {t.id: answers[("latest", t.id)] for t in threads}
    return ThreadList(outcome.value, previews, titles=names)


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
    title: str = ""


def thread_page(
    client: UpstreamClient,
    agents_client: UpstreamClient,
    thread_id: str,
    *,
    limit: int,
    given_title: str = "",
) -> ThreadPageData:
    """A thread, its conversation, its runs and the agents of a team, all asked at once (with
    its first message, unless the person gave it a title); the thread's own failure (404 for
    another person's) is raised."""
    calls = {
        "thread": partial(client.threads.get_thread, thread_id),
        "conversation": partial(conversation, client, thread_id, limit=limit),
        "runs": partial(client.threads.list_runs, thread_id),
        "agents": partial(agents_client.resources.list_all, AGENTS),
    }
    if not given_title:
        calls["first"] = partial(client.threads.first_message, thread_id)
    outcomes = fan_out(calls)
    if not outcomes["thread"].ok:
        raise outcomes["thread"].error
    thread = outcomes["thread"].value
    first = outcomes.get("first")
    title = titles.title_of(
        thread, given=given_title, first=first.value if first is not None and first.ok else None
    )
    return ThreadPageData(
        thread, outcomes["conversation"], outcomes["runs"], outcomes["agents"], title
    )


def last_agent_id(runs: list[Run]) -> str:
    """The agent of the thread's newest run ("" when none ran)."""
    newest = max(
        runs, key=lambda run: run.created_at.timestamp() if run.created_at else 0.0, default=None
    )
    return newest.agent_id if newest is not None else ""


def active_run(runs: list[Run]) -> Run | None:
    """The run still going (there is at most one: it locks the thread)."""
    return next((run for run in runs if run.is_active), None)
