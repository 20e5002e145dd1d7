"""The SeekrFlow dialect's header names are settings (``SANDBOX_KEY_HEADER``,
``SANDBOX_TEAM_HEADER``), read on every request: with ``X-API-Key`` and ``X-Workspace-ID`` it
takes HSL's header shape and ignores ``Authorization`` and ``x-team-id``."""

from __future__ import annotations

import pytest

from dashboard.sandbox import factories, identity, recorder


@pytest.fixture
def hsl(settings):
    settings.SANDBOX_KEY_HEADER = "X-API-Key"
    settings.SANDBOX_TEAM_HEADER = "X-Workspace-ID"


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["filename"] for item in response.json()["data"]]


@pytest.fixture
def files(org):
    factories.create_file(org.alice.personal, org.alice.user, filename="mine.jsonl")
    factories.create_file(org.team_a, org.alice.user, filename="team-a.jsonl")


def test_the_key_comes_from_the_configured_header_only(org, http, hsl, files):
    assert names(http("GET", "v1/flow/files", headers={"X-API-Key": org.alice.key})) == [
        "mine.jsonl"
    ]
    for headers in (
        {"Authorization": org.alice.key},  # the default header is not read any more
        {"X-API-Key": f"Bearer {org.alice.key}"},  # another header carries the raw key
        {},
    ):
        response = http("GET", "v1/flow/files", headers=headers)
        assert response.status_code == 401, headers
        assert response.json() == {"detail": "Invalid or missing API key."}


def test_the_team_comes_from_the_configured_header_only(org, http, hsl, files):
    key = {"X-API-Key": org.alice.key}
    in_team = http("GET", "v1/flow/files", headers={**key, "X-Workspace-ID": org.team_a_id})
    assert names(in_team) == ["team-a.jsonl"]
    ignored = http("GET", "v1/flow/files", headers={**key, "x-team-id": org.team_b_id})
    assert names(ignored) == ["mine.jsonl"]  # x-team-id means nothing: the personal workspace
    refused = http("GET", "v1/flow/files", headers={**key, "X-Workspace-ID": org.team_b_id})
    assert (refused.status_code, refused.json()) == (403, {"detail": identity.NOT_A_MEMBER})


def test_the_recorder_records_the_configured_headers(org, http, hsl):
    http(
        "GET",
        "v1/flow/files",
        headers={"X-API-Key": org.alice.key, "X-Workspace-ID": org.team_a_id},
    )
    http("GET", "v1/flow/files", headers={"Authorization": org.alice.key, "x-team-id": "t"})
    configured, default = recorder.recorded()
    assert (configured.team_header, configured.authorization, configured.user_id) == (
        org.team_a_id,
        True,
        org.alice.user.pk,
    )
    assert (default.team_header, default.authorization, default.user_id) == (None, False, None)


def test_the_official_sdk_works_with_the_default_headers(org, sdk, files):
    assert [f.filename for f in sdk(org.alice.key, org.team_a_id).files.list().data] == [
        "team-a.jsonl"
    ]


def test_bearer_is_taken_in_authorization_whatever_its_case(org, http, settings, files):
    settings.SANDBOX_KEY_HEADER = "authorization"
    assert names(http("GET", "v1/flow/files", key=f"Bearer {org.alice.key}")) == ["mine.jsonl"]
    assert names(http("GET", "v1/flow/files", key=org.alice.key)) == ["mine.jsonl"]


def test_rungen_keeps_its_own_headers_whatever_the_settings(org, sandbox, http, hsl):
    import requests

    rungen = sandbox.removesuffix("/sandbox") + "/rungen/app"
    mine = requests.get(rungen, headers={"x-api-key": org.alice.key}, timeout=30)
    assert mine.json() == {"data": []}
    in_team = requests.get(
        rungen, headers={"x-api-key": org.alice.key, "X-Workspace-ID": org.team_b_id}, timeout=30
    )
    assert in_team.status_code == 200  # not RunGen's team header: the personal area
    assert requests.get(rungen, headers={"X-API-Key": "nope"}, timeout=30).status_code == 403
