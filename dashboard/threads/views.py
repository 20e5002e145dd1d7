"""Personal threads: the list, a thread as a conversation, and running an agent on it.

Threads belong to the person, not to a team: every thread and message call goes without a team
header, and the pages look the same whichever team is active. Only running an agent uses the
active team, whose agents are offered (see ``catalog.THREAD_CALLS``).
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from dashboard.audit.services import Action
from dashboard.middleware import render_upstream_error
from dashboard.teams.guard import team_guarded
from dashboard.threads import services
from dashboard.upstream.binding import client_for
from dashboard.upstream.catalog import AGENTS
from dashboard.upstream.errors import InvalidRequestError, UpstreamError
from dashboard.upstream.fanout import fan_out, run_one
from dashboard.upstream.threads import DONE_MARKER, MAX_LIST_LIMIT, ThreadsApi, sse_frame

THREADS_PAGE = 20  # threads shown at first; "show more" adds as many again
MESSAGES_PAGE = 50
EVENT_STREAM = "text/event-stream"


def _limit(request, step: int) -> int:
    """The ``?limit=`` asked for (upstream style: a bigger limit shows more), within bounds."""
    try:
        limit = int(request.GET.get("limit", step))
    except ValueError:
        limit = step
    return max(1, min(limit, MAX_LIST_LIMIT))


def _api(request) -> ThreadsApi:
    return ThreadsApi(client_for(request))


def _kept(request, error, url_name, args, field, label, value):
    """The error page with the person's text kept in a form to send again."""
    resubmit = {
        "action": reverse(url_name, args=args),
        "field": field,
        "label": label,
        "value": value,
    }
    return render_upstream_error(request, error, resubmit=resubmit)


def _wants_event_stream(request) -> bool:
    return EVENT_STREAM in request.headers.get("Accept", "")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def threads(request):
    api = _api(request)
    if request.method == "POST":
        text = request.POST.get("message", "")
        try:
            thread = services.create_thread(request.user, api, text)
        except UpstreamError as exc:
            return _kept(request, exc, "threads", (), "message", "First message", text)
        messages.success(request, "Thread created. It is yours, whichever team is active.")
        return redirect("thread-detail", thread.id)

    limit = _limit(request, THREADS_PAGE)
    context = {
        "limit": limit,
        "more_limit": min(limit + THREADS_PAGE, MAX_LIST_LIMIT),
        "max_limit": MAX_LIST_LIMIT,
    }
    outcome = run_one(partial(api.list_threads, limit=limit))
    if outcome.ok:
        page = outcome.value
        previews = api.latest_messages(page.threads)
        context["page"] = page
        context["rows"] = [(thread, previews[thread.id]) for thread in page.threads]
    else:
        context["list_error"] = outcome.error
    return render(request, "threads/threads.html", context)


def _conversation(api: ThreadsApi, thread_id: str, limit: int) -> dict:
    """The newest ``limit`` messages, oldest first (a chat reads downwards)."""
    newest_first = api.list_messages(thread_id, limit=min(limit + 1, MAX_LIST_LIMIT))
    shown = newest_first[:limit]
    return {
        "conversation": list(reversed(shown)),  # not "messages": that name is the flashes
        "messages_has_more": len(newest_first) > limit,
        "messages_limit": limit,
        "messages_more_limit": min(limit + MESSAGES_PAGE, MAX_LIST_LIMIT),
    }


def _conversation_context(outcome) -> dict:
    return outcome.value if outcome.ok else {"conversation_error": outcome.error}


@login_required
@require_safe
def thread_detail(request, thread_id):
    api = _api(request)
    limit = _limit(request, MESSAGES_PAGE)
    outcomes = fan_out(
        {
            "thread": partial(api.get_thread, thread_id),
            "conversation": partial(_conversation, api, thread_id, limit),
            "runs": partial(api.list_runs, thread_id),
            "agents": partial(api.client.list_all, AGENTS),
        }
    )
    if not outcomes["thread"].ok:
        raise outcomes["thread"].error  # 404 for a thread that is not this person's
    thread = outcomes["thread"].value
    context = {"thread": thread, "thread_id": thread_id}
    context.update(_runs_context(outcomes["runs"]))
    context.update(_conversation_context(outcomes["conversation"]))
    if outcomes["agents"].ok:
        context["agents"] = outcomes["agents"].value
    else:
        context["agents_error"] = outcomes["agents"].error
    return render(request, "threads/thread.html", context)


