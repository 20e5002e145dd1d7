"""An agent run stays in its team: only one of the active team's agents can be run, and the run
carries (and the log records) that team."""

from __future__ import annotations

import pytest

from dashboard.audit.models import ActionLog
from dashboard.sandbox import recorder
from dashboard.sandbox import services as sandbox
from dashboard.sandbox.models import SandboxRun

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bob_in_team_a(org, bob_web):
    bob_web.post("/teams/switch/", {"team_id": str(org.team_a.pk), "next": "/teams/"})
    return bob_web


def test_an_agent_of_another_team_is_not_run_with_this_teams_header(org, bob_in_team_a):
    """Bob is in both teams; with Team A active, a post naming Team B's agent runs nothing."""
    other_teams_agent = sandbox.create_agent(org.team_b, org.bob.sandbox_user, name="Support bot")
    thread = sandbox.create_thread(org.bob.sandbox_user)
    sandbox.create_message(thread, "user", "hello")
    guard = bob_in_team_a.guard(f"/threads/{thread.pk}/")
    assert guard == str(org.team_a.pk)
    recorder.clear()

    response = bob_in_team_a.post(
        f"/threads/{thread.pk}/run/", {"agent_id": other_teams_agent.pk, "team_guard": guard}
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
    agent = sandbox.create_agent(org.team_a, org.alice.sandbox_user, name="Helper")
    thread = sandbox.create_thread(org.bob.sandbox_user)
    sandbox.create_message(thread, "user", "hello")
    guard = bob_in_team_a.guard(f"/threads/{thread.pk}/")
    recorder.clear()

    response = bob_in_team_a.post(
        f"/threads/{thread.pk}/run/", {"agent_id": agent.pk, "team_guard": guard}
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
