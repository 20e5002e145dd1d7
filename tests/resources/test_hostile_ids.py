"""Ids are one path segment, always: on every page that names a resource, whatever the id holds.

The upstream's own record of what it was asked (the sandbox recorder) is the witness: an id is
either asked for whole, as one segment, or not at all.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import pytest

from dashboard.audit.models import ActionLog
from dashboard.sandbox import conversations, factories, identity, recorder, storage
from dashboard.sandbox.models import SandboxFile, SandboxFineTune, SandboxTool
from tests.conftest import team_url

pytestmark = pytest.mark.django_db(transaction=True)

# Ids that hold what a URL path treats specially: each must reach the upstream whole.
ODD_IDS = ["x?a=b", "F#frag", "50%-off", "semi;colon", "ünï cödé", "a+b=c&d"]
# Ids that cannot name anything: answered 404 (or, holding NUL, refused) with no upstream call.
IMPOSSIBLE_IDS = ["..", ".", "%00", "a%00b", "a%0d%0aX-Evil: 1", "tab%09"]
KINDS_WITH_DETAIL = [
    ("files", "v1/flow/files/{}"),
    ("fine-tunes", "v1/flow/fine-tunes/{}"),
    ("agents", "v2/flow/agents/{}"),
    ("deployments", "v1/flow/deployments/{}"),
    ("vector-dbs", "v1/flow/vectordb/{}"),
    ("projects", "v1/flow/projects/{}"),
    ("tools", "v1/flow/tools/{}"),
    ("data-jobs", "v1/flow/data-jobs/{}"),
]


def not_there(response) -> bool:
    """Answered as naming nothing: 404, or, for an id holding NUL or the like, the page that
    refuses control characters in an address (400)."""
    if response.status_code == 400:
        return 'data-testid="control-characters"' in response.text
    return response.status_code == 404


def calls():
    return [(r.method, r.path, r.query) for r in recorder.recorded()]


def page_path(team, kind: str, resource_id: str, tail: str = "") -> str:
    """A resource's page in ``team`` (a sandbox team, or None for the personal workspace)."""
    return team_url(team, f"r/{kind}/{quote(resource_id, safe='')}/{tail}")


@pytest.mark.parametrize(("kind", "upstream_path"), KINDS_WITH_DETAIL)
def test_a_detail_page_asks_for_the_whole_id_as_one_segment(alice_web, kind, upstream_path):
    for resource_id in ODD_IDS:
        recorder.clear()
        response = alice_web.get(page_path(None, kind, resource_id))
        assert response.status_code == 404, resource_id
        assert 'data-testid="not-found"' in response.text
        asked = [(m, p, q) for m, p, q in calls() if m == "GET"]
        assert ("GET", upstream_path.format(resource_id), {}) in asked, resource_id
        assert all(q == {} for _, _, q in asked), f"{resource_id} leaked into a query"


def test_an_existing_file_with_an_odd_id_opens_downloads_and_deletes(org, alice_web):
    made = factories.create_file(org.team_a, org.alice.sandbox_user, filename="odd.jsonl")
    odd = "file?x=1#y"
    SandboxFile.objects.filter(pk=made.pk).update(id=odd)

    detail = alice_web.get(page_path(org.team_a, "files", odd))
    assert detail.status_code == 200 and "odd.jsonl" in detail.text
    download = alice_web.get(page_path(org.team_a, "files", odd, "content/"))
    assert download.status_code == 200 and download.content == made_content(made)

    alice_web.get(page_path(org.team_a, "files", odd, "delete/"))
    recorder.clear()
    deleted = alice_web.post(page_path(org.team_a, "files", odd, "delete/"))
    assert deleted.url.endswith(team_url(org.team_a, "r/files/"))
    assert ("DELETE", f"v1/flow/files/{odd}", {}) in calls()
    assert not SandboxFile.objects.filter(pk=odd).exists()


def made_content(made) -> bytes:
    return storage.file_path(made).read_bytes()


@pytest.mark.parametrize("kind", ["files", "vector-dbs", "fine-tunes"])
def test_ids_that_cannot_name_anything_are_404_before_any_upstream_call(alice_web, kind):
    for raw_id in IMPOSSIBLE_IDS:
        for tail in ("", "content/" if kind == "files" else "find/"):
            recorder.clear()
            encoded = raw_id.replace(".", "%2E")
            response = alice_web.get(team_url(None, f"r/{kind}/{encoded}/{tail}"))
            assert not_there(response), (raw_id, tail, response.status_code)
            assert "Traceback" not in response.text
            assert calls() == [], (raw_id, tail)


