"""Personal threads: the list, a thread as a conversation, and running an agent on it.

Threads belong to the person, not to a team: every thread and message call goes without a team
header, and the pages are the same whichever team is in use. Running an agent is the exception:
agents are a team's, so the thread page shows the agents of one of the person's teams (its
``?team=``, by default the team last used), and the run form names that team, so the run is
started there (see ``catalog.THREAD_CALLS``).
"""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from dashboard.middleware import render_upstream_error
from dashboard.teams.workspace import Team
from dashboard.threads import selectors, services, titles
from dashboard.threads.agents import agent_names
from dashboard.upstream.errors import InvalidRequestError, UpstreamError
from dashboard.upstream.fanout import run_one
from dashboard.upstream.threads import DONE_MARKER, MAX_LIST_LIMIT, ThreadsApi, sse_frame

THREADS_PAGE = 20  # threads shown at first; "show more" adds as many again
MESSAGES_PAGE = 50
EVENT_STREAM = "text/event-stream"
TEAM_FIELD = "team"  # the team whose agents a thread page offers, and a run form names
THEN_RUN_FIELD = "then_run"  # "Send and run with <agent>": post the message, then run the agent
WAIT_FIELD = "wait"  # the threads page with every preview and title in it (no JavaScript)
FRESH_FIELD = "fresh"  # the same, every one read again from the upstream
LATEST_FIELD, RUN_FIELD, FIRST_FIELD = "t", "r", "f"  # what the previews fragment is asked for


def _limit(request, step: int) -> int:
    """The ``?limit=`` asked for (upstream style: a bigger limit shows more), within bounds."""
    try:
        limit = int(request.GET.get("limit", step))
    except ValueError:
        limit = step
    return max(1, min(limit, MAX_LIST_LIMIT))


def _api(request) -> ThreadsApi:
    """Thread and message calls: the user's own, sent without a team."""
    return request.workspace.client.threads


def _named_team(request, source) -> Team:
    """The team a thread page or a run form names (the last-used one when it names none)."""
    key = source.get(TEAM_FIELD, "")
    if not key:
        return request.workspace.default_team
    team = request.workspace.find(key)
    if team is None:
        raise Http404("That is not one of your saved teams.")
    return team


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
            thread = services.create_thread(user=request.user, api=api, first_message=text)
        except UpstreamError as exc:
            return _kept(request, exc, "threads", (), "message", "First message", text)
        messages.success(request, "Thread created. It is yours, whichever team you work in.")
        return redirect("thread-detail", thread.id)

    limit = _limit(request, THREADS_PAGE)
    listed = selectors.thread_list(
        request.workspace.client,
        user_id=request.user.pk,
        limit=limit,
        given=partial(titles.chosen, request.user),
        wait=bool(request.GET.get(WAIT_FIELD)),
        fresh=bool(request.GET.get(FRESH_FIELD)),
    )
    context = {
        "limit": limit,
        "more_limit": min(limit + THREADS_PAGE, MAX_LIST_LIMIT),
        "max_limit": MAX_LIST_LIMIT,
        "page_title": "Threads",
    }
    if listed.error is None:
        context["page"] = listed.page
        context["rows"] = listed.rows
        context["preview_urls"] = _preview_urls(listed.pending)
    else:
        context["list_error"] = listed.error
    return render(request, "threads/threads.html", context)


def _preview_urls(rows) -> list[str]:
    """The fragment addresses that fill in the rows still waiting, ``THREADS_PAGE`` a piece
    (each row's thread id and active run, so the fragment asks for no list)."""
    urls = []
    base = reverse("thread-previews")
    for start in range(0, len(rows), THREADS_PAGE):
        wanted = selectors.wanted(rows[start : start + THREADS_PAGE])
        query = []
        for thread_id, active_run_id in wanted["latest"].items():
            query += [(LATEST_FIELD, thread_id), (RUN_FIELD, active_run_id)]
        query += [(FIRST_FIELD, thread_id) for thread_id in wanted["first"]]
        urls.append(f"{base}?{urlencode(query)}")
    return urls


