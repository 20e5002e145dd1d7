"""Upstream profiles: the headers a client sends, how error answers read and how single objects
are unwrapped, for each profile and with header names set in the settings."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from dashboard.upstream import errors, profiles
from dashboard.upstream.catalog import Scope
from dashboard.upstream.client import UpstreamClient

TEAM = "124cb1bb-d8d3-4e9b-9c96-2039fba43e78"


def headers(scope: Scope, team: str | None = TEAM) -> dict[str, str]:
    return UpstreamClient("sk-key", team, base_url="http://upstream.invalid").headers(scope)


def test_seekrflow_sends_the_key_alone_in_authorization_and_the_team_in_x_team_id(settings):
    settings.UPSTREAM_PROFILE = "seekrflow"

    sent = headers(Scope.TEAM)

    assert sent["Authorization"] == "sk-key"
    assert sent["x-team-id"] == TEAM
    assert "x-team-id" not in headers(Scope.USER)
    assert "x-team-id" not in headers(Scope.TEAM, team=None)


def test_rungen_sends_the_key_in_x_api_key(settings):
    settings.UPSTREAM_PROFILE = "rungen"

    sent = headers(Scope.TEAM)

    assert sent["x-api-key"] == "sk-key" and "Authorization" not in sent
    assert sent["x-team-id"] == TEAM
    assert "x-team-id" not in headers(Scope.TEAM, team=None)


def test_header_names_and_scheme_are_settings(settings):
    settings.UPSTREAM_PROFILE = "seekrflow"
    settings.UPSTREAM_KEY_HEADER = "X-API-Key"
    settings.UPSTREAM_KEY_SCHEME = "Bearer"
    settings.UPSTREAM_TEAM_HEADER = "X-Workspace-ID"

    sent = headers(Scope.TEAM)

    assert sent["X-API-Key"] == "Bearer sk-key"
    assert sent["X-Workspace-ID"] == TEAM
    assert "Authorization" not in sent and "x-team-id" not in sent


def test_the_base_url_defaults_to_the_sandbox_in_the_profiles_dialect(settings):
    settings.UPSTREAM_BASE_URL = ""
    settings.LOCAL_SANDBOX_ROOT = "http://127.0.0.1:8000"
    settings.UPSTREAM_PROFILE = "rungen"
    assert profiles.base_url() == "http://127.0.0.1:8000/rungen"
    settings.UPSTREAM_PROFILE = "seekrflow"
    assert profiles.base_url() == "http://127.0.0.1:8000/sandbox"
    settings.UPSTREAM_BASE_URL = "https://flow.example.com/"
    assert profiles.base_url() == "https://flow.example.com"


def test_an_unknown_profile_is_a_configuration_error(settings):
    settings.UPSTREAM_PROFILE = "nonesuch"
    with pytest.raises(ImproperlyConfigured, match="seekrflow"):
        profiles.active_profile()


RUNGEN = profiles.PROFILES["rungen"].errors
SEEKRFLOW = profiles.PROFILES["seekrflow"].errors


def test_rungen_403_without_a_team_reads_as_the_key_rejected():
    error = errors.error_for_status(403, b'{"error": "Invalid API key."}', None, dialect=RUNGEN)

    assert isinstance(error, errors.BadKeyError)
    assert "rejected your API key (403)" in error.message
    assert "member" not in error.message


def test_rungen_403_with_a_team_reads_as_not_a_member_until_told_otherwise():
    error = errors.error_for_status(
        403,
        b'{"error": "You are not a member of this team."}',
        None,
        dialect=RUNGEN,
        team_sent=True,
    )

    assert isinstance(error, errors.ForbiddenError)
    assert error.detail == "You are not a member of this team."


def test_seekrflow_401_is_the_key_and_403_the_team_whatever_was_sent():
    assert isinstance(
        errors.error_for_status(401, b"", None, dialect=SEEKRFLOW), errors.BadKeyError
    )
    forbidden = errors.error_for_status(403, b"", None, dialect=SEEKRFLOW)
    assert isinstance(forbidden, errors.ForbiddenError)


def test_rungen_messages_are_read_from_error():
    error = errors.error_for_status(
        409, b'{"error": "Stop the app first.", "detail": "x"}', None, dialect=RUNGEN
    )
    assert error.detail == "Stop the app first."


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"data": {"id": "a"}}, {"id": "a"}),
        ({"id": "a", "name": "n"}, {"id": "a", "name": "n"}),
        ({"data": [{"id": "a"}]}, {"data": [{"id": "a"}]}),  # a list is not a single object
        ({"id": "a", "data": {"k": 1}}, {"id": "a", "data": {"k": 1}}),  # its own data field
    ],
)
def test_rungen_single_objects_come_bare_or_wrapped(payload, expected):
    assert profiles.PROFILES["rungen"].single(payload) == expected


def test_seekrflow_never_unwraps_a_data_field():
    payload = {"id": "a", "data": {"k": 1}}
    assert profiles.PROFILES["seekrflow"].single(payload) is payload


def test_a_profile_choosing_teams_by_key_is_refused_at_start(settings, monkeypatch):
    from dataclasses import replace

    from dashboard.upstream.catalog.checks import check_catalog

    keyed = replace(profiles.PROFILES["seekrflow"], slug="keyed", team_header=None)
    monkeypatch.setitem(profiles.PROFILES, "keyed", keyed)
    settings.UPSTREAM_PROFILE = "keyed"
    settings.UPSTREAM_TEAM_HEADER = ""

    assert [e.id for e in check_catalog()] == ["catalog.E017"]
    settings.UPSTREAM_TEAM_HEADER = "X-Workspace-ID"
    assert check_catalog() == []
