"""Copying an agent into another team in the browser: the plan first, then the job page
following the copy, step by step, to its end."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.sandbox import factories
from dashboard.sandbox.models import SandboxAgent, SandboxFile
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.conftest import PASSWORD, team_url
from tests.worker import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(transactional_db):
    real, stop = run_worker("browser-worker")
    yield real
    stop()


def test_an_agent_is_copied_with_what_it_needs_and_the_job_followed_to_its_end(
    page, live_server, org, bob_web, worker, settings
):
    settings.SANDBOX_JOB_STEP_SECONDS = 0
    alice = org.alice.sandbox_user
    files = [
        factories.create_file(org.team_a, alice, filename=f"{name}.md", purpose="alignment")
        for name in ("handbook", "policies")
    ]
    vdb = factories.create_vector_db(org.team_a, alice, name="Handbook", files=files)
    tool = factories.create_tool(
        org.team_a, alice, name="docs", type="file_search", config={"file_search_index": vdb.pk}
    )
    agent = factories.create_agent(org.team_a, alice, name="Librarian", tools=[tool])
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    sign_in(page, base, "bob", PASSWORD)

    page.goto(base + team_url(org.team_a, f"r/agents/{agent.pk}/"))
    page.click("[data-testid=copy-link]")
    page.select_option("#copy-to", label="Team B")
    page.click("[data-testid=show-plan]")
    rows = page.locator("[data-testid=plan-table] tbody tr")
    expect(rows).to_have_count(6)
    assert "Copy the agent “Librarian”" in rows.last.inner_text()
    page.screenshot(path=str(ARTIFACTS / "copy-plan.png"), full_page=True)
    assert not SandboxAgent.objects.filter(team=org.team_b).exists()  # a plan makes nothing

    page.click("[data-testid=start-copy]")
    expect(page.locator("[data-testid=job-status]")).to_have_text("Succeeded", timeout=30_000)
    steps = page.locator("[data-testid=job-step]")
    expect(steps).to_have_count(6)
    for index in range(6):
        assert steps.nth(index).get_attribute("data-status") == "done"
    page.screenshot(path=str(ARTIFACTS / "copy-job-done.png"), full_page=True)

    page.locator("[data-testid=step-result]").last.click()
    copy = SandboxAgent.objects.get(team=org.team_b)
    expect(page).to_have_url(base + team_url(org.team_b, f"r/agents/{copy.pk}/"))
    assert "Copied on" in page.inner_text("[data-testid=detail-note]")
    assert SandboxFile.objects.filter(team=org.team_b).count() == 2
    assert page.js_errors == []
