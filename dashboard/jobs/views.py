"""The person's background jobs: the list, one job with its steps, cancel and retry.

A job's page refreshes itself with htmx every 2 seconds while the job has not ended (one view
serves the page and its fragment, as the resource pages do). Only the person who started a job
sees it; anyone else's is a 404, the same as a job that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from dashboard.jobs import presentation, selectors, services
from dashboard.jobs.models import Job, JobStep

PAGE_SIZE = 25


def wants_fragment(request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@login_required
@require_safe
def job_list(request):
    paginator = Paginator(selectors.jobs_of(user=request.user), PAGE_SIZE)
    page = paginator.get_page(_page_number(request))
    rows = [
        {
            "job": job,
            "kind_label": presentation.kind_label(job),
            "badge": presentation.badge(job.shown_status),
            "source": presentation.team_text(job.source_team, job.source_team_label),
            "target": presentation.team_text(job.target_team, job.target_team_label),
        }
        for job in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "polling": any(not row["job"].is_final for row in rows),
        "page_title": "Background jobs",
    }
    template = "jobs/list.html#table" if wants_fragment(request) else "jobs/list.html"
    return render(request, template, context)


@login_required
@require_safe
def job_detail(request, job_id):
    job = selectors.job_of(user=request.user, job_id=job_id)
    steps = presentation.step_rows(job, job.steps.all())
    not_done = [row for row in steps if row.step.status != JobStep.Status.DONE]
    context = {
        "job": job,
        "steps": steps,
        "kind_label": presentation.kind_label(job),
        "badge": presentation.badge(job.shown_status),
        "source": presentation.team_text(job.source_team, job.source_team_label),
        "target": presentation.team_text(job.target_team, job.target_team_label),
        "can_retry": job.shown_status in Job.RETRYABLE and bool(not_done),
        "then": presentation.follow_up(job),
        "polling": not job.is_final,
        "page_title": job.title,
    }
    template = "jobs/detail.html#job" if wants_fragment(request) else "jobs/detail.html"
    return render(request, template, context)


@login_required
@require_POST
def job_cancel(request, job_id):
    job = selectors.job_of(user=request.user, job_id=job_id)
    if services.request_cancel(user=request.user, job=job):
        if job.status == Job.Status.CANCELLED:
            messages.success(request, "The job was cancelled before it started.")
        else:
            messages.success(request, "The job will stop after the step it is on.")
    else:
        messages.info(request, "The job had already ended; there was nothing to cancel.")
    return redirect("job-detail", job_id=job.pk)


@login_required
@require_POST
def job_retry(request, job_id):
    job = selectors.job_of(user=request.user, job_id=job_id)
    try:
        services.retry_rest(user=request.user, job=job)
    except services.JobNotRetryable as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The steps not done are queued again.")
    return redirect("job-detail", job_id=job.pk)
