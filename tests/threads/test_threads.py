"""Personal threads over real HTTP: the list, a thread's conversation, and agent runs on it."""

from __future__ import annotations

import html
import json
import re
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.audit.models import ActionLog
from dashboard.sandbox import conversations, factories, faults, recorder
from dashboard.sandbox.models import SandboxMessage, SandboxRun, SandboxThread
from tests.conftest import team_url

pytestmark = pytest.mark.django_db(transaction=True)

THREAD_LINK = re.compile(r'href="/threads/(thread-[0-9a-f]+)/"')
RUN_FORM_TEAM = re.compile(r'data-testid="run-form".*?name="team" value="([^"]*)"', re.S)
EVENT_STREAM = {"Accept": "text/event-stream"}
HTMX = {"HX-Request": "true"}
PREVIEW_LOADER = re.compile(r'<div hidden hx-get="([^"]+)"[^>]*data-testid="thread-previews">')
ROW_PART = r'<({tag})\b[^>]*\bid="({id})"[^>]*>.*?</\1>'  # a row's title or preview, by its id
SWAPPED = re.compile(ROW_PART.format(tag="a|span|div", id="(?:title|preview)-[0-9a-f]+"), re.S)


def listed_threads(page: str) -> list[str]:
    return THREAD_LINK.findall(page)


def preview_urls(page: str) -> list[str]:
    """The previews fragments the threads page loads as it opens (htmx, ``load``)."""
    return [html.unescape(url) for url in PREVIEW_LOADER.findall(page)]


def with_fragment(page: str, fragment: str) -> str:
    """The page once htmx has swapped the fragment's out-of-band rows' titles and previews in."""
    for swapped in SWAPPED.finditer(fragment):
        element = swapped.group(0).replace(' hx-swap-oob="true"', "")
        target = re.compile(ROW_PART.format(tag=swapped.group(1), id=swapped.group(2)), re.S)
        page, found = target.subn(lambda _match, element=element: element, page, count=1)
        assert found, f"the fragment fills {swapped.group(2)}, which the page does not have"
    return page


def threads_as_seen(web, path: str = "/threads/") -> str:
    """The threads page as a browser shows it: the page, then its previews fragments."""
    response = web.get(path)
    assert response.status_code == 200
    page = response.text
    for url in preview_urls(page):
        fragment = web.get(url, headers=HTMX)
        assert fragment.status_code == 200 and "<html" not in fragment.text
        page = with_fragment(page, fragment.text)
    return page


def threads_table(page: str) -> str:
    return page.split('data-testid="threads-table"')[1].split("</table>")[0]


def logged(action: str) -> tuple[str, str, str]:
    """The one action-log entry of ``action``: (team id, resource id, outcome)."""
    entry = ActionLog.objects.get(action=action)
    return entry.team_id, entry.resource_id, entry.outcome


def thread_calls():
    return [r for r in recorder.recorded() if r.path.startswith("v1/threads")]


