"""Threads, their messages and agent runs: owned by a user, never by a team.

A run may use an agent of any team its user belongs to. While a run is under way its thread is
locked on it; the run ends completed (its reply recorded as the agent's message), cancelled, or
failed when its client went away. The sandbox's agents answer deterministically, echoing the
thread's last user message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dashboard.sandbox import errors
from dashboard.sandbox.enums import MESSAGE_ROLES, check_choice
from dashboard.sandbox.models import (
    SandboxAgent,
    SandboxMessage,
    SandboxRun,
    SandboxThread,
    SandboxUser,
    prefixed_id,
)


def agents_of_user(user: SandboxUser):
    """Agents in any team the user belongs to (runs name an agent, whatever the team header)."""
    return SandboxAgent.objects.filter(team__memberships__user=user).distinct()


def create_thread(
    user: SandboxUser, *, meta_data: dict | None = None, created_at: datetime | None = None
) -> SandboxThread:
    return SandboxThread.objects.create(
        id=prefixed_id("thread"),
        user=user,
        meta_data=meta_data or {},
        created_at=created_at or timezone.now(),
    )


def create_message(
    thread: SandboxThread,
    role: str,
    content: str | list,
    *,
    agent_id: str | None = None,
    run_id: str | None = None,
    meta_data: dict | None = None,
    created_at: datetime | None = None,
) -> SandboxMessage:
    """Append a message; its time is kept after the thread's last one so order is stable."""
    check_choice(role, MESSAGE_ROLES, "message role")
    when = created_at or timezone.now()
    last = thread.messages.aggregate(last=Max("created_at"))["last"]
    if last is not None and when <= last:
        when = last + timedelta(microseconds=1)
    return SandboxMessage.objects.create(
        id=prefixed_id("msg"),
        thread=thread,
        role=role,
        content=content,
        agent_id=agent_id,
        run_id=run_id,
        meta_data=meta_data or {},
        created_at=when,
    )


def message_text(content: str | list) -> str:
    if isinstance(content, str):
        return content
    return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))


def last_user_text(thread: SandboxThread) -> str:
    last = thread.messages.filter(role="user").order_by("-created_at").first()
    return message_text(last.content).strip() if last else ""


def reply_for(thread: SandboxThread, agent: SandboxAgent) -> str:
    """The agent's deterministic answer: its name, echoing the thread's last user message."""
    said = last_user_text(thread)
    return f"{agent.name} here. You said: {said}" if said else f"{agent.name} here. Say something!"


def start_run(
    thread: SandboxThread, agent: SandboxAgent, *, temperature: float, top_p: float, meta_data
) -> SandboxRun:
    """A run in progress: the thread is locked on it until it finishes."""
    now = timezone.now()
    run = SandboxRun.objects.create(
        id=prefixed_id("run"),
        thread=thread,
        agent_id=agent.pk,
        status=SandboxRun.Status.RUNNING,
        model=agent.model_id,
        temperature=temperature,
        top_p=top_p,
        meta_data=meta_data or {},
        created_at=now,
        started_at=now,
    )
    SandboxThread.objects.filter(pk=thread.pk).update(status="locked", active_run_id=run.pk)
    return run


def _release_thread(run: SandboxRun) -> None:
    SandboxThread.objects.filter(pk=run.thread_id, active_run_id=run.pk).update(
        status="available", active_run_id=None
    )


def complete_run(run: SandboxRun, reply: str) -> SandboxMessage | None:
    """Record the reply and finish the run, unless it was cancelled meanwhile."""
    prompt = last_user_text(run.thread)
    with transaction.atomic():
        finished = SandboxRun.objects.filter(pk=run.pk, status=SandboxRun.Status.RUNNING).update(
            status=SandboxRun.Status.COMPLETED,
            completed_at=timezone.now(),
            usage={
                "prompt_tokens": len(prompt.split()),
                "completion_tokens": len(reply.split()),
                "total_tokens": len(prompt.split()) + len(reply.split()),
            },
        )
        message = None
        if finished:
            message = create_message(
                run.thread, "assistant", reply, agent_id=run.agent_id, run_id=run.pk
            )
        _release_thread(run)
    return message


def fail_run(run: SandboxRun) -> None:
    """A run whose client went away before the end stops there, as failed."""
    SandboxRun.objects.filter(pk=run.pk, status=SandboxRun.Status.RUNNING).update(
        status=SandboxRun.Status.FAILED, failed_at=timezone.now()
    )
    _release_thread(run)


def cancel_run(run: SandboxRun) -> SandboxRun:
    cancelled = SandboxRun.objects.filter(
        pk=run.pk, status__in=[SandboxRun.Status.QUEUED, SandboxRun.Status.RUNNING]
    ).update(status=SandboxRun.Status.CANCELLED, cancelled_at=timezone.now())
    if not cancelled:
        run.refresh_from_db()
        raise errors.Conflict(f"Run {run.pk} is {run.status} and cannot be cancelled.")
    _release_thread(run)
    run.refresh_from_db()
    return run


def is_cancelled(run: SandboxRun) -> bool:
    return SandboxRun.objects.filter(pk=run.pk, status=SandboxRun.Status.CANCELLED).exists()