def _runs_context(runs_outcome) -> dict:
    """The thread's runs, and the one still running (there is at most one: it locks the thread)."""
    if not runs_outcome.ok:
        return {"runs": [], "runs_error": runs_outcome.error, "active_run": None}
    runs = runs_outcome.value
    return {"runs": runs, "active_run": next((r for r in runs if r.is_active), None)}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread_messages(request, thread_id):
    """GET: the conversation fragment (htmx). POST: post a message to the thread."""
    api = _api(request)
    if request.method == "POST":
        text = request.POST.get("text", "")
        if text.strip():
            try:
                services.post_message(request.user, api, thread_id, text)
            except UpstreamError as exc:
                return _kept(
                    request, exc, "thread-messages", (thread_id,), "text", "Your message", text
                )
        else:
            messages.error(request, "Write a message before posting it.")
        return redirect("thread-detail", thread_id)
    if not request.htmx:
        return redirect("thread-detail", thread_id)
    conversation = run_one(partial(_conversation, api, thread_id, _limit(request, MESSAGES_PAGE)))
    context = {"thread_id": thread_id, **_conversation_context(conversation)}
    return render(request, "threads/thread.html#conversation", context)


@login_required
@require_safe
def thread_runs(request, thread_id):
    """The runs panel (htmx): each run's status, and a way to cancel the running one."""
    if not request.htmx:
        return redirect("thread-detail", thread_id)
    runs = run_one(partial(_api(request).list_runs, thread_id))
    context = {"thread_id": thread_id, **_runs_context(runs)}
    return render(request, "threads/thread.html#runs", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread_delete(request, thread_id):
    api = _api(request)
    if request.method == "POST":
        services.delete_thread(request.user, api, thread_id)
        messages.success(request, f"Thread {thread_id} deleted.")
        return redirect("threads")
    thread = api.get_thread(thread_id)
    context = {
        "thread_id": thread.id,
        "question": "Delete this thread?",
        "consequence": f"The thread {thread.id} and all its messages are deleted on the upstream.",
        "message": api.latest_message(thread.id),
        "message_caption": "Its latest message:",
        "button": "Delete thread",
    }
    return render(request, "threads/confirm_delete.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def message_delete(request, thread_id, message_id):
    api = _api(request)
    if request.method == "POST":
        services.delete_message(request.user, api, thread_id, message_id)
        messages.success(request, "Message deleted.")
        return redirect("thread-detail", thread_id)
    context = {
        "thread_id": thread_id,
        "question": "Delete this message?",
        "consequence": f"It is removed from the thread {thread_id} on the upstream.",
        "message": api.get_message(thread_id, message_id),
        "button": "Delete message",
    }
    return render(request, "threads/confirm_delete.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@team_guarded(action=Action.RUN_STARTED, kind=services.RUN)
def run_agent(request, thread_id):
    """Run an agent of the active team on the thread.

    With ``Accept: text/event-stream`` (the page's script) the upstream's events are relayed
    as they arrive; a plain form post waits for the run to end, then shows the thread.
    """
    if request.method == "GET":
        return redirect("thread-detail", thread_id)
    agent_id = request.POST.get("agent_id", "").strip()
    if not agent_id:
        raise InvalidRequestError("Pick an agent of the active team to run.")
    started = services.start_run(request.user, request.team, _api(request), thread_id, agent_id)
    events = services.run_events(started)
    if _wants_event_stream(request):
        frames = (sse_frame(event) for event in events)
        response = StreamingHttpResponse(_then_done(frames), content_type=EVENT_STREAM)
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"  # a proxy in front must not hold the events back
        return response
    reply = services.collect_reply(events)
    if started.stream.error_text:
        messages.error(request, f"The agent run did not finish: {started.stream.error_text}")
    elif reply:
        messages.success(request, "The agent answered; its reply is at the bottom.")
    else:
        messages.info(request, "The agent run ended without a written reply.")
    return redirect("thread-detail", thread_id)


def _then_done(frames):
    yield from frames
    yield sse_frame(DONE_MARKER)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@team_guarded(action=Action.RUN_CANCELLED, kind=services.RUN)
def cancel_run(request, thread_id):
    if request.method == "GET":
        return redirect("thread-detail", thread_id)
    run = services.cancel_run(
        request.user, request.team, _api(request), thread_id, request.POST.get("run_id", "")
    )
    if request.htmx:
        return HttpResponse(status=204)
    messages.success(request, f"Agent run {run.id} cancelled.")
    return redirect("thread-detail", thread_id)
