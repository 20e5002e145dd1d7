"""The dashboard on the RunGen.AI profile, over real HTTP against the sandbox's RunGen dialect:
apps listed, shown, created, edited, stopped, started and deleted in the page's team; a job run
on an app and followed to its end; the key's and the team's refusals told apart; pages the
upstream has no room for absent. Every change is in the action log."""

from __future__ import annotations

import re
import time
from html import unescape

import pytest

from dashboard.audit.models import ActionLog
from dashboard.sandbox import factories, recorder
from dashboard.sandbox.models import SandboxApiKey, SandboxApp
from tests.conftest import team_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def upstream_profile() -> str:
    return "rungen"


@pytest.fixture
def apps(org):
    """An app of Team A's (running), one of alice's personal area, one of Team B's."""
    return {
        "team": factories.create_app(org.team_a, org.alice.sandbox_user, name="Caption writer"),
        "personal": factories.create_app(
            personal_area(org), org.alice.sandbox_user, name="My sketchpad"
        ),
        "other": factories.create_app(org.team_b, org.bob.sandbox_user, name="Team B secret"),
    }


def personal_area(org):
    from dashboard.sandbox import identity

    return identity.personal_team(org.alice.sandbox_user)


def calls(method: str) -> list:
    return [c for c in recorder.recorded() if c.method == method]


def entries(action: str) -> list[ActionLog]:
    return list(ActionLog.objects.filter(action=action).order_by("id"))


def test_a_teams_apps_are_listed_with_the_team_header_and_personal_ones_apart(org, apps, alice_web):
    recorder.clear()
    team_page = alice_web.get(team_url(org.team_a, "r/apps/?refresh=1"))
    personal_page = alice_web.get(team_url(None, "r/apps/?refresh=1"))

    assert team_page.status_code == 200
    assert "Caption writer" in team_page.text and "My sketchpad" not in team_page.text
    assert "Team B secret" not in team_page.text
    assert "My sketchpad" in personal_page.text and "Caption writer" not in personal_page.text
    listed = [c for c in recorder.recorded() if c.path == "app"]
    assert [c.team_header for c in listed] == [str(org.team_a.pk), None]


def test_navigation_offers_only_what_the_upstream_has(org, apps, alice_web):
    page = alice_web.get(team_url(org.team_a, ""))

    assert page.status_code == 200
    assert f'href="/t/{org.team_a.pk}/r/apps/"' in page.text
    assert "/threads/" not in page.text and "/files/upload/" not in page.text
    assert "/r/files/" not in page.text
    threads = alice_web.get("/threads/")
    assert threads.status_code == 404
    assert "RunGen.AI has no threads" in unescape(threads.text)
    log = alice_web.get("/audit/log/")
    assert "Resource created" in log.text and "Thread created" not in log.text
    assert "File uploaded" not in log.text
    upload = alice_web.get(team_url(org.team_a, "files/upload/"))
    assert upload.status_code == 404 and "no file uploads" in unescape(upload.text)
    assert alice_web.get(team_url(org.team_a, "r/files/")).status_code == 404


def test_an_app_is_shown_bare_with_its_team_and_creator(org, apps, alice_web):
    app = apps["team"]
    page = alice_web.get(team_url(org.team_a, f"r/apps/{app.pk}/"))

    assert page.status_code == 200
    text = unescape(page.text)
    assert "Caption writer" in text and "Running" in text
    assert "Team A" in text.split('data-testid="ownership"', 1)[1]
    assert 'data-testid="operation-run"' in page.text
    owner = page.text.split('data-field="owner_user_id"', 1)[1].split("</dd>", 1)[0]
    assert 'data-testid="creator-you"' in owner  # a person, not a number


def test_another_teams_app_is_not_here(org, apps, alice_web):
    page = alice_web.get(team_url(org.team_a, f"r/apps/{apps['other'].pk}/"))

    assert page.status_code == 404
    assert "Team B secret" not in page.text


