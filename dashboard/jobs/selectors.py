"""Reads of jobs for pages: a person sees their own jobs only."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from dashboard.jobs.models import Job, JobStep


def jobs_of(*, user) -> QuerySet[Job]:
    """The person's jobs, newest first, with how many steps each has and has done."""
    return (
        Job.objects.filter(user=user)
        .annotate(
            steps_total=Count("steps"),
            steps_done=Count("steps", filter=Q(steps__status=JobStep.Status.DONE)),
        )
        .order_by("-created_at", "-pk")
    )


def job_of(*, user, job_id) -> Job:
    """The person's job ``job_id``; another person's, or none, is a 404 alike."""
    job = jobs_of(user=user).filter(pk=job_id).first()
    if job is None:
        raise Http404("No such job of yours.")
    return job
