"""Threads read like conversations, over real HTTP: a title from the first message (kept by the
upstream in the thread's meta_data), one the person edits (kept by the dashboard), agents named
on runs and replies, and "Send and run with <agent>" in one click."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from dashboard.sandbox import factories
from dashboard.sandbox.models import SandboxMessage, SandboxRun, SandboxThread
from dashboard.threads.agents import _cache_key
from tests.threads.test_threads import make_thread, run_form_team, threads_as_seen

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = re.compile(r'data-testid="thread-title">([^<]*)<')
LISTED_TITLES = re.compile(r'data-testid="thread-link">([^<]*)<')
AGENT_NAMES = re.compile(r'data-testid="agent-name">(.*?)</span>', re.S)


@pytest.fixture(autouse=True)
def fresh_names():
    cache.clear()  # agent names are remembered for a few minutes
    yield
    cache.clear()


@pytest.fixture
def helper_agent(org):
    return factories.create_agent(org.team_a, org.alice.sandbox_user, name="Helper")


def title_on_page(web, thread_id: str) -> str:
    match = TITLE.search(web.get(f"/threads/{thread_id}/").text)
    assert match, "no title on the thread's page"
    return match.group(1).strip()


def forget_agent_names(agent_id: str) -> None:
    """Drop the agent's remembered name (only that: the cache may hold the sessions too)."""
    cache.delete_many([_cache_key(user.pk, agent_id) for user in get_user_model().objects.all()])


def runs_panel(web, thread_id: str, query: str = "") -> str:
    return web.get(f"/threads/{thread_id}/{query}").text.split('data-testid="runs"')[1]


def test_a_new_thread_is_titled_by_its_first_message_kept_upstream(org, alice_web):
    created = alice_web.post(
        "/threads/", {"message": "  How do I   fine-tune on support tickets?\nSecond line"}
    )
    thread_id = created.url.rstrip("/").rsplit("/", 1)[-1]
    title = "How do I fine-tune on support tickets?"
    assert TITLE.search(created.text).group(1).strip() == title
    assert "thread-" not in TITLE.search(created.text).group(1)
    # The upstream keeps it, in the thread's metadata.
    assert SandboxThread.objects.get(pk=thread_id).meta_data == {"title": title}
    assert LISTED_TITLES.findall(threads_as_seen(alice_web)) == [title]


def test_a_thread_without_a_title_is_named_after_its_first_message(org, alice_web):
    long_first = "Summarise " + "the quarterly numbers " * 10
    older = make_thread(org.alice, ("user", long_first), ("assistant", "Sure."), minutes_ago=5)
    empty = make_thread(org.alice)
    titles = LISTED_TITLES.findall(threads_as_seen(alice_web))
    assert titles[0] == "Untitled thread"  # the newer one has no message yet
    assert titles[1].startswith("Summarise the quarterly numbers") and titles[1].endswith("…")
    assert len(titles[1]) <= 80
    assert title_on_page(alice_web, older.pk) == titles[1]
    assert title_on_page(alice_web, empty.pk) == "Untitled thread"


def test_a_title_can_be_edited_and_given_back_to_the_first_message(org, alice_web, bob_web):
    thread = make_thread(org.alice, ("user", "hello there"))
    page = alice_web.get(f"/threads/{thread.pk}/")
    assert 'data-testid="thread-rename"' in page.text
    renamed = alice_web.post(f"/threads/{thread.pk}/title/", {"title": "Launch checklist"})
    assert renamed.url.endswith(f"/threads/{thread.pk}/")
    assert "Thread renamed “Launch checklist”" in renamed.text
    assert title_on_page(alice_web, thread.pk) == "Launch checklist"
    assert LISTED_TITLES.findall(threads_as_seen(alice_web)) == ["Launch checklist"]
    # The title is Alice's: Bob cannot rename her thread (it is not found among his).
    assert bob_web.post(f"/threads/{thread.pk}/title/", {"title": "Mine"}).status_code == 404
    assert title_on_page(alice_web, thread.pk) == "Launch checklist"
    # Emptied, the thread is named after its first message again.
    alice_web.post(f"/threads/{thread.pk}/title/", {"title": "  "})
    assert title_on_page(alice_web, thread.pk) == "hello there"


