"""Reading personal threads: the list (one upstream call, with what is remembered of each
thread's latest message and title, the rest asked for by the page's lazy fragment), and one
thread with its conversation, its runs and the agents a team offers to run on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from dashboard.threads import previews, titles
from dashboard.upstream.catalog import AGENTS
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.fanout import Outcome, fan_out, run_one
from dashboard.upstream.threads import MAX_LIST_LIMIT, Message, Run, Thread, ThreadPage

_UNKNOWN = object()  # no preview remembered (None is one: the thread has no message)


@dataclass
class ListedThread:
    """A row of the list: ``title`` is "" and ``preview`` None while they are asked for; a
    preview is the Outcome of a ``previews.Preview`` (None: the thread has no message)."""

    thread: Thread
    title: str
    preview: Outcome | None


@dataclass
class ThreadList:
    page: ThreadPage | None
    rows: list[ListedThread] = field(default_factory=list)
    error: Exception | None = None

    @property
    def pending(self) -> list[ListedThread]:
        """The rows still waiting for their preview or their title."""
        return [row for row in self.rows if row.preview is None or not row.title]


def thread_list(
    client: UpstreamClient,
    *,
    user_id,
    limit: int,
    given: Callable[[list[str]], dict] | None = None,
    wait: bool = False,
    fresh: bool = False,
) -> ThreadList:
    """The newest ``limit`` threads, in one upstream call, each with its title and its latest
    message as far as they are known without asking more (see ``previews``): the title the
    person chose (``given``: a callable giving them by thread id) or the one in the thread's
    ``meta_data``, else one remembered from its first message. What is missing is left for
    :func:`thread_previews` (the page's lazy fragment), or, with ``wait``, asked for now, side by
    side; ``fresh`` asks for every preview and first message again."""
    outcome = run_one(partial(client.threads.list_threads, limit=limit))
    if not outcome.ok:
        return ThreadList(None, error=outcome.error)
    threads = outcome.value.threads
    chosen = given([t.id for t in threads]) if given else {}
    remembered = previews.Known() if fresh else previews.known(user_id, threads)
    rows = []
    for thread in threads:
        preview = remembered.previews.get(thread.id, _UNKNOWN)
        title = (
            chosen.get(thread.id) or titles.from_meta(thread) or remembered.titles.get(thread.id)
        )
        if not title and preview is None:  # known to have no message yet
            title = titles.UNTITLED
        rows.append(
            ListedThread(
                thread,
                title or "",
                None if preview is _UNKNOWN else Outcome(value=preview),
            )
        )
    listed = ThreadList(outcome.value, rows)
    pending = listed.pending
    if (wait or fresh) and pending:
        _fill(pending, thread_previews(client, user_id=user_id, **wanted(pending)))
    return listed


def wanted(rows: list[ListedThread]) -> dict:
    """What the rows still need asked: ``latest`` (thread id -> its active run as listed) and
    ``first`` (the threads waiting for a title)."""
    return {
        "latest": {row.thread.id: row.thread.active_run_id for row in rows if row.preview is None},
        "first": [row.thread.id for row in rows if not row.title],
    }


def thread_previews(
    client: UpstreamClient, *, user_id, latest: dict[str, str], first: list[str]
) -> previews.Asked:
    """The latest message of each thread in ``latest`` and the title made from the first message
    of each in ``first``, asked side by side, and remembered."""
    return previews.ask(client, user_id, latest=latest, first=first)


def _fill(rows: list[ListedThread], asked: previews.Asked) -> None:
    for row in rows:
        if row.preview is None:
            row.preview = asked.previews[row.thread.id]
        if not row.title:
            row.title = asked.titles[row.thread.id]


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
    user_id=None,
) -> ThreadPageData:
    """A thread, its conversation, its runs and the agents of a team, all asked at once (with
    its first message, unless the person gave it a title: the title made from it is remembered
    for the list too); the thread's own failure (404 for another person's) is raised."""
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
    if first is not None and first.ok and user_id is not None:
        previews.remember_title(user_id, thread_id, first.value)
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
