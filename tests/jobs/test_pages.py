"""The job pages, over real HTTP: the person's own jobs only, the fragment refresh, cancel and
retry, and no 500 whatever the id or method."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.audit.models import ActionLog
from dashboard.jobs.models import Job, JobStep
from tests.conftest import Web, make_dashboard_user
from tests.jobs.conftest import SLEEP, SLEEPING, plans, start, wait_status

pytestmark = pytest.mark.django_db(transaction=True)

Status = Job.Status


@pytest.fixture
def carol(live_server):
    user = make_dashboard_user("carol")
    session = Web(live_server.url)
    session.login("carol")
    session.user = user
    return session


@pytest.fixture
def dave(live_server):
    user = make_dashboard_user("dave")
    session = Web(live_server.url)
    session.login("dave")
    session.user = user
    return session


def test_the_list_shows_the_persons_own_jobs_with_status_teams_and_progress(carol, dave, worker):
    mine = wait_status(start(carol.user, title="Copy my files"), Status.SUCCEEDED)
    theirs = start(dave.user, title="Dave's secret copy")

    page = carol.get("/jobs/")

    assert page.status_code == 200
    assert "Copy my files" in page.text and "Counting (test)" in page.text
    assert "Dave&#x27;s secret copy" not in page.text and str(theirs.pk) not in page.text
    row = re.search(f'data-job="{mine.pk}".*?</tr>', page.text, re.S).group(0)
    assert "Succeeded" in row and "3 / 3" in row
    assert "Personal workspace" in row and "Team B" in row
    assert re.search(r'<a href="/jobs/" aria-current="page" data-testid="nav-jobs"', page.text)


def test_the_detail_shows_steps_bytes_links_and_stops_refreshing_once_ended(carol, worker):
    job = wait_status(start(carol.user), Status.SUCCEEDED)

    page = carol.get(f"/jobs/{job.pk}/")

    assert page.status_code == 200
    assert page.text.count('data-testid="job-step"') == 3
    assert "Copy the file “f1.jsonl”" in page.text
    assert "1000\xa0bytes of 1000\xa0bytes" in page.text  # filesizeformat
    assert 'href="/t/team-b-id/r/files/new-1/"' in page.text
    assert "every 2s" not in page.text  # final: no refresh
    assert 'data-testid="job-cancel"' not in page.text
    assert 'data-testid="job-retry"' not in page.text
    assert "<script>" not in page.text and "style=" not in page.text  # strict CSP


def test_a_running_job_refreshes_itself_as_a_fragment_and_can_be_cancelled(carol, worker):
    job = start(carol.user, SLEEP, steps=plans(2, bytes_total=None))
    assert SLEEPING.wait(15)

    page = carol.get(f"/jobs/{job.pk}/")
    assert 'hx-trigger="every 2s"' in page.text
    assert "Running" in page.text
    fragment = carol.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and fragment.text.lstrip().startswith('<div id="job"')
    assert 'hx-trigger="every 2s"' in fragment.text
    listing = carol.get("/jobs/", headers={"HX-Request": "true"})
    assert listing.text.lstrip().startswith('<div id="jobs-table"')
    assert 'hx-trigger="every 2s"' in listing.text

    answer = carol.post(f"/jobs/{job.pk}/cancel/")
    assert answer.status_code == 200 and answer.url.endswith(f"/jobs/{job.pk}/")
    assert "The job will stop after the step it is on." in answer.text

    wait_status(job, Status.CANCELLED)
    ended = carol.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert "every 2s" not in ended.text
    assert "Cancelled" in ended.text
    assert 'data-testid="job-retry"' in ended.text


def test_retry_the_rest_from_the_page(carol, worker):
    job = start(carol.user, steps=plans(3, depends={3: [2]}), params={"fail_once": [2]})
    wait_status(job, Status.FAILED)

    page = carol.get(f"/jobs/{job.pk}/")
    assert "The team refused step 2." in page.text
    assert "Skipped" in page.text
    assert 'data-testid="job-retry"' in page.text

    answer = carol.post(f"/jobs/{job.pk}/retry/")
    assert "The steps not done are queued again." in answer.text
    assert wait_status(job, Status.SUCCEEDED).status == Status.SUCCEEDED
    assert ActionLog.objects.filter(action=ActionLog.Action.JOB_RETRIED).count() == 1

    again = carol.post(f"/jobs/{job.pk}/retry/")  # nothing left: said, not a 500
    assert again.status_code == 200
    assert "Only a job that failed" in again.text


def test_a_lost_job_reads_as_interrupted_on_its_page_before_any_sweep(carol):
    job = start(carol.user)
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, started_at=long_ago, heartbeat_at=long_ago
    )
    JobStep.objects.filter(job=job, position=1).update(status=JobStep.Status.RUNNING)

    page = carol.get(f"/jobs/{job.pk}/")

    assert re.search(r'data-testid="job-status">Interrupted<', page.text)
    assert "stopped before the job finished" in page.text
    assert 'data-testid="job-retry"' in page.text and 'data-testid="job-cancel"' not in page.text
    assert "every 2s" not in page.text
    assert "Interrupted" in carol.get("/jobs/").text
    assert Job.objects.get(pk=job.pk).status == Status.RUNNING  # a read writes nothing


def test_another_persons_job_is_a_404_for_every_page_and_action(carol, dave):
    theirs = start(dave.user)
    for path in (f"/jobs/{theirs.pk}/", f"/jobs/{theirs.pk}/cancel/", f"/jobs/{theirs.pk}/retry/"):
        answer = carol.post(path) if path.endswith(("cancel/", "retry/")) else carol.get(path)
        assert answer.status_code == 404, path
    assert Job.objects.get(pk=theirs.pk).status == Status.QUEUED
    assert not ActionLog.objects.filter(action=ActionLog.Action.JOB_CANCELLED).exists()


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/jobs/not-a-uuid/", 404),
        ("get", "/jobs/00000000-0000-0000-0000-000000000000/", 404),
        ("get", "/jobs/%00/", 400),  # control characters in an address are refused
        ("get", "/jobs/%2e%2e/", 404),
        ("get", "/jobs/" + "f" * 5000 + "/", 404),
        ("get", "/jobs/?page=-1", 200),
        ("get", "/jobs/?page=99999999999999999999", 200),
        ("get", "/jobs/?page=abc", 200),
        ("post", "/jobs/", 405),
        ("put", "/jobs/{job}/", 405),
        ("delete", "/jobs/{job}/", 405),
        ("get", "/jobs/{job}/cancel/", 405),
        ("get", "/jobs/{job}/retry/", 405),
        ("post", "/jobs/12345678-1234-1234-1234-1234567890ab/cancel/", 404),
    ],
)
def test_no_hostile_id_or_method_gives_a_500(carol, method, path, expected):
    job = start(carol.user)
    url = carol.url(path.format(job=job.pk))
    if method == "post":
        answer = carol.post(url)
    else:
        answer = carol.http.request(
            method.upper(), url, headers={"X-CSRFToken": carol.csrf()}, timeout=30
        )
    assert answer.status_code == expected, (path, answer.status_code)


def test_signed_out_visitors_are_sent_to_sign_in(live_server):
    answer = Web(live_server.url).get("/jobs/")
    assert "/accounts/login/" in answer.url


@pytest.mark.parametrize(
    ("url", "offered"),
    [
        ("/t/team-b-id/r/fine-tunes/new/?training_files=new-1", True),
        ("https://evil.example/", False),
        ("//evil.example/", False),
        ("javascript:alert(1)", False),
    ],
)
def test_a_handler_can_offer_a_next_step_once_the_job_succeeded(carol, worker, url, offered):
    then = {"url": url, "label": "Start the fine-tune"}
    job = wait_status(start(carol.user, params={"then": then}), Status.SUCCEEDED)

    page = carol.get(f"/jobs/{job.pk}/").text

    link = re.search(r'href="([^"]+)"[^>]*data-testid="job-then"', page)
    if offered:
        assert link and link.group(1) == url.replace("&", "&amp;")
        assert "Start the fine-tune" in page
    else:
        assert link is None
