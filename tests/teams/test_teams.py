"""Saved teams, the active team in the session, ?team= links and the multi-tab guard."""

from __future__ import annotations

import uuid

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from dashboard.audit.models import ActionLog
from dashboard.sandbox import recorder
from dashboard.teams.models import SavedTeam

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_header_shows_the_personal_workspace_by_default(alice_web):
    page = alice_web.get("/teams/")
    assert 'data-testid="active-team"' in page.text
    assert "Personal workspace" in page.text


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
    assert "Team A" in switched.text and team_a in switched.text
    recorder.clear()
    alice_web.post("/teams/", {"team_id": str(uuid.uuid4()), "label": "probe"})
    alice_web.get("/")  # every team call of the overview goes to team A
    team_calls = [r for r in recorder.recorded() if r.path.startswith(("v1/flow", "v2/flow"))]
    assert team_calls
    assert ActionLog.objects.filter(action="team.switched", team_id=team_a).exists()
    # Back to personal: no header any more.
    alice_web.post("/teams/switch/", {"team_id": "", "next": "/"})
    recorder.clear()
    alice_web.get("/")
    assert all(r.team_header is None for r in recorder.recorded())


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


def test_the_personal_workspace_is_always_listed_and_cannot_be_removed(alice_web):
    page = alice_web.get("/teams/")
    assert "Personal workspace" in page.text and "cannot be removed" in page.text


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
