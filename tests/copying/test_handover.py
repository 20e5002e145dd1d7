"""Handing over what a person owns: from their page, everything they created in the viewer's
teams, ticked, then deleted after seeing what depends on it, or copied into a team with the
viewer's key (the viewer becomes the creator), as one job per team it comes from."""

from __future__ import annotations

import re
from html import unescape

import pytest

from dashboard.jobs.models import Job
from dashboard.sandbox import factories, identity
from dashboard.sandbox.models import SandboxAgent, SandboxFile, SandboxTool, SandboxVectorDB
from tests.worker import work_off_the_queue

pytestmark = pytest.mark.django_db(transaction=True)

ITEM = re.compile(r'name="item" value="([^"]+)"')


@pytest.fixture
def leaver(org):
    """What Alice made in Team A (an agent, its search tool, the database and its file), and
    a file of Bob's beside them."""
    alice = org.alice.sandbox_user
    doc = factories.create_file(org.team_a, alice, filename="doc.md", purpose="alignment")
    vdb = factories.create_vector_db(org.team_a, alice, name="Handbook", files=[doc])
    tool = factories.create_tool(
        org.team_a, alice, name="docs", type="file_search", config={"file_search_index": vdb.pk}
    )
    agent = factories.create_agent(
        org.team_a, alice, name="Librarian", tools=[tool], status="Inactive"
    )
    bobs = factories.create_file(org.team_a, org.bob.sandbox_user, filename="bob.md")
    return {"agent": agent, "tool": tool, "vdb": vdb, "file": doc, "bobs": bobs}


def handover_url(org) -> str:
    return f"/people/{org.alice.upstream_id}/handover/"


def test_a_leavers_work_is_copied_into_another_team_under_the_viewers_name(
    org, bob_web, leaver, settings
):
    settings.SANDBOX_JOB_STEP_SECONDS = 0
    person = bob_web.get(f"/people/{org.alice.upstream_id}/")
    assert 'data-testid="handover-link"' in person.text
    page = bob_web.get(handover_url(org))
    items = ITEM.findall(page.text)
    assert len(items) == 4 and not any(str(leaver["bobs"].pk) in i for i in items)

    plan = bob_web.post(handover_url(org), {"item": items, "do": "copy", "to": org.team_b.pk})
    assert plan.status_code == 200
    text = unescape(plan.text)
    assert re.search(r"<h1>Copy 4 of [^<]+'s resources to Team B</h1>", text)
    rows = re.findall(r'<tr data-key="([^"]+)"', plan.text)
    assert rows[-1] == f"agents:{leaver['agent'].pk}" and len(rows) == 5
    fingerprint = re.search(r'name="plan" value="([^"]+)"', plan.text).group(1)
    started = bob_web.post(
        handover_url(org),
        {
            "item": items,
            "do": "copy",
            "to": org.team_b.pk,
            "planned": "1",
            "plan": fingerprint,
            "start": "1",
        },
    )

    assert started.url.endswith("/jobs/")
    job = Job.objects.get()
    assert "Hand over 4 of" in job.title and job.target_team == str(org.team_b.pk)
    work_off_the_queue()
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    copy = SandboxAgent.objects.get(team=org.team_b)
    assert copy.creator == org.bob.sandbox_user
    (tool,) = copy.tools.all()
    assert SandboxVectorDB.objects.get(team=org.team_b).creator == org.bob.sandbox_user
    assert {k.lower(): v for k, v in tool.config.items()}["file_search_index"] == (
        SandboxVectorDB.objects.get(team=org.team_b).pk
    )
    assert SandboxAgent.objects.get(pk=leaver["agent"].pk).team == org.team_a  # kept


def test_a_handover_into_the_same_team_recreates_it_there(org, bob_web, leaver, settings):
    settings.SANDBOX_JOB_STEP_SECONDS = 0
    tool_item = f"{org.team_a.pk}|tools|{leaver['tool'].pk}"
    bob_web.get(handover_url(org))
    plan = bob_web.post(handover_url(org), {"item": [tool_item], "do": "copy", "to": org.team_a.pk})
    # The database it searches is Alice's, already in the team: used as it is by default.
    assert re.findall(r'<tr data-key="([^"]+)" data-action="([^"]+)"', plan.text) == [
        (f"vector-dbs:{leaver['vdb'].pk}", "map"),
        (f"tools:{leaver['tool'].pk}", "copy"),
    ]
    fingerprint = re.search(r'name="plan" value="([^"]+)"', plan.text).group(1)
    bob_web.post(
        handover_url(org),
        {
            "item": [tool_item],
            "do": "copy",
            "to": org.team_a.pk,
            "planned": "1",
            f"map:{org.team_a.pk}|vector-dbs:{leaver['vdb'].pk}": leaver["vdb"].pk,
            "plan": fingerprint,
            "start": "1",
        },
    )
    work_off_the_queue()

    assert Job.objects.get().status == "succeeded"
    mine = SandboxTool.objects.get(team=org.team_a, creator=org.bob.sandbox_user)
    assert mine.name == "docs"
    assert {k.lower(): v for k, v in mine.config.items()}["file_search_index"] == leaver["vdb"].pk


