"""Saved teams (save, rename, remove), the team in each page's URL, the team last used, links
to teams that are not saved, and forms that act in the team of the page they came from."""

from __future__ import annotations

import re
import uuid
from html import unescape

import pytest

from dashboard.audit.models import ActionLog
from dashboard.sandbox import factories, identity, recorder
from dashboard.sandbox.models import SandboxFile
from dashboard.teams.models import SavedTeam
from tests.conftest import for_each_shape, team_url

pytestmark = pytest.mark.django_db(transaction=True)


def active_team(html: str) -> tuple[str, str, str]:
    """The header's team as a person reads it: (label, team id shown, the team marked as
    current in the switch menu: "personal" for the personal workspace)."""
    start = html.index('data-testid="active-team"')
    header = html[start : html.index("</details>", start)]
    label = re.search(r'class="switcher-label">([^<]*)<', header)
    shown_id = re.search(r'class="switcher-id"[^>]*>([^<]*)<', header)
    current = re.findall(r'<a href="[^"]*" data-team="([^"]*)" aria-current="true">', header)
    assert label and len(current) == 1, header
    return (
        unescape(label.group(1).strip()),
        shown_id.group(1).strip() if shown_id else "",
        current[0],
    )


def path_of(response) -> str:
    """The path (and query) a response ended on, after redirects."""
    return "/" + response.url.split("://", 1)[1].split("/", 1)[1]


def test_the_header_shows_the_personal_workspace_by_default(org, alice_web):
    label, shown_id, current = active_team(alice_web.get("/teams/").text)
    assert label == "Personal workspace"
    assert shown_id in (org.alice.personal_team_id, "")  # never jargon such as "no team header"
    assert "no team header" not in alice_web.last.text
    assert current == "personal"  # the switch menu starts on the personal workspace too
    assert path_of(alice_web.get("/")) == team_url(None)


@for_each_shape
def test_adding_a_team_checks_membership_with_a_scoped_call(org, alice_web):
    recorder.clear()
    team_b = str(org.team_b.pk)
    refused = alice_web.post("/teams/", {"team_id": team_b, "label": "B"})
    assert refused.status_code == 400
    assert "not a member of this team, or the ID is wrong" in refused.text
    assert not SavedTeam.objects.filter(team_id=team_b).exists()
    probes = [r for r in recorder.recorded() if r.team_header == team_b]
    assert probes and all(r.method == "GET" for r in probes)


def test_a_malformed_team_id_is_explained(alice_web):
    page = alice_web.post("/teams/", {"team_id": "not-a-uuid", "label": "x"})
    assert page.status_code == 400 and "A team ID looks like" in page.text


@for_each_shape
def test_a_teams_pages_send_its_header_and_become_the_team_last_used(org, alice_web):
    """What switching did, a team's own URL does: its pages act in it, and ``/`` reopens it."""
    team_a = str(org.team_a.pk)
    recorder.clear()
    overview = alice_web.get(team_url(org.team_a))
    assert overview.status_code == 200
    assert active_team(overview.text) == ("Team A", team_a, team_a)
    team_calls = [r for r in recorder.recorded() if not r.path.startswith("v1/threads")]
    assert team_calls and {r.team_header for r in team_calls} == {team_a}
    alice_web.post("/teams/", {"team_id": str(uuid.uuid4()), "label": "probe"})  # refused
    assert path_of(alice_web.get("/")) == team_url(org.team_a)
    # A page of no team shows the team last used.
    assert active_team(alice_web.get("/teams/").text) == ("Team A", team_a, team_a)
    assert not ActionLog.objects.filter(action="team.switched").exists()  # navigation, not a change

    # The personal workspace's pages: no header at all.
    recorder.clear()
    assert active_team(alice_web.get(team_url(None)).text)[0] == "Personal workspace"
    assert recorder.recorded() and all(r.team_header is None for r in recorder.recorded())
    assert path_of(alice_web.get("/")) == team_url(None)


