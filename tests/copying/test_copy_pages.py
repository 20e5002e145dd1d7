"""Copying through the pages: pick a team, read the plan, map a dependency, start the job, and
the worker does it with the starter's key; a failure part-way and "retry the rest"."""

from __future__ import annotations

import re
from html import unescape

import pytest

from dashboard.audit.models import ActionLog
from dashboard.jobs.models import Job
from dashboard.sandbox import factories, faults, identity
from dashboard.sandbox.models import (
    SandboxAgent,
    SandboxFile,
    SandboxProject,
    SandboxTool,
    SandboxVectorDB,
)
from tests.conftest import team_url
from tests.worker import work_off_the_queue

pytestmark = pytest.mark.django_db(transaction=True)


PLAN = re.compile(r'name="plan" value="([^"]+)"')


def start(web, copy_url: str, team, mapping: dict | None = None):
    """Look at the plan (as mapped), then start it, as the page's button does."""
    data = {"to": str(team.pk), "planned": "1", **(mapping or {})}
    shown = web.post(copy_url, data)  # what "Update the plan" shows
    return web.post(copy_url, {**data, "start": "1", "plan": PLAN.search(shown.text).group(1)})


def plan_rows(html: str) -> list[tuple[str, str]]:
    table = html.split('data-testid="plan-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-key="([^"]+)" data-action="([^"]+)">', table)


@pytest.fixture
def librarian(org):
    """An agent of Team A with a document-search tool over a vector database of two files."""
    alice = org.alice.sandbox_user
    one = factories.create_file(org.team_a, alice, filename="one.md", purpose="alignment")
    two = factories.create_file(org.team_a, alice, filename="two.md", purpose="alignment")
    vdb = factories.create_vector_db(org.team_a, alice, name="Handbook", files=[one, two])
    tool = factories.create_tool(
        org.team_a, alice, name="docs", type="file_search", config={"file_search_index": vdb.pk}
    )
    agent = factories.create_agent(org.team_a, alice, name="Librarian", tools=[tool])
    return {"agent": agent, "tool": tool, "vdb": vdb, "files": [one, two]}


def test_the_plan_names_every_object_in_order_before_anything_is_made(org, bob_web, librarian):
    agent = librarian["agent"]
    detail = bob_web.get(team_url(org.team_a, f"r/agents/{agent.pk}/"))
    assert 'data-testid="copy-link"' in detail.text
    choose = bob_web.get(team_url(org.team_a, f"r/agents/{agent.pk}/copy/"))
    assert "Team B" in choose.text and "Personal workspace" in choose.text

    plan = bob_web.get(team_url(org.team_a, f"r/agents/{agent.pk}/copy/?to={org.team_b.pk}"))

    one, two = librarian["files"]
    vdb, tool = librarian["vdb"], librarian["tool"]
    rows = plan_rows(plan.text)
    assert set(rows[:2]) == {(f"files:{one.pk}", "copy"), (f"files:{two.pk}", "copy")}
    assert rows[2:] == [
        (f"vector-dbs:{vdb.pk}", "copy"),
        (f"vector-dbs:{vdb.pk}:ingest", "ingest"),
        (f"tools:{tool.pk}", "copy"),
        (f"agents:{agent.pk}", "copy"),
    ]
    text = unescape(plan.text)
    assert "Copy the vector database “Handbook”" in text
    assert not SandboxAgent.objects.filter(team=org.team_b).exists()
    assert not Job.objects.exists()


def test_a_team_that_is_not_yours_is_refused(org, alice_web, librarian):
    agent = librarian["agent"]

    page = alice_web.get(team_url(org.team_a, f"r/agents/{agent.pk}/copy/?to={org.team_b.pk}"))

    assert page.status_code == 400
    assert "not another of your saved teams" in unescape(page.text)


