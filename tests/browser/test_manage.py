"""From a team's files to an agent answering, entirely in the dashboard: a vector database from
two of the team's files, a document-search tool on it, an agent with that tool, and a run of the
agent on a personal thread."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.audit.models import ActionLog
from dashboard.sandbox import factories
from dashboard.sandbox.models import SandboxAgent, SandboxThread, SandboxTool, SandboxVectorDB
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.conftest import PASSWORD, team_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_files_to_a_running_agent_in_the_browser(page, live_server, org, alice_web, settings):
    settings.SANDBOX_JOB_STEP_SECONDS = 1  # the ingestion job visibly runs, then ends
    alice = org.alice.sandbox_user
    one = factories.create_file(org.team_a, alice, filename="handbook.md", purpose="alignment")
    two = factories.create_file(org.team_a, alice, filename="policies.md", purpose="alignment")
    factories.create_file(org.team_a, alice, filename="unused.md", purpose="alignment")
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    sign_in(page, base, "alice", PASSWORD)

    # A vector database, then two of the team's files read into it.
    page.goto(base + team_url(org.team_a, "r/vector-dbs/"))
    page.click("[data-testid=create-link]")
    assert "Team A" in page.inner_text("[data-testid=form-team]")
    page.fill("#id_name", "Handbook")
    page.select_option("#id_model", label="intfloat/e5-mistral-7b-instruct")
    page.screenshot(path=str(ARTIFACTS / "form-create-vector-db.png"), full_page=True)
    page.click("[data-testid=form-submit]")
    vdb = SandboxVectorDB.objects.get(name="Handbook")
    expect(page).to_have_url(base + team_url(org.team_a, f"r/vector-dbs/{vdb.pk}/"))

    page.click("[data-testid=operation-add-files]")
    page.check(f"input[name=file_ids][value='{one.pk}']")
    page.check(f"input[name=file_ids][value='{two.pk}']")
    page.click("[data-testid=form-submit]")
    expect(page.locator("[data-testid=still-changing]")).to_be_visible()  # followed…
    expect(page.locator("[data-testid=still-changing]")).to_be_hidden(timeout=30_000)  # …to its end
    assert sorted(vdb.files.values_list("file_id", flat=True)) == sorted([one.pk, two.pk])
    assert "policies.md" in page.inner_text("#detail") or two.pk in page.inner_text("#detail")

    # A tool that searches it: its settings appear once its kind is chosen.
    page.goto(base + team_url(org.team_a, "r/tools/new/"))
    expect(page.locator("#id_file_search_index")).to_be_hidden()
    page.select_option("#id_type", "file_search")
    expect(page.locator("#id_file_search_index")).to_be_visible()
    expect(page.locator("#id_url")).to_be_hidden()
    # The team has no Python functions: that empty choice shows only for a Python tool.
    functions = page.locator(".field[data-field=function_ids]")
    expect(functions).to_be_hidden()
    page.select_option("#id_type", "run_python")
    expect(functions).to_be_visible()
    expect(functions.get_by_test_id("no-choices")).to_contain_text("None in Team A yet")
    page.select_option("#id_type", "file_search")
    expect(functions).to_be_hidden()
    page.fill("#id_name", "handbook_search")
    page.select_option("#id_file_search_index", label="Handbook")
    page.screenshot(path=str(ARTIFACTS / "form-create-tool.png"), full_page=True)
    page.click("[data-testid=form-submit]")
    tool = SandboxTool.objects.get(name="handbook_search")
    expect(page).to_have_url(base + team_url(org.team_a, f"r/tools/{tool.pk}/"))

    # An agent with that tool.
    page.goto(base + team_url(org.team_a, "r/agents/new/"))
    page.fill("#id_name", "Librarian")
    page.fill("#id_instructions", "Answer from the handbook.")
    page.select_option("#id_model_id", label="meta-llama/Llama-3.1-8B-Instruct")
    page.check(f"input[name=tool_ids][value='{tool.pk}']")
    page.click("[data-testid=form-submit]")
    agent = SandboxAgent.objects.get(name="Librarian")
    expect(page).to_have_url(base + team_url(org.team_a, f"r/agents/{agent.pk}/"))
    assert [t.pk for t in agent.tools.all()] == [tool.pk]

    # The agent answers on a personal thread.
    page.goto(base + "/threads/")
    page.fill("#new-thread-message", "What does the handbook say about holidays?")
    page.click("[data-testid=new-thread-form] button[type=submit]")
    page.wait_for_selector("[data-testid=run-form]")
    thread = SandboxThread.objects.get(user=alice)
    if page.inner_text("[data-testid=agents-team-label]") != "Team A":
        page.select_option("#agents-team", label="Team A")
        page.wait_for_selector("[data-testid=run-form]")
    page.select_option("#run-agent", label="Librarian (Active)")
    page.click("[data-run-button]")
    expect(page.locator("[data-testid=run-status]")).to_have_text("Completed.", timeout=30_000)
    page.wait_for_selector("[data-testid=conversation] .msg-assistant[data-message-id]")
    assert "Librarian here" in page.locator("[data-testid=message]").last.inner_text()
    assert thread.runs.get().status == "completed"

    made = ActionLog.objects.filter(team_id=str(org.team_a.pk), outcome="success")
    assert made.filter(action=ActionLog.Action.RESOURCE_CREATED).count() == 3
    assert made.filter(action=ActionLog.Action.RESOURCE_ACTION, kind="vector-dbs").exists()
    assert page.js_errors == []
