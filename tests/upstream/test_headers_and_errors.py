"""The service layer over real HTTP: the team header rule and the mapping of every failure."""

from __future__ import annotations

import contextlib
import socket

import pytest

from dashboard.sandbox import faults, recorder
from dashboard.upstream import catalog, errors
from dashboard.upstream.catalog import Scope
from dashboard.upstream.client import USER_AGENT, UpstreamClient
from dashboard.upstream.profiles import active_profile
from tests.conftest import for_each_profile, for_each_shape
from tests.profiles import sample

pytestmark = pytest.mark.django_db(transaction=True)


def probe_kind():
    """The active profile's kind a test lists (files, apps)."""
    return catalog.get(active_profile().probe_kind)


def list_fault(mode: str) -> str:
    """A fault rule for GETs of the active profile's sample list."""
    return f"GET ^{sample(active_profile().slug).list_path}$ {mode}"


def requests_to(prefix: str):
    return [r for r in recorder.recorded() if r.path.startswith(prefix)]


@for_each_shape
def test_team_calls_carry_the_active_team_and_nothing_else(org):
    client = UpstreamClient(org.alice.api_key, str(org.team_a.pk))
    recorder.clear()
    for kind in catalog.team_kinds():
        client.resources.list_page(kind, limit=5)
    seen = recorder.recorded()
    assert len(seen) == len(catalog.team_kinds())
    assert {r.team_header for r in seen} == {str(org.team_a.pk)}
    assert all(r.authorization and r.user_agent == USER_AGENT for r in seen)


@for_each_shape
def test_personal_workspace_sends_no_team_header(org):
    client = UpstreamClient(org.alice.api_key, None)
    recorder.clear()
    for kind in catalog.team_kinds():
        client.resources.list_page(kind, limit=5)
    assert [r.team_header for r in recorder.recorded()] == [None] * len(catalog.team_kinds())


def test_thread_calls_never_carry_a_team_header(org):
    client = UpstreamClient(org.alice.api_key, str(org.team_a.pk))
    recorder.clear()
    created = client.request("POST", "v1/threads/", scope=Scope.USER, json_body={"meta_data": {}})
    client.resources.list_page(catalog.THREADS, limit=10)
    client.resources.retrieve(catalog.THREADS, created["id"])
    client.resources.delete(catalog.THREADS, created["id"])
    seen = requests_to("v1/threads")
    assert len(seen) == 4
    assert [r.team_header for r in seen] == [None] * 4


@for_each_shape
def test_api_key_travels_per_call_not_on_the_pooled_session(org, settings):
    from dashboard.upstream.http import get_session

    client = UpstreamClient(org.alice.api_key, str(org.team_a.pk))
    client.resources.list_page(probe_kind(), limit=1)
    session = get_session()
    sent = {h.lower() for h in client.headers(Scope.TEAM)}
    assert not sent & {h.lower() for h in session.headers} - {"user-agent"}
    assert len(session.cookies) == 0


@for_each_shape
def test_upstream_cookies_are_never_kept(org, settings):
    """A cookie set by the upstream for one user must not be replayed for the next."""
    faults.set_faults(list_fault("setcookie"))
    with contextlib.suppress(errors.UpstreamError):
        UpstreamClient(org.alice.api_key).resources.list_page(probe_kind(), limit=1)
    from dashboard.upstream.http import get_session

    assert len(get_session().cookies) == 0


