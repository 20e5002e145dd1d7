"""The threads page costs one upstream call: it lists the threads at once, and each thread's
latest message and its title made from its first message come in a fragment the page loads as
it opens, remembered per person and thread until the thread changes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.accounts.services import add_key
from dashboard.sandbox import conversations, factories, recorder
from dashboard.sandbox.models import SandboxRun
from tests.conftest import Web, make_dashboard_user
from tests.threads.test_threads import (
    HTMX,
    listed_threads,
    make_thread,
    preview_urls,
    thread_calls,
    threads_as_seen,
    threads_table,
    with_fragment,
)

pytestmark = pytest.mark.django_db(transaction=True)

LISTED_TITLES = re.compile(r'data-testid="thread-link">([^<]*)<')


def message_calls(user=None) -> list[tuple[str, str]]:
    """The messages asked for since the recorder was cleared: (thread id, "desc" for the
    latest, "asc" for the first), of ``user`` (a sandbox user) or anyone's."""
    return [
        (r.path.split("/")[2], r.query.get("order"))
        for r in thread_calls()
        if r.path.endswith("/messages") and (user is None or r.user_id == user.pk)
    ]


def test_the_page_lists_every_thread_after_one_upstream_call(org, alice_web):
    made = [make_thread(org.alice, ("user", f"question {n}"), minutes_ago=n) for n in range(20)]
    recorder.clear()
    page = alice_web.get("/threads/")
    assert page.status_code == 200
    assert listed_threads(page.text) == [thread.pk for thread in made]
    assert [(r.method, r.path) for r in recorder.recorded()] == [("GET", "v1/threads/")]
    # Every row waits for its latest message, which one fragment brings for all of them.
    assert page.text.count("Loading…") == 20
    (url,) = preview_urls(page.text)
    recorder.clear()
    fragment = alice_web.get(url, headers=HTMX)
    assert fragment.status_code == 200
    assert sorted(message_calls()) == sorted(
        [(thread.pk, "desc") for thread in made] + [(thread.pk, "asc") for thread in made]
    )
    assert all(f"question {n}" in fragment.text for n in range(20))


def test_previews_and_titles_arrive_in_the_fragment(org, alice_web):
    untitled = make_thread(
        org.alice, ("user", "Plan the offsite\nin May"), ("assistant", "Sure."), minutes_ago=10
    )
    titled = conversations.create_thread(
        org.alice.sandbox_user,
        meta_data={"title": "Budget"},
        created_at=timezone.now() - timedelta(minutes=5),
    )
    conversations.create_message(titled, "user", "numbers for Q3")
    empty = make_thread(org.alice)
    page = alice_web.get("/threads/").text
    assert LISTED_TITLES.findall(page)[1] == "Budget"  # known from the list itself
    assert "Plan the offsite" not in page and "numbers for Q3" not in page
    recorder.clear()
    (url,) = preview_urls(page)
    fragment = alice_web.get(url, headers=HTMX).text
    # Only the threads without a title are asked for their first message.
    assert sorted(message_calls()) == sorted(
        [(untitled.pk, "desc"), (titled.pk, "desc"), (empty.pk, "desc")]
        + [(untitled.pk, "asc"), (empty.pk, "asc")]
    )
    seen = with_fragment(page, fragment)
    assert listed_threads(seen) == [empty.pk, titled.pk, untitled.pk]
    assert LISTED_TITLES.findall(seen) == ["Untitled thread", "Budget", "Plan the offsite"]
    table = threads_table(seen)
    assert "Loading…" not in table
    assert "No messages yet" in table and "numbers for Q3" in table and "Sure." in table
    assert not {r.team_header for r in thread_calls()} - {None}


def test_a_second_visit_with_nothing_changed_asks_for_no_message(org, alice_web):
    made = [make_thread(org.alice, ("user", f"question {n}"), minutes_ago=n) for n in range(5)]
    first = threads_as_seen(alice_web)
    recorder.clear()
    again = alice_web.get("/threads/").text
    assert [(r.method, r.path) for r in recorder.recorded()] == [("GET", "v1/threads/")]
    assert preview_urls(again) == []  # nothing left to load
    assert threads_table(again) == threads_table(first)
    assert all(f"question {n}" in again for n in range(len(made)))


def test_a_new_message_changes_its_preview(org, alice_web):
    changed = make_thread(org.alice, ("user", "old words"))
    make_thread(org.alice, ("user", "other words"), minutes_ago=5)
    threads_as_seen(alice_web)
    alice_web.post(f"/threads/{changed.pk}/messages/", {"text": "new words"})
    recorder.clear()
    page = threads_as_seen(alice_web)
    assert "new words" in threads_table(page) and "other words" in threads_table(page)
    assert LISTED_TITLES.findall(page) == ["old words", "other words"]  # still the first
    # Only the thread that changed is asked again, and only for its latest message.
    assert message_calls() == [(changed.pk, "desc")]