def test_a_copy_runs_as_a_job_and_leaves_everything_inside_the_target_team(
    org, bob_web, librarian, settings
):
    settings.SANDBOX_JOB_STEP_SECONDS = 0
    agent = librarian["agent"]
    copy_url = team_url(org.team_a, f"r/agents/{agent.pk}/copy/")
    bob_web.get(f"{copy_url}?to={org.team_b.pk}")

    started = start(bob_web, copy_url, org.team_b)

    job = Job.objects.get()
    assert started.url.endswith(f"/jobs/{job.pk}/")
    assert (job.kind, job.source_team, job.target_team) == (
        "copy",
        str(org.team_a.pk),
        str(org.team_b.pk),
    )
    work_off_the_queue()
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    copy = SandboxAgent.objects.get(team=org.team_b)
    assert copy.creator == org.bob.sandbox_user  # made with the starter's key
    (tool,) = copy.tools.all()
    index = {k.lower(): v for k, v in tool.config.items()}["file_search_index"]
    assert SandboxVectorDB.objects.get(pk=index).team == org.team_b
    assert SandboxFile.objects.filter(team=org.team_b).count() == 2
    page = unescape(bob_web.get(f"/jobs/{job.pk}/").text)
    assert team_url(org.team_b, f"r/agents/{copy.pk}/") in page
    copied = unescape(bob_web.get(team_url(org.team_b, f"r/agents/{copy.pk}/")).text)
    note = copied.split('data-testid="detail-note">', 1)[1].split("</p>", 1)[0]
    assert f"from Team A's agent “Librarian” ({agent.pk})" in note
    assert team_url(org.team_a, f"r/agents/{agent.pk}/") in note
    made = ActionLog.objects.filter(action=ActionLog.Action.RESOURCE_CREATED, outcome="success")
    assert made.count() == 5 and {e.team_id for e in made} == {str(org.team_b.pk)}


def test_a_mapped_dependency_is_used_as_it_is(org, bob_web, librarian):
    existing = factories.create_vector_db(org.team_b, org.bob.sandbox_user, name="Handbook")
    agent, vdb = librarian["agent"], librarian["vdb"]
    copy_url = team_url(org.team_a, f"r/agents/{agent.pk}/copy/")

    plan = bob_web.get(f"{copy_url}?to={org.team_b.pk}")  # the same name is picked at first

    assert (f"vector-dbs:{vdb.pk}", "map") in plan_rows(plan.text)
    assert not any(key.startswith("files:") for key, _ in plan_rows(plan.text))
    start(bob_web, copy_url, org.team_b, {f"map:vector-dbs:{vdb.pk}": existing.pk})
    work_off_the_queue()
    tool = SandboxTool.objects.get(team=org.team_b)
    assert {k.lower(): v for k, v in tool.config.items()}["file_search_index"] == existing.pk
    assert SandboxVectorDB.objects.filter(team=org.team_b).count() == 1


def test_a_copy_failing_part_way_reports_it_and_retrying_does_the_rest(
    org, bob_web, librarian, settings
):
    settings.SANDBOX_JOB_STEP_SECONDS = 0
    agent = librarian["agent"]
    copy_url = team_url(org.team_a, f"r/agents/{agent.pk}/copy/")
    bob_web.get(f"{copy_url}?to={org.team_b.pk}")
    faults.set_faults("POST ^v1/flow/tools$ 503")
    start(bob_web, copy_url, org.team_b)

    work_off_the_queue()

    job = Job.objects.get()
    assert job.status == "failed"
    statuses = list(job.steps.order_by("position").values_list("status", flat=True))
    assert statuses == ["done", "done", "done", "done", "failed", "skipped"]
    page = unescape(bob_web.get(f"/jobs/{job.pk}/").text)
    assert "Retry the rest" in page
    assert not SandboxAgent.objects.filter(team=org.team_b).exists()

    faults.clear_faults()
    bob_web.post(f"/jobs/{job.pk}/retry/")
    work_off_the_queue()

    job.refresh_from_db()
    assert job.status == "succeeded"
    assert SandboxFile.objects.filter(team=org.team_b).count() == 2  # not copied twice
    assert SandboxVectorDB.objects.filter(team=org.team_b).count() == 1
    assert SandboxAgent.objects.filter(team=org.team_b).count() == 1