def test_creating_an_app_lands_on_it_in_the_pages_team_and_is_logged(org, alice_web):
    created = alice_web.post(
        team_url(org.team_a, "r/apps/new/"),
        {
            "name": "Summariser",
            "description": "Short summaries of long reports.",
            "gpu_tier": "PERFORMANCE",
            "model_url": "https://huggingface.co/example/summariser",
            "active_workers": "2",
        },
    )

    app = SandboxApp.objects.get(name="Summariser")
    assert app.team == org.team_a and app.active_workers == 2
    assert app.configuration["gpu_tier"] == "PERFORMANCE"
    assert app.workflow["model_url"] == "https://huggingface.co/example/summariser"
    assert created.url.endswith(team_url(org.team_a, f"r/apps/{app.pk}/"))
    assert "Create app: done in Team A." in unescape(created.text)
    (post,) = calls("POST")
    assert post.team_header == str(org.team_a.pk)
    (entry,) = entries(ActionLog.Action.RESOURCE_CREATED)
    assert (entry.outcome, entry.team_id, entry.resource_id) == (
        "success",
        str(org.team_a.pk),
        str(app.pk),
    )


def test_a_refused_create_keeps_what_was_typed_and_says_why(org, alice_web):
    page = alice_web.post(
        team_url(org.team_a, "r/apps/new/"),
        {"name": "x" * 100, "gpu_tier": "STANDARD", "active_workers": "11"},
    )

    assert page.status_code == 400
    assert "x" * 100 in page.text
    assert not SandboxApp.objects.exists()
    assert not calls("POST")


def test_editing_sends_only_what_changed_and_logs_before_and_after(org, alice_web):
    """RunGen.AI replaces objects whole: a change inside one keeps its other keys, and what the
    form did not change (the workers, changed elsewhere meanwhile) is not sent back."""
    app = factories.create_app(
        org.team_a,
        org.alice.sandbox_user,
        name="Caption writer",
        configuration={"region": "eu"},
        workflow={"model_url": "https://example.com/m", "steps": ["resize", "caption"]},
    )
    url = team_url(org.team_a, f"r/apps/{app.pk}/edit/")
    form = alice_web.get(url)
    assert 'value="Caption writer"' in form.text  # the current values, read from the app
    SandboxApp.objects.filter(pk=app.pk).update(active_workers=5)  # someone else, meanwhile

    shown = unescape(re.search(r'name="shown" value="([^"]*)"', form.text).group(1))

    alice_web.post(  # as the browser sends the form, with what it was shown
        url,
        {
            "shown": shown,
            "name": "Caption writer v2",
            "description": "",
            "gpu_tier": "PERFORMANCE",
            "model_url": "https://example.com/m",
            "active_workers": "1",
        },
    )

    app.refresh_from_db()
    assert (app.name, app.active_workers) == ("Caption writer v2", 5)
    assert app.configuration == {"region": "eu", "gpu_tier": "PERFORMANCE"}
    assert app.workflow == {"model_url": "https://example.com/m", "steps": ["resize", "caption"]}
    (put,) = calls("PUT")
    assert put.path == f"app/{app.pk}" and put.team_header == str(org.team_a.pk)
    (entry,) = entries(ActionLog.Action.RESOURCE_EDITED)
    assert "Caption writer" in entry.detail and "Caption writer v2" in entry.detail


def test_stopping_and_starting_set_the_workers(org, apps, alice_web):
    app = apps["team"]
    confirm = alice_web.get(team_url(org.team_a, f"r/apps/{app.pk}/action/stop/"))
    assert confirm.status_code == 200 and "Stop" in confirm.text

    alice_web.post(team_url(org.team_a, f"r/apps/{app.pk}/action/stop/"))
    app.refresh_from_db()
    assert app.active_workers == 0
    detail = alice_web.get(team_url(org.team_a, f"r/apps/{app.pk}/"))
    assert "/action/start/" in detail.text and "/action/stop/" not in detail.text

    alice_web.post(team_url(org.team_a, f"r/apps/{app.pk}/action/start/"))
    app.refresh_from_db()
    assert app.active_workers == 1
    logged = entries(ActionLog.Action.RESOURCE_ACTION)
    assert [e.outcome for e in logged] == ["success", "success"]