def test_an_agent_reply_through_the_dashboard_shows_at_once(org, alice_web):
    helper = factories.create_agent(org.team_a, org.alice.sandbox_user, name="Helper")
    thread = make_thread(org.alice, ("user", "are you there"))
    threads_as_seen(alice_web)
    alice_web.post(
        f"/threads/{thread.pk}/run/", {"agent_id": helper.pk, "team": str(org.team_a.pk)}
    )
    recorder.clear()
    page = threads_table(threads_as_seen(alice_web))
    assert "Helper here. You said: are you there" in page
    assert message_calls() == [(thread.pk, "desc")]


def test_a_reply_and_a_run_seen_running_are_read_again(org, alice_web):
    thread = make_thread(org.alice, ("user", "are you there"))
    threads_as_seen(alice_web)
    # A run started elsewhere (a script) locks the thread: the list shows it running.
    run = SandboxRun.objects.create(
        id="run-elsewhere", thread=thread, agent_id="agent-x", status="running", model="m"
    )
    thread.status, thread.active_run_id = "locked", run.pk
    thread.save()
    conversations.create_message(thread, "assistant", "half an answer")
    recorder.clear()
    assert "half an answer" in threads_table(threads_as_seen(alice_web))
    assert message_calls() == [(thread.pk, "desc")]
    # It ends with a reply: the thread, available again, is read again too.
    run.status = "completed"
    run.save()
    thread.status, thread.active_run_id = "available", None
    thread.save()
    conversations.create_message(thread, "assistant", "the whole answer")
    assert "the whole answer" in threads_table(threads_as_seen(alice_web))


def test_a_change_made_elsewhere_shows_when_the_person_asks_again(org, alice_web):
    thread = make_thread(org.alice, ("user", "before"))
    threads_as_seen(alice_web)
    conversations.create_message(thread, "assistant", "written by a script")
    assert "written by a script" not in threads_table(threads_as_seen(alice_web))  # remembered
    page = alice_web.get("/threads/").text
    assert 'href="?limit=20&amp;fresh=1"' in page
    recorder.clear()
    fresh = alice_web.get("/threads/?limit=20&fresh=1").text
    assert "written by a script" in threads_table(fresh) and preview_urls(fresh) == []
    assert sorted(message_calls()) == [(thread.pk, "asc"), (thread.pk, "desc")]
    assert "written by a script" in threads_table(alice_web.get("/threads/").text)


def test_previews_of_one_person_are_never_shown_to_another(org, alice_web, bob_web, live_server):
    secret = make_thread(org.alice, ("user", "alice's secret plan"))
    page = alice_web.get("/threads/").text
    (url,) = preview_urls(page)
    assert "secret plan" in alice_web.get(url, headers=HTMX).text  # and remembered for her
    # Bob replays her fragment's address, ids and all: the upstream is asked with his key,
    # and answers that the thread is not his.
    recorder.clear()
    replayed = bob_web.get(url, headers=HTMX)
    assert replayed.status_code == 200
    assert "secret plan" not in replayed.text and "Could not load" in replayed.text
    assert {r.user_id for r in thread_calls()} == {org.bob.sandbox_user.pk}
    assert secret.pk not in listed_threads(bob_web.get("/threads/").text)
    # Another dashboard user whose key acts as alice's own account sees her threads, but
    # nothing remembered for alice: a reply written since (by a script) shows to them at once,
    # while alice still sees what she was shown.
    twin = make_dashboard_user("alice-laptop")
    add_key(user=twin, label="laptop", plaintext=org.alice.api_key, other_account_confirmed=True)
    twin_web = Web(live_server.url)
    twin_web.login("alice-laptop")
    conversations.create_message(secret, "assistant", "a newer reply")
    recorder.clear()
    assert "a newer reply" in threads_table(threads_as_seen(twin_web))
    assert (secret.pk, "desc") in message_calls()
    assert "a newer reply" not in threads_table(alice_web.get("/threads/").text)


def test_without_javascript_one_link_shows_everything(org, alice_web):
    make_thread(org.alice, ("user", "plain html please"))
    page = alice_web.get("/threads/").text
    assert "<noscript>" in page and 'href="?limit=20&amp;wait=1"' in page
    full = alice_web.get("/threads/?limit=20&wait=1").text
    assert preview_urls(full) == [] and "<noscript>" not in full
    assert "plain html please" in threads_table(full)
    assert LISTED_TITLES.findall(full) == ["plain html please"]
    # The fragment's address opened as a page leads there too.
    opened = alice_web.get(preview_urls(page)[0])
    assert opened.url.endswith("/threads/?wait=1") and "plain html please" in opened.text
