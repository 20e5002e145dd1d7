"""Failing on purpose, added latency, and the request recorder."""

from __future__ import annotations

import time

import httpx
import pytest
import requests
from seekrai.error import APIConnectionError, RateLimitError

from dashboard.sandbox import faults, recorder


@pytest.fixture
def key(org):
    return org.alice.key


def test_latency_is_added_to_every_answer(key, http, settings):
    settings.SANDBOX_LATENCY_MS = 300
    started = time.monotonic()
    assert http("GET", "v1/flow/files", key=key).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_status_faults_answer_json_and_429_says_when_to_retry(key, http, sdk, settings):
    settings.SANDBOX_FAULTS = "GET ^v1/flow/files$ 503; * ^v2/flow/agents 429"
    unavailable = http("GET", "v1/flow/files", key=key)
    assert (unavailable.status_code, unavailable.json()["detail"]) == (
        503,
        "Injected fault: HTTP 503.",
    )
    limited = http("POST", "v2/flow/agents/create", key=key, json={})
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "1")
    assert http("GET", "v1/flow/files/file-1", key=key).status_code == 404  # the rule is anchored
    with pytest.raises(RateLimitError):
        sdk(key).agents.list_agents()
    with pytest.raises(httpx.HTTPError):
        sdk(key).files.list()


def test_rules_match_the_method(key, http):
    faults.set_faults("POST ^v1/threads/$ 500")
    assert http("GET", "v1/threads/", key=key).status_code == 200
    assert http("POST", "v1/threads/", key=key, json={}).status_code == 500


def test_set_faults_overrides_the_setting_until_cleared(key, http, settings):
    settings.SANDBOX_FAULTS = "* ^v1/flow/files 502"
    faults.set_faults("* ^v1/flow/files 418")
    assert http("GET", "v1/flow/files", key=key).status_code == 418
    faults.set_faults("")
    assert http("GET", "v1/flow/files", key=key).status_code == 200
    faults.clear_faults()
    assert http("GET", "v1/flow/files", key=key).status_code == 502


def test_bad_specs_are_refused(key, http, settings):
    for spec in ("GET v1/flow/files", "GET ^v1 explode", "GET ( 500", "GET ^v1 200"):
        with pytest.raises(faults.FaultSpecError):
            faults.set_faults(spec)
    settings.SANDBOX_FAULTS = "GET ^v1 sometimes"
    response = http("GET", "v1/flow/files", key=key)
    assert response.status_code == 500 and "SANDBOX_FAULTS" in response.json()["detail"]


def test_timeout_sleeps_then_answers_504(key, http, settings):
    settings.SANDBOX_FAULT_SLEEP_S = 0.3
    faults.set_faults("GET ^v1/flow/files$ timeout")
    started = time.monotonic()
    assert http("GET", "v1/flow/files", key=key).status_code == 504
    assert time.monotonic() - started >= 0.3


def test_bodies_that_are_not_what_a_client_expects(key, http):
    faults.set_faults(
        "GET ^v1/flow/files$ garbage; GET ^v1/flow/vectordb$ html502; "
        "GET ^v1/flow/projects$ wrongshape"
    )
    garbage = http("GET", "v1/flow/files", key=key)
    assert garbage.status_code == 200
    with pytest.raises(ValueError):
        garbage.json()
    html = http("GET", "v1/flow/vectordb", key=key)
    assert (html.status_code, html.headers["Content-Type"]) == (502, "text/html")
    assert http("GET", "v1/flow/projects", key=key).json() == "unexpected"


def test_setcookie_adds_a_cookie_to_the_normal_answer(key, http):
    faults.set_faults("GET ^v1/flow/files$ setcookie")
    response = http("GET", "v1/flow/files", key=key)
    assert response.json() == {"object": "list", "data": []}
    assert "sandbox-affinity" in response.cookies


def test_large_is_a_valid_json_body_of_about_60_mb(key, http):
    faults.set_faults("GET ^v1/flow/files$ large")
    response = http("GET", "v1/flow/files", key=key, stream=True)
    length = int(response.headers["Content-Length"])
    assert 55 * 1024 * 1024 < length < 65 * 1024 * 1024
    received = sum(len(chunk) for chunk in response.iter_content(1024 * 1024))
    assert received == length


def test_stall_sends_the_start_then_nothing(key, http, settings):
    settings.SANDBOX_FAULT_SLEEP_S = 1
    faults.set_faults("GET ^v1/flow/files$ stall")
    started = time.monotonic()
    response = http("GET", "v1/flow/files", key=key, stream=True, timeout=(5, 0.3))
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.ConnectionError):
        response.content  # noqa: B018 - reading the body is the point
    # Let the server finish its sleep, so the request does not outlive the test's database.
    time.sleep(max(0.0, 1.2 - (time.monotonic() - started)))


def test_reset_breaks_the_connection_off_mid_body(key, http, sdk):
    faults.set_faults("GET ^v1/flow/files$ reset")
    broken = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)
    with pytest.raises(broken):
        http("GET", "v1/flow/files", key=key)
    with pytest.raises(APIConnectionError):
        sdk(key).files.list()
    faults.clear_faults()
    assert http("GET", "v1/flow/files", key=key).status_code == 200  # the server is fine


def test_every_request_is_recorded_without_the_key(org, sdk, http):
    sdk(org.alice.key, org.team_a_id).files.list(limit=5)
    sdk(org.bob.key).agents.threads.list()
    http("GET", "v1/nothing")
    first, second, third = recorder.recorded()
    assert (first.method, first.path, first.query) == ("GET", "v1/flow/files", {"limit": "5"})
    assert (first.team_header, first.authorization, first.user_id) == (
        org.team_a_id,
        True,
        org.alice.user.pk,
    )
    assert first.user_agent.startswith("SeekrFlow/v1 PythonBindings/")
    assert (second.path, second.team_header, second.user_id) == (
        "v1/threads/",
        None,
        org.bob.user.pk,
    )
    assert (third.path, third.authorization, third.user_id) == ("v1/nothing", False, None)
    assert org.alice.key not in repr(recorder.recorded())
    recorder.clear()
    assert recorder.recorded() == []
