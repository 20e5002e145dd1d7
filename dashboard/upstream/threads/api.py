"""Personal threads, their messages and agent runs (``client.threads``).

Every call is sent with the scope :data:`~dashboard.upstream.catalog.THREAD_CALLS` gives it:
threads, messages and run listings are the user's own (``USER``: never an ``x-team-id``), while
starting, streaming and cancelling a run name a team-owned agent (``TEAM``: the client's team,
whose agents the person picked from). Paths, bodies and list shapes: ``docs/upstream.md``,
"Threads" and "Runs".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings

from dashboard.upstream import errors
from dashboard.upstream.catalog import THREAD_CALLS, THREADS
from dashboard.upstream.fanout import Outcome, fan_out
from dashboard.upstream.paths import expand, segment
from dashboard.upstream.threads.stream import RunStream
from dashboard.upstream.threads.wire import Message, Run, Thread, ThreadPage, array_of

if TYPE_CHECKING:
    from dashboard.upstream.client import UpstreamClient

NEWEST_FIRST = "desc"
MAX_LIST_LIMIT = THREADS.max_page_size  # the largest limit the dashboard asks for
# An agent may think (or call tools) for a while between two events of its stream.
RUN_STREAM_READ_TIMEOUT = 300.0
# What a 404 means for each family of calls: threads are per person, so "not found" is also
# what another person's thread answers.
NOT_FOUND_MESSAGES = {
    "threads": (
        "There is no such thread among yours (404). Threads are personal: another person's "
        "thread cannot be opened, even by a member of the same team."
    ),
    "messages": "There is no such message among your threads (404).",
    "runs": "There is no such agent run among your threads, or no such agent in this team (404).",
}


def run_request_body(agent_id: str, *, group: str | None = "default_group") -> dict:
    """The RunRequest body the official SDK sends to start (and, with no group, cancel) a run."""
    return {
        "agent_id": agent_id,
        "model_settings": {
            "temperature": 1.0,
            "top_p": 1.0,
            "frequency_penalty": 0.0,
            "presence_penalty": 0.0,
            "max_tokens": None,
        },
        "response_format": None,
        "group": group,
        "metadata": None,
    }


class ThreadsApi:
    """Thread, message and run calls for one client (its key, and its team for runs)."""

    def __init__(self, client: UpstreamClient):
        self.client = client

    @staticmethod
    @contextmanager
    def _explained_not_found(call: str) -> Iterator[None]:
        try:
            yield
        except errors.NotFoundError as exc:
            message = NOT_FOUND_MESSAGES[call.split(".")[0]]
            if exc.detail:
                message = f"{message} The upstream said: {exc.detail}"
            raise errors.NotFoundError(message, status=exc.status, detail=exc.detail) from exc

    def _call(self, call: str, method: str, path: str, **kwargs) -> Any:
        with self._explained_not_found(call):
            return self.client.request(method, path, scope=THREAD_CALLS[call], **kwargs)

    def _thread_path(self, thread_id: str, *rest: str) -> str:
        return "/".join((expand(THREADS.detail_path, thread_id), *rest))

    # threads
    def list_threads(self, *, limit: int = 20, order: str = NEWEST_FIRST) -> ThreadPage:
        """The newest ``limit`` threads; one more is asked for to learn whether there are more."""
        limit = max(1, min(limit, MAX_LIST_LIMIT))
        asked = min(limit + 1, MAX_LIST_LIMIT)
        payload = self._call(
            "threads.list", "GET", THREADS.list_path, params={"limit": asked, "order": order}
        )
        threads = [Thread.from_api(item) for item in array_of(payload, "thread")]
        return ThreadPage(threads[:limit], limit, len(threads) > limit)

    def create_thread(self, meta_data: dict | None = None) -> Thread:
        payload = self._call(
            "threads.create", "POST", THREADS.list_path, json_body={"meta_data": meta_data or {}}
        )
        return Thread.from_api(payload)

    def get_thread(self, thread_id: str) -> Thread:
        return Thread.from_api(self._call("threads.retrieve", "GET", self._thread_path(thread_id)))

    def delete_thread(self, thread_id: str) -> None:
        self._call("threads.delete", "DELETE", self._thread_path(thread_id))

    # messages
    def list_messages(
        self, thread_id: str, *, limit: int = 20, order: str = NEWEST_FIRST
    ) -> list[Message]:
        payload = self._call(
            "messages.list",
            "GET",
            self._thread_path(thread_id, "messages"),
            params={"limit": max(1, min(limit, MAX_LIST_LIMIT)), "order": order},
        )
        return [Message.from_api(item) for item in array_of(payload, "message")]

    def latest_message(self, thread_id: str) -> Message | None:
        messages = self.list_messages(thread_id, limit=1)
        return messages[0] if messages else None

    def first_message(self, thread_id: str) -> Message | None:
        """The thread's oldest message (its title is made from it when it has none)."""
        messages = self.list_messages(thread_id, limit=1, order="asc")
        return messages[0] if messages else None

    def latest_messages(self, threads: list[Thread]) -> dict[str, Outcome]:
        """Each thread's latest message, asked for in parallel; one failure hides no other."""
        return fan_out({t.id: partial(self.latest_message, t.id) for t in threads})

    def post_message(self, thread_id: str, text: str, *, role: str = "user") -> Message:
        """Post a message; like the SDK, the client gives it its id (a fresh UUID)."""
        body = {
            "id": str(uuid.uuid4()),
            "object": "thread.message",
            "thread_id": thread_id,
            "role": role,
            "content": text,
            "agent_id": None,
            "run_id": None,
            "meta_data": {},
        }
        path = self._thread_path(thread_id, "messages")
        return Message.from_api(self._call("messages.create", "POST", path, json_body=body))

    def get_message(self, thread_id: str, message_id: str) -> Message:
        path = self._thread_path(thread_id, "messages", segment(message_id))
        return Message.from_api(self._call("messages.retrieve", "GET", path))

    def delete_message(self, thread_id: str, message_id: str) -> None:
        path = self._thread_path(thread_id, "messages", segment(message_id))
        self._call("messages.delete", "DELETE", path)

    # runs
    def list_runs(self, thread_id: str) -> list[Run]:
        payload = self._call("runs.list", "GET", self._thread_path(thread_id, "runs"))
        return [Run.from_api(item) for item in array_of(payload, "run")]

    def get_run(self, thread_id: str, run_id: str) -> Run:
        path = self._thread_path(thread_id, "runs", segment(run_id))
        return Run.from_api(self._call("runs.retrieve", "GET", path))

    def stream_run(self, thread_id: str, agent_id: str) -> RunStream:
        """Start the agent on the thread and hand back its event stream, open."""
        with self._explained_not_found("runs.stream"):
            streamed = self.client.stream(
                "POST",
                self._thread_path(thread_id, "runs", "stream", "vercel"),
                scope=THREAD_CALLS["runs.stream"],
                json_body=run_request_body(agent_id),
                headers={"Accept": "text/event-stream"},
                timeout=(settings.UPSTREAM_CONNECT_TIMEOUT, RUN_STREAM_READ_TIMEOUT),
            )
        if "text/event-stream" not in streamed.content_type:
            streamed.close()
            raise errors.BadResponseError(
                "The upstream answered the agent run with something other than an event stream."
            )
        return RunStream(streamed)

    def cancel_run(self, thread_id: str, run: Run) -> Any:
        path = self._thread_path(thread_id, "runs", segment(run.id), "cancel")
        return self._call(
            "runs.cancel", "POST", path, json_body=run_request_body(run.agent_id, group=None)
        )
