"""A slow upstream never holds a page for long: every page has one deadline for its upstream
calls. Read timeouts and retries are the production ones here (20 s, two retries); only the
deadline is short, so a page that waited a read timeout per try would take a minute."""

from __future__ import annotations

import time

import pytest

from dashboard.sandbox import conversations, factories, faults, recorder
from dashboard.upstream.http import reset_session
from tests.conftest import team_url
from tests.reliability.test_fault_matrix import assert_page_survives, pages

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE = 2.0
GRACE = 3.0  # rendering, the sign-in session, a slow machine


@pytest.fixture
def scene(org, alice_web, settings):
    team_file = factories.create_file(org.team_a, org.alice.sandbox_user, filename="a.jsonl")
    factories.create_agent(org.team_a, org.alice.sandbox_user, name="Quick agent")
    thread = conversations.create_thread(org.alice.sandbox_user)
    conversations.create_message(thread, "user", "hello")
    alice_web.get(team_url(org.team_a))  # Team A is her last-used team
    # Every page asks the upstream (no list read before is reused), so each meets the fault.
    settings.UPSTREAM_LIST_CACHE_SECONDS = 0
    settings.UPSTREAM_READ_TIMEOUT = 20.0
    settings.UPSTREAM_RETRIES = 2
    settings.UPSTREAM_PAGE_DEADLINE = DEADLINE
    settings.SANDBOX_FAULT_SLEEP_S = 8
    reset_session()
    return {"team": org.team_a, "kind": "files", "resource": team_file.pk, "thread": thread}


def timed_get(web, path):
    started = time.monotonic()
    response = web.get(path)
    return response, time.monotonic() - started


@pytest.mark.parametrize("fault", ["timeout", "stall"])
def test_every_page_answers_soon_after_its_deadline(scene, alice_web, fault):
    faults.set_faults(f"* . {fault}")
    took = {}
    for name, path in pages(scene).items():
        response, took[name] = timed_get(alice_web, path)
        assert_page_survives(name, response, f"{name} under {fault}")
    slow = {name: round(seconds, 1) for name, seconds in took.items() if seconds > DEADLINE + GRACE}
    assert not slow, f"pages past the deadline under {fault}: {slow}"
    print(f"\n{fault}: " + ", ".join(f"{n} {s:.2f}s" for n, s in took.items()))


def test_a_panel_that_misses_the_deadline_says_timed_out_and_the_others_render(scene, alice_web):
    faults.set_faults("GET ^v1/flow/files timeout")
    response, took = timed_get(alice_web, team_url(scene["team"]))
    assert response.status_code == 200 and took < DEADLINE + GRACE
    files_panel = response.text.split('data-testid="panel-files"', 1)[1].split("</section>", 1)[0]
    assert "Timed out" in files_panel
    agents_panel = response.text.split('data-testid="panel-agents"', 1)[1].split("</section>")[0]
    assert "Quick agent" in agents_panel


def test_a_list_past_its_deadline_answers_504_with_a_message(scene, alice_web):
    faults.set_faults("GET ^v1/flow/files timeout")
    response, took = timed_get(alice_web, team_url(scene["team"], "r/files/"))
    assert response.status_code == 504 and took < DEADLINE + GRACE
    assert "Timed out" in response.text and 'data-testid="upstream-error"' in response.text


def test_fast_failures_are_still_retried_within_the_deadline(scene, alice_web):
    """A 503 answered at once is retried as before: the deadline only stops what is slow."""
    faults.set_faults("GET ^v1/flow/files$ 503")
    recorder.clear()
    response = alice_web.get(team_url(scene["team"], "r/files/"))
    listed = [r for r in recorder.recorded() if r.path == "v1/flow/files"]
    assert response.status_code == 503 and len(listed) == 3, "one try and two retries"
