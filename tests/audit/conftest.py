"""Resources of every kind in the sandbox, and what the sandbox holds, to compare with."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from django.core.cache import cache

from dashboard.upstream import catalog


@pytest.fixture(autouse=True)
def fresh_cache():
    """Audit snapshots are cached; no test may see another's."""
    cache.clear()
    yield
    cache.clear()


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


@pytest.fixture
def holdings(org, upstream_profile):
    """Alice and Bob's resources: some in their personal workspaces, every kind in Team A,
    a few in Team B (Bob's alone). Dates are fixed so date filters have something to cut.
    ``org.extra["delta"]``: Bob's resource in Team A, ``["helper"]``: one of his personal."""
    if upstream_profile == "rungen":
        return _rungen_holdings(org)
    from dashboard.sandbox import factories, identity
    from dashboard.sandbox.models import SandboxAgent

    alice, bob = org.alice.sandbox_user, org.bob.sandbox_user
    team_a, team_b = org.team_a, org.team_b
    factories.create_file(
        identity.personal_team(bob), bob, filename="bob-notes.jsonl", created_at=at(2024, 1, 2)
    )
    factories.create_agent(
        identity.personal_team(bob), bob, name="Bob's helper", created_at=at(2024, 1, 3)
    )
    factories.create_file(identity.personal_team(alice), alice, filename="alice-notes.jsonl")

    factories.create_file(team_a, alice, filename="alpha.jsonl", created_at=at(2024, 1, 10))
    factories.create_file(team_a, bob, filename="bravo.jsonl", created_at=at(2024, 3, 5))
    factories.create_fine_tune(
        team_a, alice, experiment_name="charlie-run", created_at=at(2024, 2, 1)
    )
    factories.create_agent(team_a, bob, name="Delta agent", created_at=at(2024, 2, 15))
    factories.create_agent(team_a, alice, name="Echo agent", created_at=at(2024, 4, 1))
    factories.create_deployment(team_a, bob, name="foxtrot-prod", created_at=at(2024, 5, 1))
    factories.create_vector_db(team_a, alice, name="golf-kb", created_at=at(2024, 5, 20))
    factories.create_project(team_a, bob, name="hotel project", created_at=at(2024, 6, 1))
    factories.create_tool(team_a, alice, name="india-search", created_at=at(2024, 6, 10))
    factories.create_data_job(team_a, bob, name="juliet-data", created_at=at(2024, 7, 1))

    factories.create_agent(team_b, bob, name="Kilo agent", created_at=at(2024, 8, 1))
    factories.create_project(team_b, bob, name="lima project", created_at=at(2024, 8, 2))
    org.extra["delta"] = SandboxAgent.objects.get(name="Delta agent")
    org.extra["helper"] = SandboxAgent.objects.get(name="Bob's helper")
    return org


def _rungen_holdings(org):
    """The same people and teams on RunGen.AI: apps, ten in Team A as on SeekrFlow."""
    from dashboard.sandbox import factories, identity

    alice, bob = org.alice.sandbox_user, org.bob.sandbox_user
    team_a, team_b = org.team_a, org.team_b

    def app(team, user, name, day):
        return factories.create_app(
            team, user, name=name, created_at=at(2024, 1 + day // 28, 1 + day % 28)
        )

    app(identity.personal_team(bob), bob, "bob-notes", 1)
    org.extra["helper"] = app(identity.personal_team(bob), bob, "Bob's helper", 2)
    app(identity.personal_team(alice), alice, "alice-notes", 3)
    for day, (name, user) in enumerate(
        [
            ("alpha", alice),
            ("bravo", bob),
            ("charlie", alice),
            ("Delta app", bob),
            ("echo", alice),
            ("foxtrot", bob),
            ("golf", alice),
            ("hotel", bob),
            ("india", alice),
            ("juliet", bob),
        ]
    ):
        made = app(team_a, user, name, 10 + 9 * day)
        if name == "Delta app":
            org.extra["delta"] = made
    app(team_b, bob, "Kilo app", 200)
    app(team_b, bob, "lima app", 201)
    return org


def sandbox_models() -> dict[str, type]:
    """The sandbox model behind each of the active profile's team kinds, by list path."""
    from dashboard.sandbox import kinds
    from dashboard.sandbox.models import SandboxApp

    by_path = {kind.list_path: kind.model for kind in kinds.ALL} | {"app": SandboxApp}
    return {kind.slug: by_path[kind.list_path] for kind in catalog.team_kinds()}


def held_counts(team) -> dict[str, int]:
    """What the sandbox holds in ``team``, per kind slug."""
    models = sandbox_models()
    return {slug: model.objects.filter(team=team).count() for slug, model in models.items()}


def held_by_creator(team) -> dict[str, Counter]:
    """Per upstream creator id: how many of each kind they created in ``team``."""
    creators: dict[str, Counter] = {}
    for slug, model in sandbox_models().items():
        for creator_id in model.objects.filter(team=team).values_list("creator_id", flat=True):
            creators.setdefault(str(creator_id), Counter())[slug] += 1
    return creators
