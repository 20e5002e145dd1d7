"""How jobs and their steps look on the pages: status colours, progress, links to what a step
made."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from dashboard.jobs import registry
from dashboard.jobs.models import Job, JobStep

BADGES = {
    "succeeded": "badge-ok",
    "done": "badge-ok",
    "queued": "badge-run",
    "running": "badge-run",
    "failed": "badge-bad",
    "cancelled": "badge-warn",
    "interrupted": "badge-warn",
    "skipped": "badge-warn",
    "pending": "",
}


def badge(status: str) -> str:
    return BADGES.get(status, "")


def team_text(key: str, label: str) -> str:
    if not key:
        return ""
    return label or ("Personal workspace" if key == "personal" else key)


def link_to_result(result: dict) -> str:
    """The page of what a step made, when its result names a kind, a team and an id."""
    if not isinstance(result, dict):
        return ""
    parts = [result.get("team"), result.get("kind"), result.get("id")]
    if not all(isinstance(p, str | int) and str(p) for p in parts):
        return ""
    try:
        return reverse("resource-detail", args=[str(p) for p in parts])
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class FollowUp:
    url: str
    label: str


def follow_up(job: Job) -> FollowUp | None:
    """What to do next, offered by the handler (``params["then"]``: ``{"url", "label"}``) once
    the job succeeded; only a path of this site is offered."""
    then = (job.params or {}).get("then") if isinstance(job.params, dict) else None
    if job.shown_status != Job.Status.SUCCEEDED or not isinstance(then, dict):
        return None
    url, label = then.get("url"), then.get("label")
    if not (isinstance(url, str) and isinstance(label, str) and url.startswith("/") and label):
        return None
    if url.startswith("//") or not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return None
    return FollowUp(url, label)


@dataclass(frozen=True)
class StepRow:
    step: JobStep
    status: str
    status_label: str
    badge: str
    link: str
    percent: int | None  # None: no byte progress to show

    @property
    def has_bytes(self) -> bool:
        return self.step.bytes_total is not None and self.step.bytes_total > 0


def step_rows(job: Job, steps) -> list[StepRow]:
    rows = []
    for step in steps:
        status = step.status
        if job.is_stale and status == JobStep.Status.RUNNING:
            status = JobStep.Status.INTERRUPTED
        if job.is_final and status == JobStep.Status.PENDING:
            label = "Not run"
        else:
            label = JobStep.Status(status).label
        total, done = step.bytes_total, step.bytes_done or 0
        percent = None
        if total:
            percent = max(0, min(100, int(done * 100 / total)))
        rows.append(
            StepRow(step, status, label, badge(status), link_to_result(step.result), percent)
        )
    return rows


def kind_label(job: Job) -> str:
    return registry.label_of(job.kind)
