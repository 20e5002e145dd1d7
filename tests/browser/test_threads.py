"""A person opens a personal thread, runs an agent of the team last used (or the one the page
names), and watches it answer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard.sandbox import conversations, factories, recorder
from dashboard.sandbox.models import SandboxRun
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.conftest import PASSWORD, make_dashboard_user, team_url
from tests.threads.test_threads import make_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_WORDS = "[data-testid=streamed-reply] .msg-text:not(:empty)"


def test_running_an_agent_streams_its_reply_into_the_thread(
    page, live_server, org, alice_web, settings
):
    settings.SANDBOX_STREAM_DELAY_MS = 120
    factories.create_agent(org.team_a, org.alice.sandbox_user, name="Helper")
    thread = conversations.create_thread(org.alice.sandbox_user)
    question = "please summarise the quarterly numbers for the whole team"
    conversations.create_message(thread, "user", question)

    sign_in(page, live_server.url, "alice", PASSWORD)
    page.goto(live_server.url + team_url(org.team_a))  # Team A: the team last used
    page.goto(f"{live_server.url}/threads/")
    assert "Threads are personal" in page.inner_text("[data-testid=personal-note]")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "threads-list.png"), full_page=True)
    page.click(f"a[href='/threads/{thread.pk}/']")
    page.wait_for_selector("[data-testid=run-form]")
    assert page.inner_text("[data-testid=agents-team-label]") == "Team A"
    assert question in page.inner_text("[data-testid=conversation]")

    page.select_option("#run-agent", label="Helper (Active)")
    page.click("[data-run-button]")

    reply = page.locator("[data-testid=streamed-reply] .msg-text")
    page.wait_for_selector(FIRST_WORDS)
    # The first words are on screen while the agent is still writing the rest.
    partial = reply.inner_text()
    assert partial and "whole team" not in partial
    assert page.inner_text("[data-testid=run-status]").startswith("Running")
    assert page.is_visible("[data-run-cancel] button")
    page.screenshot(path=str(ARTIFACTS / "thread-streaming.png"))

    expect(page.locator("[data-testid=run-status]")).to_have_text("Completed.")
    answer = f"Helper here. You said: {question}"
    # The stored conversation replaces the streamed one, the reply at the bottom.
    page.wait_for_selector("[data-testid=conversation] .msg-assistant[data-message-id]")
    messages = page.locator("[data-testid=conversation] [data-testid=message]")
    assert messages.last.inner_text().endswith(answer)
    page.wait_for_selector("[data-testid=runs] .badge-ok")
    assert SandboxRun.objects.get(thread=thread).status == "completed"
    assert not page.is_visible("[data-run-cancel] button")
    assert page.js_errors == []


def test_a_streaming_run_can_be_cancelled_from_the_page(
    page, live_server, org, alice_web, settings
):
    settings.SANDBOX_STREAM_DELAY_MS = 200
    factories.create_agent(org.team_a, org.alice.sandbox_user, name="Helper")
    thread = conversations.create_thread(org.alice.sandbox_user)
    conversations.create_message(thread, "user", " ".join(["word"] * 60))

    sign_in(page, live_server.url, "alice", PASSWORD)
    page.goto(f"{live_server.url}/threads/{thread.pk}/?team={org.team_a.pk}")
    page.click("[data-run-button]")
    page.wait_for_selector(FIRST_WORDS)
    page.click("[data-run-cancel] button")
    expect(page.locator("[data-testid=run-status]")).to_have_text("Cancelled.")
    page.wait_for_selector("[data-testid=runs] .badge-warn")
    assert SandboxRun.objects.get(thread=thread).status == "cancelled"
    # What had arrived stays on screen, marked as the cancelled run's partial answer.
    arrived = page.inner_text("[data-testid=streamed-reply] .msg-text")
    assert arrived.startswith("Helper") and arrived.count("word") < 60
    assert "partial answer: cancelled" in page.inner_text("[data-testid=streamed-reply]")
    assert page.js_errors == []


def test_a_run_started_after_another_tab_moved_on_runs_in_the_pages_team(
    page, live_server, org, alice_web
):
    factories.create_agent(org.team_a, org.alice.sandbox_user, name="Helper")
    thread = conversations.create_thread(org.alice.sandbox_user)
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.goto(f"{live_server.url}/threads/{thread.pk}/?team={org.team_a.pk}")
    assert page.inner_text("[data-testid=agents-team-label]") == "Team A"
    other_tab = page.context.new_page()
    other_tab.goto(live_server.url + team_url(None))  # now the team last used
    other_tab.close()
    recorder.clear()

    page.click("[data-run-button]")
    status = page.locator("[data-testid=run-status]")
    expect(status).to_have_text("Completed.")
    run = SandboxRun.objects.get(thread=thread)
    assert run.status == "completed"
    started = [r for r in recorder.recorded() if r.path.endswith("/runs/stream/vercel")]
    assert [r.team_header for r in started] == [str(org.team_a.pk)]
    assert page.inner_text("[data-testid=agents-team-label]") == "Team A"
    assert page.js_errors == []


def test_a_thread_reads_like_a_conversation_and_send_and_run_streams(
    page, live_server, org, alice_web, settings
):
    """A title instead of an id, named agents, and "Send and run with <agent>" in one click."""
    settings.SANDBOX_STREAM_DELAY_MS = 60
    factories.create_agent(org.team_a, org.alice.sandbox_user, name="Helper")
    factories.create_agent(org.team_a, org.alice.sandbox_user, name="Critic")
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.goto(live_server.url + team_url(org.team_a))
    page.goto(f"{live_server.url}/threads/")
    page.fill("#new-thread-message", "Draft the release notes for 2.0")
    page.get_by_role("button", name="Create thread").click()
    expect(page.get_by_test_id("thread-title")).to_have_text("Draft the release notes for 2.0")
    assert "thread-" not in page.locator("h1").inner_text()

    page.select_option("#run-agent", label="Critic (Active)")
    send_and_run = page.get_by_test_id("send-and-run")
    expect(send_and_run).to_have_text("Send and run with Critic")
    page.fill("#message-text", "Keep it short")
    send_and_run.click()
    expect(page.locator("[data-testid=run-status]")).to_have_text("Completed.", timeout=30_000)
    page.wait_for_selector("[data-testid=conversation] .msg-assistant[data-message-id]")
    conversation = page.inner_text("[data-testid=conversation]")
    assert conversation.index("Keep it short") < conversation.index("Critic here.")
    expect(page.locator("[data-testid=runs] [data-testid=agent-name]")).to_have_text(["Critic"])
    assert page.input_value("#message-text") == ""

    page.locator("[data-testid=thread-rename] summary").click()
    page.fill("#thread-title-input", "Release notes")
    page.get_by_role("button", name="Save title").click()
    expect(page.get_by_test_id("thread-title")).to_have_text("Release notes")
    page.goto(f"{live_server.url}/threads/")
    expect(page.get_by_test_id("thread-link")).to_have_text(["Release notes"])
    assert page.js_errors == []


def test_the_threads_list_fills_in_latest_messages_and_titles_as_it_opens(
    page, live_server, org, alice_web
):
    """The list comes at once; each row's latest message and title made from its first message
    follow in one fragment, on a phone as cards; without JavaScript a link shows them."""
    for n in range(20):
        make_thread(
            org.alice, ("user", f"question {n}"), ("assistant", f"answer {n}"), minutes_ago=n
        )
    questions = [f"question {n}" for n in range(20)]
    answers = [re.compile(rf"assistant\s+answer {n}\s*$") for n in range(20)]
    sign_in(page, live_server.url, "alice", PASSWORD)

    page.set_viewport_size({"width": 390, "height": 844})  # a phone, the previews not yet known
    page.goto(f"{live_server.url}/threads/")
    expect(page.get_by_test_id("thread-link")).to_have_text(questions)
    expect(page.locator("td.thread-preview")).to_have_text(answers)
    assert "Loading" not in page.inner_text("[data-testid=threads-table]")
    card = page.locator("[data-testid=threads-table] tbody tr").first
    assert card.evaluate("(row) => getComputedStyle(row).display") == "flex"
    box = card.locator("td.thread-preview").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    page.set_viewport_size({"width": 1366, "height": 850})  # again: remembered, in the page
    page.goto(f"{live_server.url}/threads/")
    expect(page.locator("td.thread-preview")).to_have_text(answers)
    assert page.locator("[data-testid=thread-previews]").count() == 0
    assert page.js_errors == []

    make_dashboard_user("bob", member=org.bob)
    no_script = page.context.browser.new_context(java_script_enabled=False)
    try:
        plain = no_script.new_page()
        sign_in(plain, live_server.url, "bob", PASSWORD)
        make_thread(org.bob, ("user", "no scripts here"), ("assistant", "fine by me"))
        plain.goto(f"{live_server.url}/threads/")
        assert plain.get_by_test_id("thread-link").inner_text() != "no scripts here"
        plain.get_by_role("link", name="show them").click()
        expect(plain.get_by_test_id("thread-link")).to_have_text(["no scripts here"])
        expect(plain.locator("td.thread-preview")).to_have_text([re.compile(r"fine by me\s*$")])
    finally:
        no_script.close()