def test_changes_on_impossible_ids_send_nothing(org, alice_web):
    """A delete or an action on an id that cannot be one matches no page: nothing is sent."""
    factories.create_file(identity.personal_team(org.alice.sandbox_user), org.alice.sandbox_user)
    alice_web.get(team_url(None, "files/upload/"))
    for raw_id in IMPOSSIBLE_IDS:
        encoded = raw_id.replace(".", "%2E")
        recorder.clear()
        deleted = alice_web.post(team_url(None, f"r/files/{encoded}/delete/"))
        action = alice_web.post(team_url(None, f"r/fine-tunes/{encoded}/action/cancel/"))
        assert not_there(deleted) and not_there(action), raw_id
        assert calls() == [], raw_id
    assert SandboxFile.objects.count() == 1
    assert not ActionLog.objects.filter(kind__in=["files", "fine-tunes"]).exists()


def test_a_file_id_ending_in_nul_is_never_sent_nor_a_500(org, alice_web):
    """The delete that used to reach the upstream and then fail to be logged (PostgreSQL
    refuses NUL in text): now nothing is sent and the page answers 404."""
    made = factories.create_file(org.team_a, org.alice.sandbox_user, filename="a.jsonl")
    alice_web.get(team_url(org.team_a, "files/upload/"))
    recorder.clear()
    response = alice_web.post(team_url(org.team_a, f"r/files/{made.pk}%23%00/delete/"))
    assert not_there(response) and "Traceback" not in response.text
    assert [c for c in calls() if c[0] == "DELETE"] == []
    assert SandboxFile.objects.filter(pk=made.pk).exists()
    assert not ActionLog.objects.filter(action="resource.deleted", outcome="success").exists()


def test_sub_lists_and_actions_quote_the_id(org, alice_web):
    job = factories.create_fine_tune(org.team_a, org.alice.sandbox_user, status="running")
    odd = "ft?status=completed"
    SandboxFineTune.objects.filter(pk=job.pk).update(id=odd)
    alice_web.get(page_path(org.team_a, "fine-tunes", odd, "action/cancel/"))
    recorder.clear()
    done = alice_web.post(page_path(org.team_a, "fine-tunes", odd, "action/cancel/"))
    assert unquote(done.url).endswith(team_url(org.team_a, f"r/fine-tunes/{odd}/"))  # back on it
    assert "?" not in done.url  # the id stays in the path, quoted
    assert ("PUT", f"v1/flow/fine-tunes/{odd}/cancel", {}) in calls()
    assert SandboxFineTune.objects.get(pk=odd).status == "cancelled"

    recorder.clear()
    alice_web.get(page_path(org.team_a, "vector-dbs", "vdb?x=1"))
    assert ("GET", "v1/flow/vectordb/vdb?x=1/files", {}) in calls()


def test_ids_that_cannot_be_linked_are_shown_as_text(org, alice_web):
    """A tool id with a slash and a message naming a file id with one: the overview, the list
    and the thread page show them, unlinked, instead of failing."""
    tool = factories.create_tool(org.team_a, org.alice.sandbox_user, name="Slashed tool")
    SandboxTool.objects.filter(pk=tool.pk).update(id="tool/with/slash")
    thread = conversations.create_thread(org.alice.sandbox_user)
    conversations.create_message(
        thread, "user", [{"type": "input_file", "file_id": "folder/file-1"}]
    )

    overview = alice_web.get(team_url(org.team_a))
    tools = alice_web.get(team_url(org.team_a, "r/tools/"))
    conversation = alice_web.get(f"/threads/{thread.pk}/")
    for page in (overview, tools, conversation):
        assert page.status_code == 200, page.url
    assert "Slashed tool" in overview.text and "Slashed tool" in tools.text
    assert "tool/with/slash" in tools.text
    assert not re.search(r'href="[^"]*/r/tools/tool/', overview.text + tools.text)
    assert "folder/file-1" in conversation.text
    assert not re.search(r'href="[^"]*/r/files/folder', conversation.text)