@login_required
@require_safe
def thread_previews(request):
    """The lazy fragment of the threads page: the latest message of the threads it names
    (``t``, each with its active run as listed, ``r``) and the title made from the first message
    of those (``f``) that have no title, as out-of-band swaps into their rows. It asks no list:
    a thread id that is not the person's own is a failed preview, as the upstream answers it."""
    if not request.htmx:
        return redirect(f"{reverse('threads')}?{WAIT_FIELD}=1")
    thread_ids = request.GET.getlist(LATEST_FIELD)[:MAX_LIST_LIMIT]
    runs = request.GET.getlist(RUN_FIELD)
    latest = {
        thread_id: runs[index] if index < len(runs) else ""
        for index, thread_id in enumerate(thread_ids)
        if thread_id
    }
    first = [
        thread_id for thread_id in request.GET.getlist(FIRST_FIELD)[:MAX_LIST_LIMIT] if thread_id
    ]
    asked = selectors.thread_previews(
        request.workspace.client, user_id=request.user.pk, latest=latest, first=first
    )
    context = {"previews": asked.previews.items(), "titles": asked.titles.items()}
    return render(request, "threads/threads.html#previews", context)


def _conversation_context(outcome) -> dict:
    if not outcome.ok:
        return {"conversation_error": outcome.error}
    shown = outcome.value
    return {
        "conversation": shown.messages,  # not "messages": that name is the flashes
        "messages_has_more": shown.has_more,
        "messages_limit": shown.limit,
        "messages_more_limit": min(shown.limit + MESSAGES_PAGE, MAX_LIST_LIMIT),
    }


def _runs_context(runs_outcome) -> dict:
    if not runs_outcome.ok:
        return {"runs": [], "runs_error": runs_outcome.error, "active_run": None}
    runs = runs_outcome.value
    return {"runs": runs, "active_run": selectors.active_run(runs)}


def _agent_names(request, context, *, shown_agents=(), shown_team=None) -> dict:
    """The names of the agents the page's runs and messages name (see ``agents``)."""
    ids = [run.agent_id for run in context.get("runs") or ()]
    ids += [message.agent_id for message in context.get("conversation") or ()]
    return agent_names(
        request.workspace,
        request.user.pk,
        ids,
        shown_agents=shown_agents,
        shown_team=shown_team,
    )


def _default_agent(agents: list[dict], runs) -> dict | None:
    """The agent "Send and run" offers: the one that ran last here, if the team has it."""
    last = selectors.last_agent_id(runs or [])
    return next((a for a in agents if str(a.get("id")) == last), agents[0] if agents else None)