def test_a_running_app_is_not_deleted_and_the_way_to_stop_it_is_offered(org, apps, alice_web):
    app = apps["team"]
    url = team_url(org.team_a, f"r/apps/{app.pk}/delete/")

    confirm = alice_web.get(url)
    said = unescape(confirm.text.split('data-testid="not-possible">', 1)[1].split("</div>", 1)[0])
    assert said == (
        "This app is running; it can be deleted only while it is stopped. Stop it first: its "
        "workers are then set to 0."
    )
    assert 'type="submit">Delete app' not in confirm.text
    assert f"/r/apps/{app.pk}/action/stop/" in confirm.text.split('data-testid="way-out"')[0]
    refused = alice_web.post(url)  # as an old tab would: nothing is sent

    assert SandboxApp.objects.filter(pk=app.pk).exists()
    assert "Nothing was sent to the upstream" in unescape(refused.text)
    assert not calls("DELETE")
    (entry,) = entries(ActionLog.Action.RESOURCE_DELETED)
    assert entry.outcome == "refused"

    alice_web.post(team_url(org.team_a, f"r/apps/{app.pk}/action/stop/"))
    done = alice_web.post(url)
    assert done.status_code == 200
    assert not SandboxApp.objects.filter(pk=app.pk).exists()
    listed = alice_web.get(team_url(org.team_a, "r/apps/"))
    assert "Caption writer" not in listed.text


def test_a_job_is_run_and_followed_until_it_ends(org, apps, alice_web):
    app = apps["team"]
    started = alice_web.post(
        team_url(org.team_a, f"r/apps/{app.pk}/do/run/"), {"prompt": "A cat on a mat"}
    )

    assert "/do/run/" in started.url and started.url.rstrip("/") != team_url(
        org.team_a, f"r/apps/{app.pk}/do/run"
    )
    job_id = started.url.rstrip("/").rsplit("/", 1)[1]
    assert "Job started in Team A" in unescape(started.text)
    assert 'data-testid="follow-polling"' in started.text  # still going: it refreshes
    (entry,) = entries(ActionLog.Action.RESOURCE_ACTION)
    assert (entry.started_id, entry.resource_id) == (job_id, str(app.pk))

    deadline = time.monotonic() + 20
    page = started
    while 'data-status="COMPLETED"' not in page.text and time.monotonic() < deadline:
        time.sleep(0.5)
        page = alice_web.get(started.url)
    assert 'data-status="COMPLETED"' in page.text
    assert 'data-testid="follow-polling"' not in page.text
    assert 'data-testid="follow-result"' in page.text
    follows = [c for c in recorder.recorded() if c.path == f"app/{app.pk}/job/{job_id}"]
    assert follows and {c.team_header for c in follows} == {str(org.team_a.pk)}

    detail = alice_web.get(team_url(org.team_a, f"r/apps/{app.pk}/"))
    assert job_id in detail.text.split('data-testid="started"', 1)[1]


def test_a_job_that_is_not_there_says_so(org, apps, alice_web):
    page = alice_web.get(team_url(org.team_a, f"r/apps/{apps['team'].pk}/do/run/no-such-job/"))

    assert page.status_code == 404
    assert 'data-testid="follow-missing"' in page.text


def test_a_rejected_key_reads_as_the_key_not_as_the_team(org, apps, alice_web):
    SandboxApiKey.objects.filter(user=org.alice.sandbox_user).delete()

    page = alice_web.get(team_url(org.team_a, "r/apps/"))

    text = unescape(page.text)
    assert "rejected your API key (403)" in text
    assert "not a member" not in text


def test_a_team_one_is_not_in_reads_as_not_a_member(org, apps, alice_web):
    page = alice_web.get(team_url(org.team_b, "r/apps/"))

    text = unescape(page.text)
    assert "not a member" in text
    assert "Team B secret" not in text


def test_an_app_is_copied_into_another_team_as_a_job_with_its_settings(org, apps, bob_web):
    """An app refers to nothing: its copy is one app, created in the target team."""
    from dashboard.jobs.models import Job
    from tests.copying.test_copy_pages import start
    from tests.worker import work_off_the_queue

    app = factories.create_app(
        org.team_a, org.bob.sandbox_user, name="Upscaler", gpu_tier="ENTERPRISE", active_workers=3
    )
    copy_url = team_url(org.team_a, f"r/apps/{app.pk}/copy/")
    plan = bob_web.get(f"{copy_url}?to={org.team_b.pk}")
    assert plan.status_code == 200 and "Copy the app “Upscaler”" in unescape(plan.text)

    started = start(bob_web, copy_url, org.team_b)

    job = Job.objects.get()
    assert started.url.endswith(f"/jobs/{job.pk}/")
    work_off_the_queue()
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    copy = SandboxApp.objects.get(team=org.team_b, name="Upscaler")
    assert (copy.active_workers, copy.configuration["gpu_tier"]) == (3, "ENTERPRISE")
    assert copy.creator == org.bob.sandbox_user
    posts = [c for c in recorder.recorded() if c.method == "POST" and c.path == "app"]
    assert [c.team_header for c in posts] == [str(org.team_b.pk)]
    made = entries(ActionLog.Action.RESOURCE_CREATED)
    assert [(e.team_id, e.resource_id, e.outcome) for e in made] == [
        (str(org.team_b.pk), str(copy.pk), "success")
    ]


