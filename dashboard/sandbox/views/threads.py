"""Threads, messages and runs: the caller's own, whatever the team header. Another user's
thread, and anything in it, is not found."""

from __future__ import annotations

from dashboard.sandbox import conversations, errors, serializers, streaming
from dashboard.sandbox.api import NUMBER, Context, choice_param, field, int_param, json_body
from dashboard.sandbox.enums import MESSAGE_ROLES
from dashboard.sandbox.models import SandboxMessage, SandboxRun, SandboxThread


def _thread(ctx: Context, thread_id: str) -> SandboxThread:
    thread = SandboxThread.objects.filter(pk=thread_id, user=ctx.user).first()
    if thread is None:
        raise errors.not_found(f"Thread {thread_id}")
    return thread


def _newest(ctx: Context, queryset, *, default_order: str = "desc"):
    """``limit``/``order`` paging: the first ``limit`` items in ``order`` of creation."""
    limit = int_param(ctx.request, "limit", 20, low=1, high=100)
    order = choice_param(ctx.request, "order", ("asc", "desc"), default_order)
    sign = "-" if order == "desc" else ""
    return queryset.order_by(f"{sign}created_at", f"{sign}pk")[:limit]


def _content(body: dict, *, required: bool) -> str | list | None:
    content = body.get("content")
    if content is None and not required:
        return None
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(
        isinstance(part, dict) and isinstance(part.get("type"), str) for part in content
    ):
        return content
    raise errors.Unprocessable("'content' must be a string or a list of typed parts.")


def create_thread(ctx: Context) -> dict:
    meta_data = field(json_body(ctx.request), "meta_data", dict, default={})
    return serializers.thread(conversations.create_thread(ctx.user, meta_data=meta_data))


def list_threads(ctx: Context) -> list[dict]:
    threads = _newest(ctx, SandboxThread.objects.filter(user=ctx.user))
    return [serializers.thread(thread) for thread in threads]


def get_thread(ctx: Context, thread_id: str) -> dict:
    return serializers.thread(_thread(ctx, thread_id))


def delete_thread(ctx: Context, thread_id: str) -> dict:
    _thread(ctx, thread_id).delete()
    return {"id": thread_id, "object": "thread.deleted", "deleted": True}


def _in_thread(ctx: Context, thread_id: str, related: str, label: str, pk: str):
    """A message or run of one of the caller's threads."""
    found = getattr(_thread(ctx, thread_id), related).filter(pk=pk).first()
    if found is None:
        raise errors.not_found(f"{label} {pk}")
    return found


def _message(ctx: Context, thread_id: str, message_id: str) -> SandboxMessage:
    return _in_thread(ctx, thread_id, "messages", "Message", message_id)


def create_message(ctx: Context, thread_id: str) -> dict:
    thread = _thread(ctx, thread_id)
    body = json_body(ctx.request)
    message = conversations.create_message(
        thread,
        field(body, "role", str, required=True, choices=MESSAGE_ROLES),
        _content(body, required=True),
        agent_id=field(body, "agent_id", str),
        run_id=field(body, "run_id", str),
        meta_data=field(body, "meta_data", dict, default={}),
    )
    return serializers.message(message)


def list_messages(ctx: Context, thread_id: str) -> list[dict]:
    messages = _newest(ctx, _thread(ctx, thread_id).messages.all())
    return [serializers.message(message) for message in messages]


def get_message(ctx: Context, thread_id: str, message_id: str) -> dict:
    return serializers.message(_message(ctx, thread_id, message_id))


def update_message(ctx: Context, thread_id: str, message_id: str) -> dict:
    message = _message(ctx, thread_id, message_id)
    body = json_body(ctx.request)
    content = _content(body, required=False)
    meta_data = field(body, "meta_data", dict)
    if content is not None:
        message.content = content
    if meta_data is not None:
        message.meta_data = meta_data
    message.save(update_fields=["content", "meta_data"])
    return serializers.message(message)


def delete_message(ctx: Context, thread_id: str, message_id: str) -> dict:
    _message(ctx, thread_id, message_id).delete()
    return {"id": message_id, "object": "thread.message.deleted", "deleted": True}


def _run(ctx: Context, thread_id: str, run_id: str) -> SandboxRun:
    return _in_thread(ctx, thread_id, "runs", "Run", run_id)


def _start_run(ctx: Context, thread_id: str) -> tuple[SandboxRun, str]:
    """Check a run request and start the run (the agent may be in any of the caller's teams);
    returns the run and the reply its agent will give."""
    thread = _thread(ctx, thread_id)
    body = json_body(ctx.request)
    agent_id = field(body, "agent_id", str, required=True)
    settings = field(body, "model_settings", dict, default={})
    agent = conversations.agents_of_user(ctx.user).filter(pk=agent_id).first()
    if agent is None:
        raise errors.not_found(f"Agent {agent_id}")
    run = conversations.start_run(
        thread,
        agent,
        temperature=field(settings, "temperature", NUMBER, default=1.0),
        top_p=field(settings, "top_p", NUMBER, default=1.0),
        meta_data=field(body, "metadata", dict, default={}),
    )
    return run, conversations.reply_for(thread, agent)


def create_run(ctx: Context, thread_id: str) -> dict:
    """Queue a run. The sandbox's agent answers at once, so the run is complete when read."""
    run, reply = _start_run(ctx, thread_id)
    conversations.complete_run(run, reply)
    group = field(json_body(ctx.request), "group", str)
    return {"run_id": run.pk, "thread_id": run.thread_id, "status": "queued", "group": group}


def stream_run(ctx: Context, thread_id: str):
    run, reply = _start_run(ctx, thread_id)
    return streaming.stream_response(run, reply)


def list_runs(ctx: Context, thread_id: str) -> list[dict]:
    runs = _thread(ctx, thread_id).runs.order_by("-created_at", "-pk")
    return [serializers.run(run) for run in runs]


def get_run(ctx: Context, thread_id: str, run_id: str) -> dict:
    return serializers.run(_run(ctx, thread_id, run_id))


def cancel_run(ctx: Context, thread_id: str, run_id: str) -> dict:
    run = conversations.cancel_run(_run(ctx, thread_id, run_id))
    return {"run_id": run.pk, "thread_id": run.thread_id, "status": run.status}