def make_thread(member, *messages: tuple[str, object], minutes_ago: int = 0) -> SandboxThread:
    thread = conversations.create_thread(
        member.sandbox_user, created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    for role, content in messages:
        conversations.create_message(thread, role, content)
    return thread


@pytest.fixture
def helper_agent(org):
    """An agent of Team A (alice is its Admin)."""
    return factories.create_agent(org.team_a, org.alice.sandbox_user, name="Helper")


@pytest.fixture
def alice_in_team_a(org, alice_web):
    """Alice, having last worked in Team A (the team the thread page offers by default)."""
    alice_web.get(team_url(org.team_a))
    return alice_web


def run_form_team(web, thread, team=None) -> str:
    """The team the run form on the thread's page names, as a person's browser would post it
    (``team``: the page's ``?team=``; None for the page as it opens)."""
    query = f"?team={team.pk}" if team is not None else ""
    match = RUN_FORM_TEAM.search(web.get(f"/threads/{thread.pk}/{query}").text)
    assert match, f"no run form on the page of {thread.pk}"
    return match.group(1)


def sse_events(raw: bytes) -> list[dict | str]:
    """The events of a relayed stream, in order (``"[DONE]"`` for the end marker)."""
    events = []
    for block in raw.decode().split("\n\n"):
        payload = "\n".join(
            line[5:].strip() for line in block.splitlines() if line.startswith("data:")
        )
        if payload:
            events.append(payload if payload == "[DONE]" else json.loads(payload))
    return events


def read_as_it_arrives(response, started: float) -> list[tuple[float, bytes]]:
    """Each piece of a streamed response with the time it arrived (seconds after ``started``)."""
    pieces = []
    while piece := response.raw.read1(65536):
        pieces.append((time.monotonic() - started, piece))
    return pieces


def agents_team_label(web, thread) -> str:
    """Whose agents the thread's page offers, as its run panel says."""
    page = web.get(f"/threads/{thread.pk}/").text
    match = re.search(r'data-testid="agents-team-label">([^<]*)<', page)
    assert match, f"no agents panel on the page of {thread.pk}"
    return match.group(1).strip()


# --- The list --------------------------------------------------------------------------------
def test_the_list_is_the_same_under_every_team_and_sent_without_a_team(org, bob_web):
    older = make_thread(org.bob, ("user", "first question"), minutes_ago=10)
    newer = make_thread(org.bob, ("user", "hello"), ("assistant", "Hi Bob, how can I help?"))
    pages = {}
    for team in (None, org.team_a, org.team_b):
        bob_web.get(team_url(team))  # the team last worked in
        recorder.clear()
        page = threads_as_seen(bob_web)
        assert "Threads are personal" in page
        pages[team.pk if team else "personal"] = threads_table(page)
        calls = thread_calls()
        assert [r.path for r in calls if not r.path.endswith("/messages")] == ["v1/threads/"]
        asked = [r.query for r in calls if r.path.endswith("/messages")]
        if team is None:  # the previews are asked once, then remembered
            previews = [q for q in asked if q["order"] == "desc"]
            assert previews == [{"limit": "1", "order": "desc"}] * 2  # one per thread listed
            # Neither thread has a title, so each is named after its first message, asked too.
            firsts = [q for q in asked if q["order"] == "asc"]
            assert firsts == [{"limit": "1", "order": "asc"}] * 2
        else:
            assert asked == []
        assert {r.team_header for r in calls} == {None}
    assert listed_threads(pages["personal"]) == [newer.pk, older.pk]  # newest first
    assert pages["personal"] == pages[org.team_a.pk] == pages[org.team_b.pk]
    assert "Hi Bob, how can I help?" in pages["personal"]
    assert "first question" in pages["personal"]


def test_the_list_shows_more_by_raising_the_limit(org, alice_web):
    for age in range(23):
        make_thread(org.alice, ("user", f"question {age}"), minutes_ago=age)
    first = threads_as_seen(alice_web)
    shown = listed_threads(first)
    assert len(shown) == 20
    assert "question 0" in first and "question 19" in first
    assert "question 20" not in first
    assert 'href="?limit=40"' in first
    recorder.clear()
    more = threads_as_seen(alice_web, "/threads/?limit=40")
    assert len(listed_threads(more)) == 23
    assert listed_threads(more)[:20] == shown
    assert "question 22" in more
    assert "Show more" not in more
    lists = [r for r in thread_calls() if r.path == "v1/threads/"]
    assert [(r.query.get("limit"), r.query.get("order")) for r in lists] == [("41", "desc")]
    # Only the three threads not shown before are asked for their messages.
    asked = {r.path for r in thread_calls() if r.path.endswith("/messages")}
    assert len(asked) == 3


def test_creating_a_thread_with_a_first_message_is_personal_in_the_log(org, alice_in_team_a):
    recorder.clear()
    created = alice_in_team_a.post("/threads/", {"message": "What can you do?"})
    thread = SandboxThread.objects.get(user=org.alice.sandbox_user)
    assert created.url.endswith(f"/threads/{thread.pk}/")
    assert "What can you do?" in created.text
    assert [m.content for m in thread.messages.all()] == ["What can you do?"]
    assert {r.team_header for r in thread_calls()} == {None}
    entries = ActionLog.objects.filter(action__in=["thread.created", "message.posted"])
    assert {(e.action, e.team_id, e.outcome) for e in entries} == {
        ("thread.created", "", "success"),
        ("message.posted", "", "success"),
    }


# --- One thread ------------------------------------------------------------------------------
def test_the_conversation_shows_every_typed_part_oldest_first(org, alice_web):
    thread = make_thread(
        org.alice,
        ("user", [{"type": "input_text", "text": "Compare these"}]),
        ("user", [{"type": "input_file", "file_id": "file-abc123"}]),
        ("user", [{"type": "input_image", "detail": "high", "image_url": "https://x.test/i.png"}]),
        (
            "assistant",
            [
                {"type": "output_text", "text": "Here is the answer", "annotations": ["doc-7"]},
                {
                    "type": "output_guardrail",
                    "text": "Part was withheld",
                    "guardrail": [{"name": "pii"}],
                },
            ],
        ),
    )
    page = alice_web.get(f"/threads/{thread.pk}/")
    assert page.status_code == 200
    body = page.text
    for seen in (
        "Compare these",
        "file-abc123",
        "https://x.test/i.png",
        "Here is the answer",
        "doc-7",
        "Guardrail",
        "Part was withheld",
        "pii",
    ):
        assert seen in body
    assert body.index("Compare these") < body.index("file-abc123") < body.index("Here is the")
    assert "This thread is personal" in body


def test_posting_a_message_adds_it_at_the_bottom(org, alice_web):
    thread = make_thread(org.alice, ("user", "earlier words"))
    recorder.clear()
    shown = alice_web.post(f"/threads/{thread.pk}/messages/", {"text": "Later words"})
    assert shown.url.endswith(f"/threads/{thread.pk}/")
    assert shown.text.index("earlier words") < shown.text.index("Later words")
    posted = [r for r in thread_calls() if r.method == "POST"]
    assert [r.path for r in posted] == [f"v1/threads/{thread.pk}/messages"]
    assert posted[0].team_header is None
    stored = thread.messages.order_by("created_at").last()
    assert stored.content == "Later words" and stored.role == "user"


def test_deleting_a_message_asks_first(org, alice_web):
    thread = make_thread(org.alice, ("user", "keep me"), ("user", "remove me"))
    doomed = thread.messages.get(content="remove me")
    confirm = alice_web.get(f"/threads/{thread.pk}/messages/{doomed.pk}/delete/")
    assert "Delete this message?" in confirm.text and "remove me" in confirm.text
    assert SandboxMessage.objects.filter(pk=doomed.pk).exists()
    after = alice_web.post(f"/threads/{thread.pk}/messages/{doomed.pk}/delete/")
    assert "Message deleted" in after.text and "remove me" not in after.text
    assert list(thread.messages.values_list("content", flat=True)) == ["keep me"]
    assert logged("message.deleted") == ("", doomed.pk, "success")


def test_deleting_a_thread_asks_first(org, alice_in_team_a):
    thread = make_thread(org.alice, ("user", "bye"))
    confirm = alice_in_team_a.get(f"/threads/{thread.pk}/delete/")
    assert "Delete this thread?" in confirm.text and "bye" in confirm.text
    assert SandboxThread.objects.filter(pk=thread.pk).exists()
    after = alice_in_team_a.post(f"/threads/{thread.pk}/delete/")
    assert after.url.endswith("/threads/") and f"Thread {thread.pk} deleted" in after.text
    assert not SandboxThread.objects.filter(pk=thread.pk).exists()
    assert logged("thread.deleted") == ("", thread.pk, "success")


def test_another_persons_thread_answers_not_found(org, alice_web, bob_web):
    mine = make_thread(org.alice, ("user", "alice's secret plan"))
    message = mine.messages.get()
    assert mine.pk not in listed_threads(bob_web.get("/threads/").text)
    for path in (
        f"/threads/{mine.pk}/",
        f"/threads/{mine.pk}/delete/",
        f"/threads/{mine.pk}/messages/{message.pk}/delete/",
    ):
        page = bob_web.get(path)
        assert page.status_code == 404, path
        assert "There is no such" in page.text and "secret plan" not in page.text
    assert bob_web.post(f"/threads/{mine.pk}/delete/").status_code == 404
    assert bob_web.post(f"/threads/{mine.pk}/messages/", {"text": "hi"}).status_code == 404
    assert SandboxThread.objects.filter(pk=mine.pk).exists()
    assert list(mine.messages.values_list("content", flat=True)) == ["alice's secret plan"]
    assert ActionLog.objects.filter(
        username="bob", action="thread.deleted", outcome="failure"
    ).exists()


# --- Agent runs ------------------------------------------------------------------------------
def test_a_run_is_relayed_chunk_by_chunk(org, alice_in_team_a, helper_agent, settings):
    settings.SANDBOX_STREAM_DELAY_MS = 120
    words = "one two three four five six seven eight"
    thread = make_thread(org.alice, ("user", words))
    recorder.clear()
    team = run_form_team(alice_in_team_a, thread)  # the page a person runs it from
    assert team == str(org.team_a.pk)
    started = time.monotonic()
    response = alice_in_team_a.post(
        f"/threads/{thread.pk}/run/",
        {"agent_id": helper_agent.pk, "team": team},
        headers=EVENT_STREAM,
        stream=True,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    pieces = read_as_it_arrives(response, started)
    total = time.monotonic() - started
    deltas = [
        (at, event)
        for at, piece in pieces
        for event in sse_events(piece)
        if isinstance(event, dict) and event.get("type") == "text-delta"
    ]
    # The reply is "Helper here. You said: one … eight": 12 words, one every 120 ms.
    assert len(deltas) == 12
    first_at, last_at = deltas[0][0], deltas[-1][0]
    assert total > 1.2
    assert first_at < total / 3, "the first words reach the browser before the last exist"
    assert last_at - first_at > 1.0
    events = sse_events(b"".join(piece for _, piece in pieces))
    assert events[-1] == "[DONE]"
    text = "".join(e["delta"] for e in events if isinstance(e, dict) and e["type"] == "text-delta")
    assert text == f"Helper here. You said: {words}"
    # Only the run start (and the agents offered, and the agent checked to be the team's)
    # name the team; thread calls go without one.
    headers = {(r.method, r.path): r.team_header for r in recorder.recorded()}
    start = ("POST", f"v1/threads/{thread.pk}/runs/stream/vercel")
    agent = ("GET", f"v2/flow/agents/{helper_agent.pk}")
    assert headers.pop(start) == headers.pop(("GET", "v2/flow/agents/")) == str(org.team_a.pk)
    assert headers.pop(agent) == str(org.team_a.pk)
    assert {p for _, p in headers} >= {f"v1/threads/{thread.pk}", f"v1/threads/{thread.pk}/runs"}
    assert set(headers.values()) == {None}
    run = SandboxRun.objects.get(thread=thread)
    assert run.status == "completed"
    assert logged("run.started") == (str(org.team_a.pk), run.pk, "success")


def test_a_run_without_javascript_shows_the_reply_once_done(org, alice_in_team_a, helper_agent):
    thread = make_thread(org.alice, ("user", "are you there"))
    team = run_form_team(alice_in_team_a, thread)
    shown = alice_in_team_a.post(
        f"/threads/{thread.pk}/run/", {"agent_id": helper_agent.pk, "team": team}
    )
    # Back on the thread's page, offering the agents of the team just used.
    assert shown.url.endswith(f"/threads/{thread.pk}/?team={team}")
    assert "The agent answered" in shown.text
    assert "Helper here. You said: are you there" in shown.text
    assert shown.text.index("are you there") < shown.text.index("Helper here.")
    assert "Completed" in shown.text.split('data-testid="runs"')[1]


def test_a_run_form_acts_in_the_team_it_was_rendered_for(org, alice_web, helper_agent):
    """A run form shown for Team A runs in Team A, whatever another tab did since."""
    thread = make_thread(org.alice, ("user", "hello"))
    team = run_form_team(alice_web, thread, org.team_a)
    assert team == str(org.team_a.pk)
    alice_web.get(team_url(None))  # another tab moves to the personal workspace
    assert agents_team_label(alice_web, thread) == "Personal workspace"  # it opens there now
    recorder.clear()
    shown = alice_web.post(
        f"/threads/{thread.pk}/run/", {"agent_id": helper_agent.pk, "team": team}
    )
    assert shown.status_code == 200 and "The agent answered" in shown.text
    start = [r for r in recorder.recorded() if r.path.endswith("/runs/stream/vercel")]
    assert [r.team_header for r in start] == [str(org.team_a.pk)]
    run = SandboxRun.objects.get(thread=thread)
    assert run.status == "completed"
    assert logged("run.started") == (str(org.team_a.pk), run.pk, "success")


def test_a_running_run_can_be_cancelled(org, alice_in_team_a, helper_agent, settings):
    settings.SANDBOX_STREAM_DELAY_MS = 150
    thread = make_thread(org.alice, ("user", " ".join(["word"] * 40)))
    team = run_form_team(alice_in_team_a, thread)
    response = alice_in_team_a.post(
        f"/threads/{thread.pk}/run/",
        {"agent_id": helper_agent.pk, "team": team},
        headers=EVENT_STREAM,
        stream=True,
    )
    first = response.raw.read1(65536)  # the stream is under way
    assert b'"type":"start"' in first
    run = SandboxRun.objects.get(thread=thread)
    assert run.status == "running"
    # The page shows the running run with a way to cancel it.
    page = alice_in_team_a.get(f"/threads/{thread.pk}/")
    assert 'data-testid="active-run"' in page.text and run.pk in page.text
    recorder.clear()
    cancelled = alice_in_team_a.post(
        f"/threads/{thread.pk}/run/cancel/",
        {"team": team},
        headers={"HX-Request": "true"},
    )
    assert cancelled.status_code == 204
    rest = []
    reader = threading.Thread(
        target=lambda: rest.extend(read_as_it_arrives(response, time.monotonic()))
    )
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "the stream ends once the run is cancelled"
    events = sse_events(first + b"".join(piece for _, piece in rest))
    assert {"type": "error", "errorText": "The run was cancelled."} in events
    deltas = [e for e in events if isinstance(e, dict) and e.get("type") == "text-delta"]
    assert len(deltas) < 20
    run.refresh_from_db()
    assert run.status == "cancelled"
    assert not thread.messages.filter(role="assistant").exists()
    cancel_calls = [r for r in recorder.recorded() if r.path.endswith("/cancel")]
    assert [r.team_header for r in cancel_calls] == [str(org.team_a.pk)]
    assert logged("run.cancelled") == (str(org.team_a.pk), run.pk, "success")


def test_cancelling_when_nothing_runs_says_so(org, alice_in_team_a, helper_agent):
    thread = make_thread(org.alice, ("user", "hello"))
    team = run_form_team(alice_in_team_a, thread)
    page = alice_in_team_a.post(f"/threads/{thread.pk}/run/cancel/", {"team": team})
    assert page.status_code == 409
    assert "No agent run is running on this thread" in page.text
    assert logged("run.cancelled")[2] == "failure"
    # A finished run named by the page's form (as the runs panel names it) is not cancelled.
    alice_in_team_a.post(f"/threads/{thread.pk}/run/", {"agent_id": helper_agent.pk, "team": team})
    run = SandboxRun.objects.get(thread=thread)
    again = alice_in_team_a.post(
        f"/threads/{thread.pk}/run/cancel/", {"team": team, "run_id": run.pk}
    )
    assert again.status_code == 409 and "already completed" in again.text
    run.refresh_from_db()
    assert run.status == "completed"


def test_the_run_panel_lists_only_the_chosen_teams_agents(org, bob_web):
    factories.create_agent(org.team_a, org.alice.sandbox_user, name="Agent of A")
    factories.create_agent(org.team_b, org.bob.sandbox_user, name="Agent of B")
    thread = make_thread(org.bob, ("user", "hi"))
    in_a = bob_web.get(f"/threads/{thread.pk}/?team={org.team_a.pk}").text
    in_b = bob_web.get(f"/threads/{thread.pk}/?team={org.team_b.pk}").text
    assert "Agent of A" in in_a and "Agent of B" not in in_a
    assert 'data-testid="agents-team-label">Team A<' in in_a
    assert 'data-testid="agents-team-label">Team B<' in in_b
    assert "Agent of B" in in_b and "Agent of A" not in in_b
    conversation = 'data-testid="conversation"'
    assert (
        in_a.split(conversation)[1].split("</section>")[0]
        == (in_b.split(conversation)[1].split("</section>")[0])
    )


def test_a_run_the_upstream_refuses_is_explained(org, alice_in_team_a, helper_agent):
    thread = make_thread(org.alice, ("user", "hello"))
    team = run_form_team(alice_in_team_a, thread)
    faults.set_faults("POST ^v1/threads/.*/runs/stream/vercel$ 503")
    from_script = alice_in_team_a.post(
        f"/threads/{thread.pk}/run/",
        {"agent_id": helper_agent.pk, "team": team},
        headers={**EVENT_STREAM, "HX-Request": "true"},
    )
    assert from_script.status_code == 503
    assert 'data-testid="upstream-error"' in from_script.text
    assert "<html" not in from_script.text  # a fragment the page's script shows in place
    faults.set_faults("POST ^v1/threads/.*/runs/stream/vercel$ wrongshape")
    plain = alice_in_team_a.post(
        f"/threads/{thread.pk}/run/", {"agent_id": helper_agent.pk, "team": team}
    )
    assert plain.status_code == 502 and "other than an event stream" in plain.text
    outcomes = ActionLog.objects.filter(action="run.started").order_by("id")
    # Refused (503: not handled), then answered with something else than a run: it may
    # have started.
    assert [e.outcome for e in outcomes] == ["failure", "unknown"]
    assert all(e.team_id == str(org.team_a.pk) for e in ActionLog.objects.all() if e.kind == "run")


def test_an_id_cannot_reshape_the_upstream_call(alice_web):
    recorder.clear()
    page = alice_web.get("/threads/x%3Flimit=1%23/")
    assert page.status_code == 404
    detail_calls = [r for r in thread_calls() if r.path.startswith("v1/threads/x")]
    assert detail_calls and {(r.path, tuple(r.query)) for r in detail_calls} <= {
        ("v1/threads/x?limit=1#", ()),
        ("v1/threads/x?limit=1#/messages", ("limit", "order")),
        ("v1/threads/x?limit=1#/runs", ()),
    }


def test_a_run_is_cancelled_in_the_team_it_was_started_in(org, alice_web, helper_agent, settings):
    """The runs panel refreshes on its own; its cancel form, however the page was opened since
    (here: with the personal workspace's agents), cancels in the run's own team."""
    settings.SANDBOX_STREAM_DELAY_MS = 150
    thread = make_thread(org.alice, ("user", " ".join(["word"] * 40)))
    response = alice_web.post(
        f"/threads/{thread.pk}/run/",
        {"agent_id": helper_agent.pk, "team": str(org.team_a.pk)},
        headers=EVENT_STREAM,
        stream=True,
    )
    assert b'"type":"start"' in response.raw.read1(65536)
    run = SandboxRun.objects.get(thread=thread)
    panel = alice_web.get(
        f"/threads/{thread.pk}/runs/?team=personal", headers={"HX-Request": "true"}
    ).text
    assert 'data-testid="active-run"' in panel and run.pk in panel
    form = panel.split('data-testid="active-run"', 1)[1].split("</form>", 1)[0]
    posted = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    assert posted["run_id"] == run.pk and posted["team"] == "personal"
    recorder.clear()
    cancelled = alice_web.post(f"/threads/{thread.pk}/run/cancel/", posted)
    response.close()
    assert cancelled.status_code == 200 and f"Agent run {run.pk} cancelled." in cancelled.text
    cancel_calls = [r for r in recorder.recorded() if r.path.endswith("/cancel")]
    assert [r.team_header for r in cancel_calls] == [str(org.team_a.pk)]
    assert logged("run.cancelled") == (str(org.team_a.pk), run.pk, "success")