@pytest.mark.parametrize(
    ("mode", "error_class", "words"),
    [
        ("401", errors.BadKeyError, "rejected your API key"),
        ("403", errors.ForbiddenError, "not a member of this team"),
        ("404", errors.NotFoundError, "at this address (404)"),
        ("409", errors.ConflictError, "conflicts"),
        ("422", errors.InvalidRequestError, "invalid"),
        ("429", errors.RateLimitedError, "Try again in 1 second"),
        ("500", errors.UpstreamUnavailableError, "not available right now"),
        ("503", errors.UpstreamUnavailableError, "not available right now"),
        ("html502", errors.UpstreamUnavailableError, "not available right now"),
        ("garbage", errors.BadResponseError, "cannot read"),
        ("wrongshape", errors.BadResponseError, "unexpected shape"),
        ("large", errors.BadResponseError, "far larger than expected"),
    ],
)
@for_each_profile
def test_each_upstream_failure_maps_to_a_message_a_person_can_act_on(
    org, settings, mode, error_class, words
):
    """In a team. Where 403 also means "key rejected" (RunGen.AI), a team call refused with it
    is asked again without the team; refused there too, it was the key."""
    settings.UPSTREAM_MAX_BODY_BYTES = 5 * 1024 * 1024
    faults.set_faults(list_fault(mode))
    if mode == "403" and active_profile().errors.ambiguous(403):
        error_class, words = errors.BadKeyError, "rejected your API key (403)"
    client = UpstreamClient(org.alice.api_key, str(org.team_a.pk))
    with pytest.raises(error_class) as caught:
        client.resources.list_page(probe_kind(), limit=5)
    assert words in caught.value.message
    assert org.alice.api_key not in caught.value.message
    assert "<html" not in caught.value.message.lower()


def test_a_slow_upstream_times_out_with_a_clear_message(org, settings):
    settings.UPSTREAM_READ_TIMEOUT = 0.5
    settings.UPSTREAM_RETRIES = 0
    from dashboard.upstream.http import reset_session

    reset_session()
    settings.SANDBOX_LATENCY_MS = 2000
    with pytest.raises(errors.UpstreamTimeoutError) as caught:
        UpstreamClient(org.alice.api_key).resources.list_page(catalog.FILES, limit=5)
    assert "did not answer in time" in caught.value.message


def test_a_stalled_body_is_reported_not_waited_for_forever(org, settings):
    settings.UPSTREAM_READ_TIMEOUT = 0.5
    settings.SANDBOX_FAULT_SLEEP_S = 3
    faults.set_faults("GET ^v1/flow/files$ stall")
    with pytest.raises(errors.UpstreamUnavailableError):
        UpstreamClient(org.alice.api_key).resources.list_page(catalog.FILES, limit=5)


def test_a_refused_connection_is_reported_as_unreachable(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.UPSTREAM_RETRIES = 0
    from dashboard.upstream.http import reset_session

    reset_session()
    client = UpstreamClient("sk-any-key-1234", base_url=f"http://127.0.0.1:{port}/sandbox")
    with pytest.raises(errors.UpstreamUnreachableError) as caught:
        client.resources.list_page(catalog.FILES, limit=1)
    assert "cannot be reached" in caught.value.message
    reset_session()


def test_idempotent_reads_are_retried_but_writes_never(org, settings):
    settings.UPSTREAM_RETRIES = 2
    from dashboard.upstream.http import reset_session

    reset_session()
    faults.set_faults("* ^v1/flow/files 503")
    client = UpstreamClient(org.alice.api_key)
    recorder.clear()
    with pytest.raises(errors.UpstreamUnavailableError):
        client.resources.list_page(catalog.FILES, limit=1)
    assert len(requests_to("v1/flow/files")) == 3  # the call and two retries
    recorder.clear()
    with pytest.raises(errors.UpstreamUnavailableError):
        client.request("DELETE", "v1/flow/files/file-x", scope=Scope.TEAM)
    assert len(requests_to("v1/flow/files")) == 1


def test_a_refusal_without_a_team_is_about_the_key_not_a_team(org):
    """The personal workspace and threads belong to no team: a 403 there says what the key
    may not do, not that the person is outside a team."""
    faults.set_faults("GET .* 403")
    personal = UpstreamClient(org.alice.api_key)
    for call in (
        lambda: personal.resources.list_page(catalog.FILES, limit=5),
        lambda: personal.threads.list_threads(limit=5),
    ):
        with pytest.raises(errors.ForbiddenError) as caught:
            call()
        assert caught.value.title == "Not allowed"
        assert "your API key is not allowed" in caught.value.message
        assert "team" not in caught.value.message
