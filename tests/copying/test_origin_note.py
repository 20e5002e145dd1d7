"""The record a copy's page reads to say where it came from: the newest one for its team, kind
and id, as ``CopiedResource.objects.filter(…).first()`` finds it, read with SQL built once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.copying.models import CopiedResource
from dashboard.copying.notes import _origin

pytestmark = pytest.mark.django_db

TEAM = "7e57a11c-0000-4000-8000-00000000000a"


def record(team: str, kind: str, resource_id: str, source_id: str, minutes_ago: int = 0):
    made = CopiedResource.objects.create(
        team=team,
        kind=kind,
        resource_id=resource_id,
        source_team="personal",
        source_team_label="Personal",
        source_id=source_id,
    )
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    CopiedResource.objects.filter(pk=made.pk).update(created_at=moment)
    return made


def orm(team: str, kind: str, resource_id: str):
    return CopiedResource.objects.filter(team=team, kind=kind, resource_id=resource_id).first()


def test_the_origin_is_the_newest_record_of_that_team_kind_and_id():
    record(TEAM, "projects", "proj-1", "older", minutes_ago=10)
    newest = record(TEAM, "projects", "proj-1", "newest", minutes_ago=1)
    record(TEAM, "projects", "proj-1", "oldest", minutes_ago=20)
    record("personal", "projects", "proj-1", "other team")
    record(TEAM, "agents", "proj-1", "other kind")
    record(TEAM, "projects", "proj-2", "other id")
    odd = record(TEAM, "files", "50%_off'\"; --", "odd id")

    for key in [
        (TEAM, "projects", "proj-1"),
        ("personal", "projects", "proj-1"),
        (TEAM, "agents", "proj-1"),
        (TEAM, "files", "50%_off'\"; --"),
        (TEAM, "files", "50%"),
        (TEAM, "projects", "proj-3"),
        ("personal", "agents", "proj-2"),
    ]:
        found, expected = _origin(*key), orm(*key)
        assert (found and found.pk) == (expected and expected.pk), key
        if found is not None:
            assert found.source_id == expected.source_id
            assert found.created_at == expected.created_at

    assert _origin(TEAM, "projects", "proj-1").pk == newest.pk
    assert _origin(TEAM, "files", "50%_off'\"; --").pk == odd.pk


def test_the_origin_is_one_query():
    record(TEAM, "projects", "proj-1", "source")
    _origin(TEAM, "projects", "proj-1")
    with CaptureQueriesContext(connection) as queries:
        assert _origin(TEAM, "projects", "proj-1").source_id == "source"
    assert len(queries) == 1
