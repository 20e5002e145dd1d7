"""Every upstream fault on every main page: a clear message, never a 500, nothing lost."""

from __future__ import annotations

import socket

import pytest

from dashboard.sandbox import faults, services
from dashboard.upstream.http import reset_session
from tests.uploads.conftest import send_file

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
def scene(org, alice_web, settings):
    """Alice in Team A, with a file there and a thread of her own; faults made quick."""
    team_file = services.create_file(org.team_a, org.alice.sandbox_user, filename="a.jsonl")
    thread = services.create_thread(org.alice.sandbox_user)
    services.create_message(thread, "user", "hello")
    alice_web.post("/teams/switch/", {"team_id": str(org.team_a.pk)})
    settings.UPSTREAM_READ_TIMEOUT = 0.6
    settings.UPSTREAM_RETRIES = 0
    settings.UPSTREAM_MAX_BODY_BYTES = 5 * 1024 * 1024
    settings.SANDBOX_FAULT_SLEEP_S = 2
    reset_session()
    return {"file": team_file.pk, "thread": thread.pk}


def pages(scene):
    return {
        "overview": "/",
        "list": "/r/files/",
        "detail": f"/r/files/{scene['file']}/",
        "threads": "/threads/",
        "thread": f"/threads/{scene['thread']}/",
        "audit": "/audit/?wait=1",
        "audit-combined": "/audit/combined/",
    }


def inject(fault: str, settings) -> None:
    if fault == "refused":
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        settings.SEEKR_BASE_URL = f"http://127.0.0.1:{port}/sandbox"
    else:
        faults.set_faults(f"* . {fault}")


def assert_clear_failure(response, what: str) -> None:
    assert response.status_code != 500, f"{what}: 500"
    assert "Traceback" not in response.text, f"{what}: traceback"
    assert any(mark in response.text for mark in ERROR_MARKS), f"{what}: no message shown"


@pytest.mark.parametrize("fault", FAULTS)
def test_every_page_survives_the_fault(scene, alice_web, settings, fault):
    inject(fault, settings)
    for name, path in pages(scene).items():
        response = alice_web.get(path)
        assert_clear_failure(response, f"{name} under {fault}")
        if name != "audit-combined":  # a fragment; the others are whole pages with the header
            assert 'data-testid="active-team"' in response.text, name


@pytest.mark.parametrize("fault", FAULTS)
def test_forms_keep_what_was_entered(scene, alice_web, settings, fault):
    guard = alice_web.guard("/files/upload/")
    inject(fault, settings)
    words = "Please summarise the <report> & keep it short"

    posted = alice_web.post(f"/threads/{scene['thread']}/messages/", {"text": words})
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
        "/files/upload/",
        {"purpose": "fine-tune", "team_guard": guard},
        files={"files": ("train.jsonl", b'{"a": 1}\n', "application/octet-stream")},
    )
    assert_clear_failure(uploaded, f"upload under {fault}")
    assert "train.jsonl" in uploaded.text

    relayed = send_file(alice_web, "relayed.jsonl", b'{"a": 1}\n' * 40_000, guard=guard)
    assert_clear_failure(relayed, f"scripted upload under {fault}")
    assert "relayed.jsonl" in relayed.text and 'data-outcome="failed"' in relayed.text
