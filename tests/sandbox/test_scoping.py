"""The upstream's rules (DESIGN §1), seen through the official SDK: ``x-team-id`` scopes every
team resource, non-members are refused, other teams' resources are not found, and threads
belong to the user whatever team header is sent."""

from __future__ import annotations

import pytest
from seekrai.error import InvalidRequestError

from dashboard.sandbox import conversations, factories, identity


def _everything(client) -> dict[str, set]:
    """The ids of every team kind the client sees."""
    return {
        "files": {f.id for f in client.files.list().data},
        "fine-tunes": {f.id for f in client.fine_tuning.list().data},
        "agents": {a.id for a in client.agents.list_agents()},
        "deployments": {d.id for d in client.deployments.list().data},
        "vector-dbs": {v.id for v in client.vector_database.list().data},
        "projects": {p.id for p in client.projects.list().data},
        "tools": {t.id for t in client.tools.list().data},
        "data-jobs": {j.id for j in client.data_jobs.list().data},
    }


def _one_of_each(team, user) -> dict[str, set]:
    return {
        "files": {factories.create_file(team, user).pk},
        "fine-tunes": {factories.create_fine_tune(team, user).pk},
        "agents": {factories.create_agent(team, user, name="A").pk},
        "deployments": {factories.create_deployment(team, user, name="D").pk},
        "vector-dbs": {factories.create_vector_db(team, user, name="V").pk},
        "projects": {factories.create_project(team, user, name="Project").pk},
        "tools": {factories.create_tool(team, user, name="T").pk},
        "data-jobs": {factories.create_data_job(team, user, name="J").pk},
    }


def test_each_team_lists_only_its_own_resources(org, sdk):
    in_a = _one_of_each(org.team_a, org.alice.user)
    in_b = _one_of_each(org.team_b, org.bob.user)
    in_bobs_own = _one_of_each(org.bob.personal, org.bob.user)
    assert _everything(sdk(org.bob.key, org.team_a_id)) == in_a
    assert _everything(sdk(org.bob.key, org.team_b_id)) == in_b
    assert _everything(sdk(org.bob.key)) == in_bobs_own  # no header: the personal workspace
    assert _everything(sdk(org.alice.key, org.alice.personal_id)) == {k: set() for k in in_a}


@pytest.mark.parametrize(
    "team",
    ["team_b", "carols_personal", "unknown", "not-a-uuid"],
)
def test_a_team_the_caller_is_not_in_is_refused_with_403(org, sdk, team):
    team_id = {
        "team_b": org.team_b_id,
        "carols_personal": org.carol.personal_id,
        "unknown": "00000000-0000-4000-8000-000000000000",
        "not-a-uuid": "team-b",
    }[team]
    alice = sdk(org.alice.key, team_id)
    with pytest.raises(InvalidRequestError) as caught:
        alice.files.list()
    assert caught.value.http_status == 403
    assert identity.NOT_A_MEMBER in str(caught.value)  # the same words whether it exists or not


def test_another_teams_resource_is_not_found(org, sdk):
    bobs_file = factories.create_file(org.team_b, org.bob.user)
    bobs_agent = factories.create_agent(org.team_b, org.bob.user, name="B")
    alice = sdk(org.alice.key, org.team_a_id)
    for call, resource_id in (
        (alice.files.retrieve, bobs_file.pk),
        (alice.files.delete, bobs_file.pk),
        (alice.agents.retrieve, bobs_agent.pk),
    ):
        with pytest.raises(InvalidRequestError) as caught:
            call(resource_id)
        assert caught.value.http_status == 404
    # Bob reaches it only in its own team.
    assert sdk(org.bob.key, org.team_b_id).files.retrieve(bobs_file.pk).id == bobs_file.pk
    with pytest.raises(InvalidRequestError):
        sdk(org.bob.key, org.team_a_id).files.retrieve(bobs_file.pk)


def test_uploads_land_in_the_team_of_the_header(org, sdk, tmp_path):
    source = tmp_path / "data.jsonl"
    source.write_text('{"a": 1}\n')
    uploaded = sdk(org.bob.key, org.team_b_id).files.upload(source)
    assert [f.id for f in sdk(org.bob.key, org.team_b_id).files.list().data] == [uploaded.id]
    assert sdk(org.bob.key).files.list().data == []


def test_threads_belong_to_the_user_whatever_the_team_header(org, sdk):
    alice_threads = conversations.create_thread(org.alice.user)
    conversations.create_message(alice_threads, "user", "mine")
    conversations.create_thread(org.bob.user)
    views = [
        sdk(org.alice.key),
        sdk(org.alice.key, org.team_a_id),
        sdk(org.alice.key, org.team_b_id),  # not her team: ignored on thread calls
        sdk(org.alice.key, "not-a-uuid"),
    ]
    seen = [[t.id for t in client.agents.threads.list()] for client in views]
    assert seen == [[alice_threads.pk]] * 4
    for client in views:
        messages = client.agents.threads.list_messages(alice_threads.pk)
        assert [m.content for m in messages] == ["mine"]


def test_another_users_thread_is_not_found(org, sdk):
    bobs = conversations.create_thread(org.bob.user)
    alice = sdk(org.alice.key, org.team_a_id)  # even in a team they share
    for call in (alice.agents.threads.retrieve, alice.agents.threads.list_messages):
        with pytest.raises(InvalidRequestError) as caught:
            call(bobs.pk)
        assert caught.value.http_status == 404