@pytest.mark.parametrize("odd", ["a/b", ".."])
def test_a_job_id_no_page_can_name_is_shown_as_text(org, apps, alice_web, odd):
    """An id the upstream gave (kept by the action log) that cannot be a path segment never
    breaks the app's page; one longer than the log keeps is not kept at all."""
    from dashboard.resources.follow import followable

    assert not followable("x" * 129) and followable("x" * 128)
    app = apps["team"]
    ActionLog.objects.create(
        username="alice",
        team_id=str(org.team_a.pk),
        action=ActionLog.Action.RESOURCE_ACTION,
        kind="apps",
        resource_id=str(app.pk),
        outcome=ActionLog.Outcome.SUCCESS,
        detail="Run a job: Input: x",
        started_id=odd,
    )

    page = alice_web.get(team_url(org.team_a, f"r/apps/{app.pk}/"))

    assert page.status_code == 200
    started = page.text.split('data-testid="started"', 1)[1].split("</section>", 1)[0]
    assert "/do/run/" not in started and odd in unescape(started)


def test_a_job_on_a_stopped_app_says_it_waits_and_offers_to_start_the_app(org, alice_web):
    app = factories.create_app(org.team_a, org.alice.sandbox_user, name="Sleepy", active_workers=0)
    started = alice_web.post(
        team_url(org.team_a, f"r/apps/{app.pk}/do/run/"), {"prompt": "Wake up"}
    )

    waiting = started.text.split('data-testid="follow-waiting"', 1)[1].split("</p>", 1)[0]
    assert "The app is stopped: this job waits until it runs again." in unescape(waiting)
    assert f"/r/apps/{app.pk}/action/start/" in waiting
    assert "Sleepy" in started.text.split('class="crumbs', 1)[1].split("</p>", 1)[0]

    alice_web.post(team_url(org.team_a, f"r/apps/{app.pk}/action/start/"))
    deadline = time.monotonic() + 20
    page = alice_web.get(started.url)
    while 'data-status="COMPLETED"' not in page.text and time.monotonic() < deadline:
        time.sleep(0.5)
        page = alice_web.get(started.url)
    assert 'data-status="COMPLETED"' in page.text
    assert 'data-testid="follow-waiting"' not in page.text


def test_deleting_apps_together_leaves_the_running_ones_saying_why(org, apps, alice_web):
    from dashboard.jobs.models import Job, JobStep
    from tests.worker import work_off_the_queue

    running = apps["team"]
    stopped = factories.create_app(
        org.team_a, org.alice.sandbox_user, name="Old demo", active_workers=0
    )
    bulk = team_url(org.team_a, "r/apps/bulk/")
    alice_web.get(team_url(org.team_a, "r/apps/"))

    alice_web.post(bulk, {"id": [running.pk, stopped.pk], "do": "confirm-delete"})
    work_off_the_queue()

    job = Job.objects.get()
    job.refresh_from_db()
    assert not SandboxApp.objects.filter(pk=stopped.pk).exists()
    assert SandboxApp.objects.filter(pk=running.pk).exists()
    skipped = JobStep.objects.get(job=job, source_id=str(running.pk))
    assert skipped.status == "skipped" and "Not deleted: it is running." in skipped.error
    assert not [c for c in calls("DELETE") if c.path == f"app/{running.pk}"]


def test_an_edit_changing_nothing_sends_nothing(org, apps, alice_web):
    app = apps["team"]
    url = team_url(org.team_a, f"r/apps/{app.pk}/edit/")
    form = alice_web.get(url)
    shown = unescape(re.search(r'name="shown" value="([^"]*)"', form.text).group(1))

    page = alice_web.post(
        url,
        {"shown": shown, "name": "Caption writer", "gpu_tier": "STANDARD", "active_workers": "1"},
    )

    assert "Nothing was changed, so nothing was sent." in unescape(page.text)
    assert page.url.endswith(team_url(org.team_a, f"r/apps/{app.pk}/"))
    assert not calls("PUT") and not entries(ActionLog.Action.RESOURCE_EDITED)
