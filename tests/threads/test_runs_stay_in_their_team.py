"""An agent run stays in its team: only one of the agents of the team the run form names can be
run, and the run carries (and the log records) that team."""

from __future__ import annotations

import pytest

from dashboard.audit.models import ActionLog
from dashboard.sandbox import conversations, factories, recorder
from dashboard.sandbox.models import SandboxRun
from tests.conftest import team_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bob_in_team_a(org, bob_web):
    """Bob, last working in Team A: his thread pages offer Team A's agents."""
    bob_web.get(team_url(org.team_a))
    return bob_web


def run_form_team(web, thread) -> str:
    """The team named by the run form on the thread's page (its hidden ``team`` field)."""
    page = web.get(f"/threads/{thread.pk}/").text
    form = page[page.index('data-testid="run-panel"') :]
    marker = 'name="team" value="'
    start = form.index(marker) + len(marker)
    return form[start : form.index('"', start)]


def test_an_agent_of_another_team_is_not_run_with_this_teams_header(org, bob_in_team_a):
    """Bob is in both teams; a run form naming Team A, posted with Team B's agent, runs
    nothing."""
    factories.create_agent(org.team_a, org.alice.sandbox_user, name="Helper")  # A has agents
    other_teams_agent = factories.create_agent(org.team_b, org.bob.sandbox_user, name="Support bot")
    thread = conversations.create_thread(org.bob.sandbox_user)
    conversations.create_message(thread, "user", "hello")
    team = run_form_team(bob_in_team_a, thread)
    assert team == str(org.team_a.pk)
    recorder.clear()

    response = bob_in_team_a.post(
        f"/threads/{thread.pk}/run/", {"agent_id": other_teams_agent.pk, "team": team}
    )

    assert response.status_code == 404
    assert f"Team A has no agent {other_teams_agent.pk}" in response.text
    assert not SandboxRun.objects.exists()
    asked = [(r.method, r.path, r.team_header) for r in recorder.recorded()]
    assert asked == [("GET", f"v2/flow/agents/{other_teams_agent.pk}", str(org.team_a.pk))]
    entry = ActionLog.objects.get(action="run.started")
    assert (entry.team_id, entry.team_label, entry.outcome) == (
        str(org.team_a.pk),
        "Team A",
        "failure",
    )


def test_the_teams_own_agent_runs_with_its_team_and_is_logged_so(org, bob_in_team_a):
    agent = factories.create_agent(org.team_a, org.alice.sandbox_user, name="Helper")
    thread = conversations.create_thread(org.bob.sandbox_user)
    conversations.create_message(thread, "user", "hello")
    team = run_form_team(bob_in_team_a, thread)
    recorder.clear()

    response = bob_in_team_a.post(
        f"/threads/{thread.pk}/run/", {"agent_id": agent.pk, "team": team}
    )

    assert response.status_code == 200 and "The agent answered" in response.text
    start = [r for r in recorder.recorded() if r.path.endswith("/runs/stream/vercel")]
    assert [r.team_header for r in start] == [str(org.team_a.pk)]
    run = SandboxRun.objects.get()
    entry = ActionLog.objects.get(action="run.started")
    assert (entry.team_id, entry.resource_id, entry.outcome) == (
        str(org.team_a.pk),
        run.pk,
        "success",
    )
    assert "“Helper”" in entry.detail


def test_a_team_that_is_not_saved_is_refused_and_nothing_starts(org, alice_web):
    """Alice has not saved Team B: a form naming it runs nothing there."""
    agent = factories.create_agent(org.team_b, org.bob.sandbox_user, name="Night agent")
    thread = conversations.create_thread(org.alice.sandbox_user)
    recorder.clear()

    response = alice_web.post(
        f"/threads/{thread.pk}/run/", {"agent_id": agent.pk, "team": str(org.team_b.pk)}
    )

    assert response.status_code == 404
    assert not SandboxRun.objects.exists()
    assert not [r for r in recorder.recorded() if r.method == "POST"]
    assert not ActionLog.objects.filter(action="run.started").exists()
