"""Many rows at once: exported, or deleted after seeing what depends on each, as a job that
keeps each one's last JSON in the action log."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from dashboard.audit.models import ActionLog
from dashboard.jobs.models import Job
from dashboard.sandbox import factories
from dashboard.sandbox.models import SandboxFile, SandboxTool, SandboxVectorDB
from tests.conftest import team_url
from tests.resources.helpers import bulk_files
from tests.worker import work_off_the_queue

pytestmark = pytest.mark.django_db(transaction=True)


def test_ticked_rows_are_exported_as_the_upstream_has_them(org, alice_web):
    alice = org.alice.sandbox_user
    one = factories.create_file(org.team_a, alice, filename="one.jsonl")
    factories.create_file(org.team_a, alice, filename="two.jsonl")
    page = alice_web.get(team_url(org.team_a, "r/files/"))
    assert 'data-testid="row-select"' in page.text

    exported = alice_web.post(
        team_url(org.team_a, "r/files/bulk/"), {"id": [one.pk], "do": "export"}
    )

    assert exported.headers["Content-Type"] == "application/json"
    assert "attachment" in exported.headers["Content-Disposition"]
    assert [item["id"] for item in json.loads(exported.content)] == [one.pk]


def test_all_matching_rows_are_every_page_of_the_search(org, alice_web):
    bulk_files(org.team_a, org.alice.sandbox_user, 60, prefix="keep")
    bulk_files(org.team_a, org.alice.sandbox_user, 3, prefix="other")
    alice_web.get(team_url(org.team_a, "r/files/?q=keep"))

    exported = alice_web.post(
        team_url(org.team_a, "r/files/bulk/"), {"all": "1", "query": "q=keep", "do": "export"}
    )

    names = {item["filename"] for item in json.loads(exported.content)}
    assert len(names) == 60 and all(name.startswith("keep-") for name in names)


def test_a_bulk_delete_shows_what_depends_on_each_then_deletes_as_a_job(org, alice_web):
    alice = org.alice.sandbox_user
    used = factories.create_tool(org.team_a, alice, name="used")
    spare = factories.create_tool(org.team_a, alice, name="spare")
    factories.create_agent(org.team_a, alice, name="Helper", tools=[used], status="Inactive")
    bulk = team_url(org.team_a, "r/tools/bulk/")
    alice_web.get(team_url(org.team_a, "r/tools/"))

    asked = alice_web.post(bulk, {"id": [used.pk, spare.pk], "do": "delete"})

    page = unescape(asked.text)
    assert "Delete 2 tools?" in page and "Team A" in page
    table = page.split('data-testid="impact-table"', 1)[1]
    used_row = table.split(f'data-id="{used.pk}"', 1)[1].split("</tr>", 1)[0]
    spare_row = table.split(f'data-id="{spare.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Used by the agents “Helper”." in used_row
    assert "Nothing found" in spare_row
    assert SandboxTool.objects.filter(team=org.team_a).count() == 2  # asking deletes nothing

    started = alice_web.post(bulk, {"id": [used.pk, spare.pk], "do": "confirm-delete"})
    job = Job.objects.get()
    assert started.url.endswith(f"/jobs/{job.pk}/")
    work_off_the_queue()

    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert not SandboxTool.objects.filter(team=org.team_a).exists()
    entries = ActionLog.objects.filter(action=ActionLog.Action.RESOURCE_DELETED, outcome="success")
    assert {e.resource_id for e in entries} == {used.pk, spare.pk}
    assert {e.snapshot["name"] for e in entries} == {"used", "spare"}  # each one's last JSON
    assert {e.team_id for e in entries} == {str(org.team_a.pk)}


def test_a_file_in_use_is_named_with_what_uses_it(org, alice_web):
    alice = org.alice.sandbox_user
    doc = factories.create_file(org.team_a, alice, filename="doc.md", purpose="alignment")
    factories.create_vector_db(org.team_a, alice, name="Handbook", files=[doc])
    factories.create_fine_tune(org.team_a, alice, experiment_name="tone", training_files=[doc.pk])
    alice_web.get(team_url(org.team_a, "r/files/"))

    asked = unescape(
        alice_web.post(team_url(org.team_a, "r/files/bulk/"), {"id": [doc.pk], "do": "delete"}).text
    )

    assert "Trained on by the fine-tune “tone”." in asked
    assert "In the vector database “Handbook”." in asked
    assert "1 of them is used by something else in Team A" in asked


def test_nothing_ticked_or_a_hostile_id_says_so_and_deletes_nothing(org, alice_web):
    factories.create_file(org.team_a, org.alice.sandbox_user, filename="kept.jsonl")
    alice_web.get(team_url(org.team_a, "r/files/"))

    nothing = alice_web.post(team_url(org.team_a, "r/files/bulk/"), {"do": "delete"})
    hostile = alice_web.post(
        team_url(org.team_a, "r/files/bulk/"), {"id": ["../x", "a\nb"], "do": "confirm-delete"}
    )

    assert "No files were selected." in unescape(nothing.text)
    assert "No files were selected." in unescape(hostile.text)
    assert SandboxFile.objects.count() == 1 and not Job.objects.exists()


def test_rows_ticked_are_copied_together_what_they_share_once(org, bob_web, settings):
    settings.SANDBOX_JOB_STEP_SECONDS = 0
    alice = org.alice.sandbox_user
    handbook = factories.create_file(org.team_a, alice, filename="hb.md", purpose="alignment")
    vdb = factories.create_vector_db(org.team_a, alice, name="Handbook", files=[handbook])
    config = {"file_search_index": vdb.pk}
    one = factories.create_tool(org.team_a, alice, name="one", type="file_search", config=config)
    two = factories.create_tool(org.team_a, alice, name="two", type="file_search", config=config)
    factories.create_tool(org.team_a, alice, name="not ticked")
    bulk = team_url(org.team_a, "r/tools/bulk/")
    assert 'data-testid="bulk-copy"' in bob_web.get(team_url(org.team_a, "r/tools/")).text

    choose = bob_web.post(bulk, {"id": [one.pk, two.pk], "do": "copy"})
    assert "<strong>2</strong> tools selected" in choose.text
    plan = bob_web.post(bulk, {"id": [one.pk, two.pk], "do": "copy", "to": org.team_b.pk})
    assert "Copy 2 tools to Team B" in unescape(plan.text)
    fingerprint = re.search(r'name="plan" value="([^"]+)"', plan.text).group(1)
    rows = re.findall(r'<tr data-key="([^"]+)"', plan.text)
    assert rows == [
        f"files:{handbook.pk}",
        f"vector-dbs:{vdb.pk}",
        f"vector-dbs:{vdb.pk}:ingest",
        f"tools:{one.pk}",
        f"tools:{two.pk}",
    ]
    started = bob_web.post(
        bulk,
        {
            "id": [one.pk, two.pk],
            "do": "copy",
            "to": org.team_b.pk,
            "planned": "1",
            "plan": fingerprint,
            "start": "1",
        },
    )

    job = Job.objects.get()
    assert started.url.endswith(f"/jobs/{job.pk}/")
    assert job.title == "2 tools from Team A to Team B"
    work_off_the_queue()
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    copies = SandboxTool.objects.filter(team=org.team_b)
    assert sorted(copies.values_list("name", flat=True)) == ["one", "two"]
    (target_vdb,) = SandboxVectorDB.objects.filter(team=org.team_b)
    assert {
        {k.lower(): v for k, v in tool.config.items()}["file_search_index"] for tool in copies
    } == {target_vdb.pk}
    assert SandboxFile.objects.filter(team=org.team_b).count() == 1
