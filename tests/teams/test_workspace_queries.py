"""The workspace and the people directory, read with SQL built once per process, are what the
ORM's queries give: the active key (a full model, its times aware), the saved teams in their
order, the last team, and every dashboard person and staff-given name."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.accounts.models import ApiKey
from dashboard.accounts.services import active_key
from dashboard.people import directory
from dashboard.people.models import CreatorName
from dashboard.teams.models import LastTeam, SavedTeam
from dashboard.teams.selectors import load_workspace
from dashboard.teams.workspace import PERSONAL

pytestmark = pytest.mark.django_db


def key(user, label: str, *, active: bool, upstream_id: str = "", used=None) -> ApiKey:
    return ApiKey.objects.create(
        user=user,
        label=label,
        ciphertext="x",
        last4="1234",
        is_active=active,
        upstream_user_id=upstream_id,
        last_used_at=used,
    )


@pytest.fixture
def people():
    users = get_user_model().objects
    ann = users.create_user("ann", first_name="Ann", last_name="<Lee>")
    bea = users.create_user("bea")
    cid = users.create_user("cid")
    key(ann, "old", active=False, upstream_id="u-1")
    key(ann, "main", active=True, upstream_id="u-1", used=timezone.now() - timedelta(hours=1))
    key(bea, "only", active=True, upstream_id="u-2")
    key(cid, "unused", active=False)
    for team_id, label in [
        ("t-3", "b team"),
        ("t-1", "B team"),
        ("t-2", "a team"),
        ("t-0", "b team"),
    ]:
        SavedTeam.objects.create(user=ann, team_id=team_id, label=label)
    SavedTeam.objects.create(user=bea, team_id="t-9", label="Bea's")
    LastTeam.objects.create(user=ann, team_key="t-2")
    CreatorName.objects.create(creator_id="u-9", display_name='Nine "9"')
    CreatorName.objects.create(creator_id="u-1", display_name="Ann L.")
    return ann, bea, cid


def test_the_workspace_is_what_the_orm_reads(people):
    for user in people:
        with CaptureQueriesContext(connection) as queries:
            workspace = load_workspace(user)
        assert len(queries) == 3
        expected_key = ApiKey.objects.filter(user=user, is_active=True).first()
        assert workspace.key == expected_key
        if expected_key is not None:
            for field in ApiKey._meta.concrete_fields:
                assert getattr(workspace.key, field.attname) == getattr(expected_key, field.attname)
        assert workspace.saved == list(SavedTeam.objects.filter(user=user))
        assert [(t.team_id, t.label) for t in workspace.saved] == list(
            SavedTeam.objects.filter(user=user).values_list("team_id", "label")
        )
        last = LastTeam.objects.filter(user=user).values_list("team_key", flat=True).first()
        assert workspace.last_team_key == (last or PERSONAL)
    ann, _, cid = people
    assert active_key(ann).label == "main" and active_key(cid) is None
    assert timezone.is_aware(active_key(ann).last_used_at)


def test_the_directory_is_what_the_orm_reads(people):
    rows = (
        ApiKey.objects.exclude(upstream_user_id="")
        .order_by("user__username")
        .values_list("upstream_user_id", "user__username", "user__first_name", "user__last_name")
    )
    expected: dict[str, list[str]] = {}
    for upstream_id, *names in rows:
        label = directory.user_label(*names)
        if label not in expected.setdefault(upstream_id, []):
            expected[upstream_id].append(label)
    assert directory.dashboard_people() == {k: " / ".join(v) for k, v in expected.items()}
    assert directory.dashboard_people() == {"u-1": "Ann <Lee>", "u-2": "bea"}
    found = directory.CreatorDirectory("u-2")
    assert found.names == dict(CreatorName.objects.values_list("creator_id", "display_name"))
    assert found.resolve("u-1").name == "Ann L." and found.resolve("u-2").is_you