def test_team_links_open_saved_teams_and_refuse_teams_the_key_cannot_see(org, alice_web):
    team_a = str(org.team_a.pk)
    opened = alice_web.get(f"/r/files/?team={team_a}")  # an old link naming its team
    assert path_of(opened) == team_url(org.team_a, "r/files/")
    assert active_team(opened.text)[:2] == ("Team A", team_a)

    refused = alice_web.get(team_url(org.team_b))  # Alice is no member of Team B
    assert refused.status_code == 404
    assert 'data-testid="team-not-visible"' in refused.text
    assert active_team(refused.text)[1] == team_a  # the team last used, unchanged
    assert path_of(alice_web.get("/")) == team_url(org.team_a)

    back = alice_web.get("/?team=personal")
    assert path_of(back) == team_url(None)
    assert active_team(back.text)[0] == "Personal workspace"


def test_a_member_sees_a_team_not_saved_with_a_way_to_save_it(org, alice_web):
    identity.add_member(org.team_b, org.alice.sandbox_user, "Creator")
    alice_web.get(team_url(org.team_a))
    page = alice_web.get(team_url(org.team_b))
    assert page.status_code == 200
    assert 'data-testid="unsaved-team"' in page.text
    assert active_team(page.text)[1:] == (str(org.team_b.pk), str(org.team_b.pk))
    assert path_of(alice_web.get("/")) == team_url(org.team_a)  # only saved teams are kept
    assert not SavedTeam.objects.filter(team_id=str(org.team_b.pk)).exists()


def test_rename_and_remove(org, alice_web):
    saved = SavedTeam.objects.get(team_id=str(org.team_a.pk))
    alice_web.get(team_url(org.team_a))
    alice_web.post(f"/teams/{saved.pk}/rename/", {"label": "Research"})
    saved.refresh_from_db()
    assert saved.label == "Research"
    assert "Remove “Research”" in alice_web.get(f"/teams/{saved.pk}/remove/").text
    page = alice_web.post(f"/teams/{saved.pk}/remove/")
    assert not SavedTeam.objects.filter(pk=saved.pk).exists()
    assert "Personal workspace" in page.text.split("switcher-label")[1][:60]


def test_one_user_cannot_see_rename_remove_or_open_anothers_teams(org, alice_web, bob_web):
    alices = SavedTeam.objects.get(user__username="alice")
    assert bob_web.post(f"/teams/{alices.pk}/rename/", {"label": "mine"}).status_code == 404
    assert bob_web.get(f"/teams/{alices.pk}/remove/").status_code == 404
    assert bob_web.post(f"/teams/{alices.pk}/remove/").status_code == 404
    alices.refresh_from_db()
    assert alices.label == "Team A"
    # Bob saved Team B himself; Alice cannot open it even by id.
    team_b = str(org.team_b.pk)
    page = alice_web.get(team_url(org.team_b, "r/files/"))
    assert page.status_code == 404 and 'data-testid="team-not-visible"' in page.text
    header = page.text.split('data-testid="active-team"')[1].split("</div>")[0]
    assert team_b not in header


def teams_table_rows(html: str) -> list[str]:
    """The HTML of each row of the teams table, in order."""
    table = html[html.index('data-testid="teams-table"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_the_personal_workspace_is_always_listed_and_cannot_be_removed(alice_web):
    personal, team_a = teams_table_rows(alice_web.get("/teams/").text)
    assert "Personal workspace" in personal and "cannot be removed" in personal
    assert "/remove/" not in personal and "Remove…" not in personal
    assert "Team A" in team_a and "/remove/" in team_a


def test_a_form_acts_in_the_team_of_its_page_whatever_another_tab_did(org, alice_web):
    """A form shown for the personal workspace, posted after another tab opened Team A."""
    alice = org.alice.sandbox_user
    mine = factories.create_file(identity.personal_team(alice), alice, filename="mine.jsonl")
    confirm_url = team_url(None, f"r/files/{mine.pk}/delete/")
    confirm = alice_web.get(confirm_url)
    assert "Personal workspace" in confirm.text.split('data-testid="confirm-team"')[1][:60]
    alice_web.get(team_url(org.team_a))  # another tab: Team A is now the team last used
    recorder.clear()

    done = alice_web.post(confirm_url)  # the form posts back to its own page

    assert path_of(done) == team_url(None, "r/files/")
    deletes = [(r.path, r.team_header) for r in recorder.recorded() if r.method == "DELETE"]
    assert deletes == [(f"v1/flow/files/{mine.pk}", None)]
    assert not SandboxFile.objects.filter(pk=mine.pk).exists()
    entry = ActionLog.objects.get(action="resource.deleted")
    assert (entry.team_id, entry.outcome) == ("", "success")