@login_required
@require_safe
def thread_detail(request, thread_id):
    workspace = request.workspace
    agents_team = _named_team(request, request.GET)
    given_title = titles.chosen(request.user, [thread_id]).get(thread_id, "")
    data = selectors.thread_page(
        workspace.client,
        workspace.client_in(agents_team),
        thread_id,
        limit=_limit(request, MESSAGES_PAGE),
        given_title=given_title,
        user_id=request.user.pk,
    )
    context = {
        "thread": data.thread,
        "thread_id": thread_id,
        "title": data.title,
        "title_given": bool(given_title),
        "title_max_length": titles.TITLE_MAX_LENGTH,
        "agents_team": agents_team,
        "page_title": data.title,
    }
    context.update(_runs_context(data.runs))
    context.update(_conversation_context(data.conversation))
    agents = data.agents.value if data.agents.ok else []
    if data.agents.ok:
        context["agents"] = agents
        context["default_agent"] = _default_agent(agents, context["runs"])
    else:
        context["agents_error"] = data.agents.error
    context["agent_names"] = _agent_names(
        request, context, shown_agents=agents, shown_team=agents_team
    )
    return render(request, "threads/thread.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread_title(request, thread_id):
    """Give the thread a title of one's own (kept by the dashboard: the upstream cannot change a
    thread's metadata); an empty one names it after its first message again."""
    if request.method == "POST":
        _api(request).get_thread(thread_id)  # only one's own threads (404 for another's)
        saved = titles.save(request.user, thread_id, request.POST.get("title", ""))
        if saved:
            messages.success(request, f"Thread renamed “{saved}”.")
        else:
            messages.success(request, "The thread is named after its first message again.")
    return redirect("thread-detail", thread_id)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread_messages(request, thread_id):
    """GET: the conversation fragment (htmx). POST: post a message to the thread."""
    api = _api(request)
    if request.method == "POST":
        text = request.POST.get("text", "")
        if not text.strip():
            if request.htmx:
                raise InvalidRequestError("Write a message before sending it.")
            messages.error(request, "Write a message before sending it.")
            return redirect("thread-detail", thread_id)
        try:
            services.post_message(user=request.user, api=api, thread_id=thread_id, text=text)
        except UpstreamError as exc:
            return _kept(
                request, exc, "thread-messages", (thread_id,), "text", "Your message", text
            )
        if request.htmx:  # the page's script sends the message, then streams the run itself
            return HttpResponse(status=204)
        if request.POST.get(THEN_RUN_FIELD):
            return _run_to_the_end(request, thread_id)
        return redirect("thread-detail", thread_id)
    if not request.htmx:
        return redirect("thread-detail", thread_id)
    shown = run_one(
        partial(
            selectors.conversation,
            request.workspace.client,
            thread_id,
            limit=_limit(request, MESSAGES_PAGE),
        )
    )
    context = {"thread_id": thread_id, **_conversation_context(shown)}
    context["agent_names"] = _agent_names(request, context)
    return render(request, "threads/thread.html#conversation", context)


@login_required
@require_safe
def thread_runs(request, thread_id):
    """The runs panel (htmx): each run's status, and a way to cancel the running one."""
    if not request.htmx:
        return redirect("thread-detail", thread_id)
    runs = run_one(partial(_api(request).list_runs, thread_id))
    agents_team = _named_team(request, request.GET)
    context = {"thread_id": thread_id, "agents_team": agents_team, **_runs_context(runs)}
    context["agent_names"] = _agent_names(request, context, shown_team=agents_team)
    return render(request, "threads/thread.html#runs", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread_delete(request, thread_id):
    api = _api(request)
    if request.method == "POST":
        services.delete_thread(user=request.user, api=api, thread_id=thread_id)
        messages.success(request, f"Thread {thread_id} deleted.")
        return redirect("threads")
    thread = api.get_thread(thread_id)
    given = titles.chosen(request.user, [thread_id]).get(thread_id, "")
    name = titles.title_of(
        thread, given=given, first=None if given else api.first_message(thread_id)
    )
    context = {
        "thread_id": thread.id,
        "question": "Delete this thread?",
        "consequence": (
            f"The thread “{name}” ({thread.id}) and all its messages are deleted on the upstream."
        ),
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
        services.delete_message(
            user=request.user, api=api, thread_id=thread_id, message_id=message_id
        )
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
def run_agent(request, thread_id):
    """Run an agent of the team the form names on the thread.

    With ``Accept: text/event-stream`` (the page's script) the upstream's events are relayed
    as they arrive; a plain form post waits for the run to end, then shows the thread.
    """
    if request.method == "GET":
        return redirect("thread-detail", thread_id)
    if _wants_event_stream(request):
        _team, started = _start_run(request, thread_id)
        frames = (sse_frame(event) for event in services.run_events(started))
        response = StreamingHttpResponse(_then_done(frames), content_type=EVENT_STREAM)
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"  # a proxy in front must not hold the events back
        return response
    return _run_to_the_end(request, thread_id)


def _start_run(request, thread_id):
    """Start the agent the form names, in the team it names."""
    team = _named_team(request, request.POST)
    agent_id = request.POST.get("agent_id", "").strip()
    if not agent_id:
        raise InvalidRequestError(f"Pick an agent of {team.label} to run.")
    started = services.start_run(
        user=request.user,
        team=team,
        api=request.workspace.client_in(team).threads,
        thread_id=thread_id,
        agent_id=agent_id,
    )
    return team, started


def _run_to_the_end(request, thread_id):
    """Run the agent and wait for its reply (a form posted without JavaScript)."""
    team, started = _start_run(request, thread_id)
    events = services.run_events(started)
    reply = services.collect_reply(events)
    if started.stream.error_text:
        messages.error(request, f"The agent run did not finish: {started.stream.error_text}")
    elif reply:
        messages.success(request, "The agent answered; its reply is at the bottom.")
    else:
        messages.info(request, "The agent run ended without a written reply.")
    return _back_to_thread(thread_id, team)


def _back_to_thread(thread_id: str, team: Team):
    """The thread's page, offering the agents of the team just used."""
    return redirect(f"{reverse('thread-detail', args=[thread_id])}?{TEAM_FIELD}={team.key}")


def _then_done(frames):
    yield from frames
    yield sse_frame(DONE_MARKER)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cancel_run(request, thread_id):
    """Cancel the thread's running agent run, in the team it was started in: the one the
    dashboard recorded when it started it, else the one the form names."""
    if request.method == "GET":
        return redirect("thread-detail", thread_id)
    run_id = request.POST.get("run_id", "")
    started_in = services.team_run_started_in(user=request.user, run_id=run_id)
    team = request.workspace.find(started_in) if started_in is not None else None
    team = team or _named_team(request, request.POST)
    run = services.cancel_run(
        user=request.user,
        team=team,
        api=request.workspace.client_in(team).threads,
        thread_id=thread_id,
        run_id=run_id,
    )
    if request.htmx:
        return HttpResponse(status=204)
    messages.success(request, f"Agent run {run.id} cancelled.")
    return _back_to_thread(thread_id, team)