def test_runs_and_replies_show_the_agents_name(org, alice_web, helper_agent):
    thread = make_thread(org.alice, ("user", "are you there"))
    team = run_form_team(alice_web, thread, org.team_a)
    alice_web.post(f"/threads/{thread.pk}/run/", {"agent_id": helper_agent.pk, "team": team})
    runs = runs_panel(alice_web, thread.pk, f"?team={org.team_a.pk}")
    assert AGENT_NAMES.findall(runs) == ["Helper"]
    assert f"agent {helper_agent.pk}" not in runs
    page = alice_web.get(f"/threads/{thread.pk}/?team={org.team_a.pk}").text
    conversation = page.split('data-testid="conversation"')[1].split('data-testid="run-panel"')[0]
    assert "Helper" in AGENT_NAMES.findall(conversation)  # the reply names its agent
    # Shown with the personal workspace's agents, the name is found in Alice's other teams.
    forget_agent_names(helper_agent.pk)
    assert AGENT_NAMES.findall(runs_panel(alice_web, thread.pk, "?team=personal")) == ["Helper"]
    # The runs panel as it refreshes names it too.
    fragment = alice_web.get(
        f"/threads/{thread.pk}/runs/?team=personal", headers={"HX-Request": "true"}
    ).text
    assert AGENT_NAMES.findall(fragment) == ["Helper"]


def test_an_agent_found_in_none_of_the_teams_keeps_a_short_id(org, alice_web, helper_agent):
    thread = make_thread(org.alice, ("user", "hi"))
    team = run_form_team(alice_web, thread, org.team_a)
    alice_web.post(f"/threads/{thread.pk}/run/", {"agent_id": helper_agent.pk, "team": team})
    agent_id = helper_agent.pk
    helper_agent.delete()
    forget_agent_names(agent_id)
    (shown,) = AGENT_NAMES.findall(runs_panel(alice_web, thread.pk))
    assert shown.startswith("Agent <code>") and agent_id[:12] in shown
    assert "not among the agents of your teams" in runs_panel(alice_web, thread.pk)


def test_send_and_run_posts_the_message_then_runs_the_agent(org, alice_web, helper_agent):
    thread = make_thread(org.alice)
    page = alice_web.get(f"/threads/{thread.pk}/?team={org.team_a.pk}").text
    button = re.search(r'data-testid="send-and-run">(.*?)</button>', page, re.S)
    assert button and re.sub(r"<[^>]+>", "", button.group(1)) == "Send and run with Helper"
    assert re.search(r'type="submit">Send</button>', page)
    shown = alice_web.post(
        f"/threads/{thread.pk}/messages/",
        {
            "text": "what is new?",
            "then_run": "1",
            "agent_id": helper_agent.pk,
            "team": str(org.team_a.pk),
        },
    )
    assert shown.url.endswith(f"/threads/{thread.pk}/?team={org.team_a.pk}")
    assert "The agent answered" in shown.text
    assert "Helper here. You said: what is new?" in shown.text
    roles = list(SandboxMessage.objects.filter(thread=thread).values_list("role", flat=True))
    assert sorted(roles) == ["assistant", "user"]
    assert SandboxRun.objects.get(thread=thread).agent_id == helper_agent.pk
    # Plain "Send" posts the message only.
    alice_web.post(f"/threads/{thread.pk}/messages/", {"text": "thanks"})
    assert SandboxRun.objects.filter(thread=thread).count() == 1


def test_the_page_script_sends_the_message_alone_first(org, alice_web, helper_agent):
    """The script posts the message (answered 204), then streams the run as "Run agent" does."""
    thread = make_thread(org.alice)
    sent = alice_web.post(
        f"/threads/{thread.pk}/messages/",
        {"text": "hello", "then_run": "1", "agent_id": helper_agent.pk, "team": "x"},
        headers={"HX-Request": "true"},
    )
    assert sent.status_code == 204
    assert SandboxMessage.objects.filter(thread=thread).count() == 1
    assert not SandboxRun.objects.filter(thread=thread).exists()