def test_a_leavers_work_is_deleted_after_seeing_what_uses_it(org, bob_web, leaver):
    page = bob_web.get(handover_url(org))
    items = [i for i in ITEM.findall(page.text) if "|agents|" not in i]

    asked = bob_web.post(handover_url(org), {"item": items, "do": "delete"})
    text = unescape(asked.text)
    assert "Delete 3 of" in text
    assert "Used by the agents “Librarian”." in text  # the agent is kept: it loses its tool
    assert SandboxTool.objects.filter(pk=leaver["tool"].pk).exists()  # nothing deleted yet

    done = bob_web.post(handover_url(org), {"item": items, "do": "confirm-delete"})
    assert done.url.endswith("/jobs/")
    job = Job.objects.get()
    assert [s.kind for s in job.steps.order_by("position")] == ["tools", "vector-dbs", "files"]
    work_off_the_queue()

    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert not SandboxTool.objects.filter(pk=leaver["tool"].pk).exists()
    assert not SandboxVectorDB.objects.filter(pk=leaver["vdb"].pk).exists()
    assert set(SandboxFile.objects.values_list("pk", flat=True)) == {leaver["bobs"].pk}
    assert SandboxAgent.objects.filter(pk=leaver["agent"].pk).exists()


def test_nothing_ticked_or_items_not_theirs_do_nothing(org, bob_web, leaver):
    bob_web.get(handover_url(org))
    hostile = [f"{org.team_a.pk}|files|{leaver['bobs'].pk}", "x|files|../../etc", "nonsense"]

    for action in ("delete", "confirm-delete", "copy"):
        answer = bob_web.post(handover_url(org), {"item": hostile, "do": action})
        assert answer.status_code == 400
        assert "Nothing was ticked" in unescape(answer.text)
    assert not Job.objects.exists()
    assert SandboxFile.objects.filter(pk=leaver["bobs"].pk).exists()


def test_someone_owning_nothing_has_nothing_to_hand_over(org, bob_web):
    page = bob_web.get(handover_url(org))

    assert page.status_code == 200
    assert 'data-testid="handover-nothing"' in page.text
    assert (
        'data-testid="handover-link"' not in bob_web.get(f"/people/{org.alice.upstream_id}/").text
    )


def test_work_in_two_teams_is_one_job_per_team_each_with_its_own_plan(
    org, bob_web, leaver, settings
):
    settings.SANDBOX_JOB_STEP_SECONDS = 0
    identity.add_member(org.team_b, org.alice.sandbox_user, "Creator")
    notes = factories.create_file(org.team_b, org.alice.sandbox_user, filename="notes.md")
    bob_web.get(handover_url(org))
    items = [
        f"{org.team_a.pk}|tools|{leaver['tool'].pk}",
        f"{org.team_b.pk}|files|{notes.pk}",
    ]
    base = {"item": items, "do": "copy", "to": org.team_b.pk}
    plan = bob_web.post(handover_url(org), base)
    sections = re.findall(r'data-testid="handover-team" data-team="([^"]+)"', plan.text)
    assert sections == [str(org.team_a.pk), str(org.team_b.pk)]
    # Team A's database starts as a copy (Team B has none of that name), and can be mapped.
    assert f'name="map:{org.team_a.pk}|vector-dbs:{leaver["vdb"].pk}"' in plan.text
    fingerprint = re.search(r'name="plan" value="([^"]+)"', plan.text).group(1)
    elsewhere = {**base, "to": "personal", "planned": "1", "plan": fingerprint, "start": "1"}
    assert bob_web.post(handover_url(org), elsewhere).status_code == 409  # not the plan shown

    bob_web.post(handover_url(org), {**base, "planned": "1", "plan": fingerprint, "start": "1"})

    jobs = Job.objects.order_by("source_team")
    assert sorted(j.source_team for j in jobs) == sorted([str(org.team_a.pk), str(org.team_b.pk)])
    work_off_the_queue()
    assert {j.status for j in Job.objects.all()} == {"succeeded"}
    copies = SandboxFile.objects.filter(team=org.team_b, creator=org.bob.sandbox_user)
    assert sorted(copies.values_list("filename", flat=True)) == ["doc.md", "notes.md"]


def test_what_the_upstream_cannot_delete_is_named_and_kept(org, bob_web, leaver):
    tune = factories.create_fine_tune(org.team_a, org.alice.sandbox_user, status="completed")
    bob_web.get(handover_url(org))
    items = [f"{org.team_a.pk}|fine-tunes|{tune.pk}", f"{org.team_a.pk}|files|{leaver['file'].pk}"]

    asked = unescape(bob_web.post(handover_url(org), {"item": items, "do": "delete"}).text)
    assert 'data-testid="handover-kept"' in asked and "Delete 1 of" in asked
    only_tune = bob_web.post(handover_url(org), {"item": items[:1], "do": "confirm-delete"})
    assert only_tune.status_code == 400
    assert "offers no way to delete fine-tunes" in unescape(only_tune.text)
    bob_web.post(handover_url(org), {"item": items, "do": "confirm-delete"})

    (job,) = Job.objects.all()
    assert [s.kind for s in job.steps.all()] == ["files"]


def test_a_copy_needs_a_team_to_go_to(org, bob_web, leaver):
    bob_web.get(handover_url(org))
    item = f"{org.team_a.pk}|tools|{leaver['tool'].pk}"

    for to in ("", "not-a-team"):
        answer = bob_web.post(handover_url(org), {"item": [item], "do": "copy", "to": to})
        assert answer.status_code == 400
        assert "Pick one of your teams" in unescape(answer.text)
        assert re.findall(r'name="item" value="([^"]+)" [^>]*checked', answer.text) == [item]
    assert not Job.objects.exists()
