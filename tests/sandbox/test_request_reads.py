"""What a sandbox request reads: its key's user and its team in one query each, nothing kept
between requests; a list reads its items' values (not model instances) and shows them exactly
as the kind's serializer shows the objects, and counts only when its wrap shows the total."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from dashboard.sandbox import errors, factories, identity, kinds
from dashboard.sandbox.api import Context
from dashboard.sandbox.models import SandboxApiKey, SandboxMembership

pytestmark = pytest.mark.django_db

CODE = 'def main():\n    """Say hello."""\n    return "hello"\n'


@pytest.fixture
def people():
    alice, alice_key = identity.create_user("alice")
    bob, bob_key = identity.create_user("bob")
    team = identity.create_team("Team A", [(alice, "Admin"), (bob, "Creator")])
    return alice, alice_key, bob, bob_key, team


def _some_of_each(team, user, count: int) -> None:
    """``count`` items of every kind, in as many of their states as change what is shown."""
    for n in range(count):
        file = factories.create_file(team, user, filename=f"data-{n}.jsonl")
        factories.create_fine_tune(team, user, experiment_name=f"run-{n}", live=n % 2 == 0)
        tool = factories.create_tool(team, user, name=f"tool-{n}")
        factories.create_agent(team, user, name=f"agent-{n}", tools=[tool])
        factories.create_deployment(team, user, name=f"deployment-{n}", live=n % 2 == 0)
        factories.create_vector_db(team, user, name=f"kb-{n}", files=[file] if n % 2 else [])
        factories.create_project(team, user, name=f"project-{n}")
        factories.create_data_job(team, user, name=f"job-{n}")
        factories.create_python_function(team, user, name=f"fn-{n}", code=CODE)


def _listed(kind: kinds.Kind, team, user) -> tuple[object, list[str]]:
    ctx = Context(RequestFactory().get("/sandbox/" + kind.list_path), user, team)
    with CaptureQueriesContext(connection) as queries:
        answer = kind.list(ctx)
    return answer, [query["sql"] for query in queries]


@pytest.mark.parametrize("kind", kinds.ALL, ids=lambda kind: kind.list_path)
def test_a_list_shows_each_item_as_the_serializer_shows_the_object(people, settings, kind):
    settings.SANDBOX_JOB_STEP_SECONDS = 3600  # live jobs stay where they are during the test
    alice, _, _, _, team = people
    _some_of_each(team, alice, 4)

    answer, _ = _listed(kind, team, alice)

    objects = kind.queryset(team).order_by("-created_at", "-pk")
    expected = kind.wrap([kind.serialize(obj) for obj in objects], objects.count)
    assert answer == expected
    items = answer if isinstance(answer, list) else answer["data"]
    assert len(items) == 4


@pytest.mark.parametrize("kind", kinds.ALL, ids=lambda kind: kind.list_path)
def test_a_list_reads_as_many_times_however_long_it_is(people, kind):
    alice, _, _, _, team = people
    _some_of_each(team, alice, 1)
    _, short = _listed(kind, team, alice)
    _some_of_each(team, alice, 3)
    _, longer = _listed(kind, team, alice)
    assert len(longer) == len(short)


@pytest.mark.parametrize("kind", kinds.ALL, ids=lambda kind: kind.list_path)
def test_only_a_list_that_shows_its_total_counts(people, kind):
    alice, _, _, _, team = people
    _some_of_each(team, alice, 2)

    answer, queries = _listed(kind, team, alice)

    counted = [sql for sql in queries if "__count" in sql]
    shows_total = kind.wrap is kinds.data_list_with_total
    assert len(counted) == (1 if shows_total else 0)
    if shows_total:
        assert answer["total"] == 2


def test_the_key_and_the_team_are_read_in_one_query_each(people):
    alice, alice_key, bob, _, team = people
    with CaptureQueriesContext(connection) as queries:
        assert identity.user_for_key(alice_key) == alice
        assert identity.team_for_header(alice, str(team.pk)) == team
        assert identity.team_for_header(alice, None) == identity.personal_team(alice)
    assert len(queries) == 4
    assert identity.user_for_key("sk-sbx-unknown") is None
    with pytest.raises(errors.Forbidden):
        identity.team_for_header(alice, identity.personal_team(bob).pk.hex)


def test_a_personal_workspace_id_is_refused_where_personal_areas_have_none(people):
    alice, *_ = people
    personal = identity.personal_team(alice)
    assert identity.team_for_header(alice, str(personal.pk)) == personal
    with pytest.raises(errors.Forbidden):
        identity.team_for_header(alice, str(personal.pk), personal_id_allowed=False)


def test_a_revoked_key_or_membership_is_refused_from_the_next_request(people):
    _, _, bob, bob_key, team = people
    assert identity.user_for_key(bob_key) == bob
    assert identity.team_for_header(bob, str(team.pk)) == team

    SandboxMembership.objects.filter(team=team, user=bob).delete()
    with pytest.raises(errors.Forbidden):
        identity.team_for_header(bob, str(team.pk))
    SandboxApiKey.objects.filter(user=bob).delete()
    assert identity.user_for_key(bob_key) is None
