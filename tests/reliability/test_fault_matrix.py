"""Every upstream fault on every main page: a clear message, never a 500, nothing lost."""

from __future__ import annotations

import socket

import pytest

from dashboard.sandbox import conversations, faults
from dashboard.upstream.http import reset_session
from dashboard.upstream.profiles import Feature, active_profile
from tests.conftest import for_each_profile, team_url
from tests.profiles import sample
from tests.uploads.conftest import send_file, upload_url

pytestmark = pytest.mark.django_db(transaction=True)

FAULTS = [
    "timeout",
    "refused",
    "401",
    "403",
    "404",
    "409",
    "422",
    "429",
    "500",
    "html502",
    "503",
    "garbage",
    "wrongshape",
    "large",
    "stall",
]
ERROR_MARKS = (
    'data-testid="upstream-error"',
    'role="alert"',
    'data-outcome="failed"',
    'data-testid="not-found"',
)


@pytest.fixture
def scene(org, alice_web, settings, upstream_profile):
    """Alice working in Team A, with a resource there and (where the upstream has threads) a
    thread of her own; faults made quick."""
    made = sample(upstream_profile)
    resource = made.make(org.team_a, org.alice.sandbox_user, "alpha")
    thread = None
    if active_profile().has(Feature.THREADS):
        thread = conversations.create_thread(org.alice.sandbox_user)
        conversations.create_message(thread, "user", "hello")
    alice_web.get(team_url(org.team_a))  # Team A is her last-used team
    # Every page asks the upstream (no list read before is reused), so each meets the fault.
    settings.UPSTREAM_LIST_CACHE_SECONDS = 0
    settings.UPSTREAM_READ_TIMEOUT = 0.6
    settings.UPSTREAM_RETRIES = 0
    settings.UPSTREAM_MAX_BODY_BYTES = 5 * 1024 * 1024
    settings.SANDBOX_FAULT_SLEEP_S = 2
    reset_session()
    return {"team": org.team_a, "kind": made.kind, "resource": resource.pk, "thread": thread}


def pages(scene):
    """Every main page the profile has."""
    team, kind = scene["team"], scene["kind"]
    shown = {
        "overview": team_url(team),
        "list": team_url(team, f"r/{kind}/"),
        "detail": team_url(team, f"r/{kind}/{scene['resource']}/"),
        "audit": "/audit/?wait=1",
        "audit-combined": "/audit/combined/",
    }
    if active_profile().has(Feature.UPLOADS):
        shown["upload"] = upload_url(team)
    if scene["thread"] is not None:
        shown["threads"] = "/threads/"
        shown["thread"] = f"/threads/{scene['thread'].pk}/?team={team.pk}"
    return shown


# Pages shown without asking the upstream anything: whole, whatever the upstream does.
WITHOUT_UPSTREAM = {"upload": 'id="upload-form"'}


def inject(fault: str, settings) -> None:
    if fault == "refused":
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        settings.UPSTREAM_BASE_URL = f"http://127.0.0.1:{port}/sandbox"
    else:
        faults.set_faults(f"* . {fault}")


def assert_clear_failure(response, what: str) -> None:
    assert response.status_code != 500, f"{what}: 500"
    assert "Traceback" not in response.text, f"{what}: traceback"
    assert any(mark in response.text for mark in ERROR_MARKS), f"{what}: no message shown"


def assert_page_survives(name: str, response, what: str) -> None:
    """A page that asks the upstream says clearly that it failed; one that does not is whole."""
    if name in WITHOUT_UPSTREAM:
        assert response.status_code == 200, f"{what}: {response.status_code}"
        assert "Traceback" not in response.text, f"{what}: traceback"
        assert WITHOUT_UPSTREAM[name] in response.text, f"{what}: not shown whole"
    else:
        assert_clear_failure(response, what)


@for_each_profile
@pytest.mark.parametrize("fault", FAULTS)
def test_every_page_survives_the_fault(scene, alice_web, settings, fault):
    inject(fault, settings)
    team = scene["team"]
    for name, path in pages(scene).items():
        response = alice_web.get(path)
        assert_page_survives(name, response, f"{name} under {fault}")
        if name != "audit-combined":  # a fragment; the others are whole pages with the header
            active = response.text.split('data-testid="active-team"', 1)[-1].split("</div>", 1)
            assert len(active) == 2, f"{name}: no header"
            assert "Team A" in active[0] and str(team.pk) in active[0], name


@for_each_profile
@pytest.mark.parametrize("fault", FAULTS)
def test_a_create_form_keeps_what_was_entered(scene, alice_web, settings, fault, upstream_profile):
    made = sample(upstream_profile)
    url = team_url(scene["team"], f"r/{made.creatable}/new/")
    alice_web.get(url)  # the form, read while the upstream answers
    inject(fault, settings)

    refused = alice_web.post(url, made.create_form)

    assert_clear_failure(refused, f"create under {fault}")
    name = made.create_form["name"]
    shown = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert f'value="{shown}"' in refused.text, f"create under {fault}: typed name lost"


@pytest.mark.parametrize("fault", FAULTS)
def test_forms_keep_what_was_entered(scene, alice_web, settings, fault):
    team_a = scene["team"]
    inject(fault, settings)
    words = "Please summarise the <report> & keep it short"

    posted = alice_web.post(f"/threads/{scene['thread'].pk}/messages/", {"text": words})
    assert_clear_failure(posted, f"message under {fault}")
    assert "Please summarise the &lt;report&gt; &amp; keep it short" in posted.text

    created = alice_web.post("/threads/", {"message": words})
    assert_clear_failure(created, f"new thread under {fault}")
    assert "Please summarise the &lt;report&gt; &amp; keep it short" in created.text

    team = alice_web.post(
        "/teams/", {"team_id": "124cb1bb-d8d3-4e9b-9c96-2039fba43e78", "label": "Kept label"}
    )
    assert team.status_code != 500 and 'value="Kept label"' in team.text

    uploaded = alice_web.post(
        upload_url(team_a),
        {"purpose": "fine-tune"},
        files={"files": ("train.jsonl", b'{"a": 1}\n', "application/octet-stream")},
    )
    assert_clear_failure(uploaded, f"upload under {fault}")
    assert "train.jsonl" in uploaded.text

    relayed = send_file(alice_web, "relayed.jsonl", b'{"a": 1}\n' * 40_000, team=team_a)
    assert_clear_failure(relayed, f"scripted upload under {fault}")
    assert "relayed.jsonl" in relayed.text and 'data-outcome="failed"' in relayed.text
