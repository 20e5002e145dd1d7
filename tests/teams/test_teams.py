"""Saved teams, the active team in the session, ?team= links and the multi-tab guard."""

from __future__ import annotations

import re
import uuid

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from dashboard.audit.models import ActionLog
from dashboard.sandbox import recorder
from dashboard.teams.models import SavedTeam

pytestmark = pytest.mark.django_db(transaction=True)


def active_team(html: str) -> tuple[str, str, str]:
    """The header's active team as a person reads it: (label, team id shown, team picked in
    the switch menu, "" for the personal workspace)."""
    start = html.index('data-testid="active-team"')
    header = html[start : html.index("</form>", start)]
    label = re.search(r'class="switcher-label">([^<]*)<', header)
    shown_id = re.search(r'class="switcher-id"[^>]*>([^<]*)<', header)
    picked = re.findall(r'<option value="([^"]*)"\s+selected>', header)
    assert label and shown_id and len(picked) == 1, header
    return label.group(1).strip(), shown_id.group(1).strip(), picked[0]


def test_the_header_shows_the_personal_workspace_by_default(org, alice_web):
    label, shown_id, picked = active_team(alice_web.get("/teams/").text)
    assert label == "Personal workspace"
    assert shown_id in (org.alice.personal_team_id, "no team header")
    assert picked == ""  # the switch menu starts on the personal workspace too


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


def test_switching_changes_what_the_service_layer_sends(org, alice_web):
    team_a = str(org.team_a.pk)
    switched = alice_web.post("/teams/switch/", {"team_id": team_a, "next": "/teams/"})
    assert active_team(switched.text) == ("Team A", team_a, team_a)
    alice_web.post("/teams/", {"team_id": str(uuid.uuid4()), "label": "probe"})  # refused
    recorder.clear()
    alice_web.get("/")  # every team call of the overview goes to team A
    team_calls = [r for r in recorder.recorded() if r.path.startswith(("v1/flow", "v2/flow"))]
    assert team_calls and {r.team_header for r in team_calls} == {team_a}
    assert ActionLog.objects.filter(action="team.switched", team_id=team_a).exists()
    # Back to personal: no header any more.
    alice_web.post("/teams/switch/", {"team_id": "", "next": "/"})
    recorder.clear()
    alice_web.get("/")
    assert recorder.recorded() and all(r.team_header is None for r in recorder.recorded())


def test_team_links_switch_on_arrival_only_to_saved_teams(org, alice_web):
    team_a, team_b = str(org.team_a.pk), str(org.team_b.pk)
    page = alice_web.get(f"/teams/?team={team_a}")
    assert team_a in page.text.split("switcher-id")[1][:80]
    refused = alice_web.get(f"/teams/?team={team_b}")
    assert "not one of your saved teams" in refused.text
    assert team_a in refused.text.split("switcher-id")[1][:80]  # unchanged
    back = alice_web.get("/teams/?team=personal")
    assert "Personal workspace" in back.text.split("switcher-label")[1][:60]


def test_rename_and_remove(org, alice_web):
    saved = SavedTeam.objects.get(team_id=str(org.team_a.pk))
    alice_web.post("/teams/switch/", {"team_id": saved.team_id})
    alice_web.post(f"/teams/{saved.pk}/rename/", {"label": "Research"})
    saved.refresh_from_db()
    assert saved.label == "Research"
    assert "Remove “Research”" in alice_web.get(f"/teams/{saved.pk}/remove/").text
    page = alice_web.post(f"/teams/{saved.pk}/remove/")
    assert not SavedTeam.objects.filter(pk=saved.pk).exists()
    assert "Personal workspace" in page.text.split("switcher-label")[1][:60]


def test_one_user_cannot_see_rename_remove_or_activate_anothers_teams(org, alice_web, bob_web):
    alices = SavedTeam.objects.get(user__username="alice")
    assert bob_web.post(f"/teams/{alices.pk}/rename/", {"label": "mine"}).status_code == 404
    assert bob_web.get(f"/teams/{alices.pk}/remove/").status_code == 404
    assert bob_web.post(f"/teams/{alices.pk}/remove/").status_code == 404
    alices.refresh_from_db()
    assert alices.label == "Team A"
    # Bob saved Team B himself; Alice cannot activate it even by id.
    team_b = str(org.team_b.pk)
    page = alice_web.post("/teams/switch/", {"team_id": team_b, "next": "/teams/"})
    assert "not one of your saved teams" in page.text
    assert team_b not in page.text.split("switcher-id")[1][:80]


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


def test_the_guard_refuses_a_form_rendered_for_another_team(org, alice_web, live_server):
    """A form shown for the personal workspace, posted after switching in another tab."""
    from django.contrib.messages.storage.fallback import FallbackStorage

    from dashboard.teams.active import ActiveTeam, personal
    from dashboard.teams.guard import team_guarded

    sent = []

    @team_guarded(action="resource.deleted")
    def view(request):
        sent.append(True)
        return HttpResponse("done")

    request = RequestFactory().post("/r/files/x/delete/", {"team_guard": "personal"})
    request.user = SavedTeam.objects.get(user__username="alice").user
    request.session = {}
    request._messages = FallbackStorage(request)
    request.saved_teams = list(SavedTeam.objects.filter(user=request.user))
    request.personal_team_id = ""
    request.team = ActiveTeam(str(org.team_a.pk), "Team A")
    response = view(request)
    assert response.status_code == 302 and not sent
    text = " ".join(str(m) for m in request._messages)
    assert "shown for Personal workspace" in text and "now Team A" in text
    assert ActionLog.objects.filter(outcome="refused", action="resource.deleted").exists()
    request.team = personal()
    request.POST = request.POST.copy()
    assert view(request).status_code == 200 and sent