def test_a_fine_tune_cannot_move_but_its_files_can_and_a_new_one_opens_filled_in(org, bob_web):
    alice = org.alice.sandbox_user
    train = factories.create_file(org.team_a, alice, filename="train.jsonl")
    tune = factories.create_fine_tune(
        org.team_a, alice, experiment_name="tone", training_files=[train.pk], n_epochs=2
    )
    copy_url = team_url(org.team_a, f"r/fine-tunes/{tune.pk}/copy/")

    plan = unescape(bob_web.get(f"{copy_url}?to={org.team_b.pk}").text)

    assert "cannot be copied" in plan and "Copy these files" in plan
    assert plan_rows(plan) == [(f"files:{train.pk}", "copy")]
    start(bob_web, copy_url, org.team_b)
    work_off_the_queue()
    (copy,) = SandboxFile.objects.filter(team=org.team_b)
    page = unescape(bob_web.get(f"/jobs/{Job.objects.get().pk}/").text)
    then = re.search(r'href="([^"]+)"[^>]*data-testid="job-then"', page)
    assert then, "no link to start the fine-tune"
    form = unescape(bob_web.get(then.group(1)).text)
    assert re.search(rf'value="{copy.pk}"[^>]*checked', form)  # the copy, chosen already
    assert 'value="2"' in form.split('data-field="n_epochs"', 1)[1].split("</div>", 1)[0]


def test_a_start_for_a_plan_other_than_the_one_shown_is_refused(org, bob_web, librarian):
    agent = librarian["agent"]
    copy_url = team_url(org.team_a, f"r/agents/{agent.pk}/copy/")
    shown = bob_web.post(copy_url, {"to": str(org.team_b.pk), "planned": "1"})
    one = librarian["files"][0]
    librarian["vdb"].files.filter(file_id=one.pk).delete()  # meanwhile, in Team A

    refused = bob_web.post(
        copy_url,
        {
            "to": str(org.team_b.pk),
            "planned": "1",
            "start": "1",
            "plan": PLAN.search(shown.text).group(1),
        },
    )

    assert refused.status_code == 409
    assert "The plan changed since it was shown" in unescape(refused.text)
    assert not Job.objects.exists()


def test_the_origin_links_only_where_the_viewer_can_follow(org, bob_web, alice_web, librarian):
    """Bob copies from his personal workspace into Team A; Alice, in Team A too, reads where it
    came from but gets no link to Bob's personal workspace (hers would not have it)."""
    bobs = factories.create_project(
        identity.personal_team(org.bob.sandbox_user), org.bob.sandbox_user, name="Bob's project"
    )
    copy_url = team_url(None, f"r/projects/{bobs.pk}/copy/")
    start(bob_web, copy_url, org.team_a)
    work_off_the_queue()
    copy = SandboxProject.objects.get(team=org.team_a)

    for web, linked in ((bob_web, True), (alice_web, False)):
        page = unescape(web.get(team_url(org.team_a, f"r/projects/{copy.pk}/")).text)
        note = page.split('data-testid="detail-note">', 1)[1].split("</p>", 1)[0]
        assert "Copied on" in note and "Bob's project" in note
        assert ("Open the original" in note) is linked


def test_copying_a_resource_that_is_not_there_says_so_at_once(org, bob_web):
    """As every other page of a resource does: no team to pick for something missing."""
    page = bob_web.get(team_url(org.team_a, "r/fine-tunes/ft-not-there/copy/"))
    assert page.status_code == 404 and 'data-testid="not-found"' in page.text
    assert 'data-testid="copy-choose"' not in page.text


def test_the_copy_page_names_the_resource(org, bob_web, librarian):
    tool = factories.create_tool(org.team_a, org.bob.sandbox_user, name="Finder <b>")
    page = bob_web.get(team_url(org.team_a, f"r/tools/{tool.pk}/copy/"))
    assert page.status_code == 200
    assert "<h1>Copy the tool “Finder &lt;b&gt;” to another team</h1>" in page.text
