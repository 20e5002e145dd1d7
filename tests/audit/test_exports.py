"""The ownership exports: CSV and its JSON twin, streamed, honouring the page's filters."""

from __future__ import annotations

import csv
import io
import json

import pytest

from dashboard.people.models import CreatorName
from dashboard.sandbox import factories, identity
from dashboard.sandbox.models import SandboxMembership
from dashboard.upstream import catalog
from tests.audit.conftest import sandbox_models

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = ["team", "team_id", "kind", "resource_id", "name", "creator_id", "creator_name", "created"]


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment;" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


def held_rows(teams: dict[str, tuple[str, object]], names: dict[str, str]) -> set[tuple]:
    """What the sandbox holds, as export rows: teams maps team id -> (label, sandbox team)."""
    expected = set()
    for slug, model in sandbox_models().items():
        kind = catalog.get(slug)
        for team_id, (label, team) in teams.items():
            for obj in model.objects.filter(team=team):
                name = getattr(obj, kind.name_field)
                creator = str(obj.creator_id)
                created = obj.created_at.isoformat()
                row = (label, team_id, slug, str(obj.pk), name, creator, names[creator], created)
                expected.add(row)
    return expected


def test_the_csv_holds_every_resource_with_its_team_and_creator(holdings, bob_web):
    bob, alice = holdings.bob.upstream_id, holdings.alice.upstream_id
    CreatorName.objects.create(creator_id=alice, display_name="Alice Liddell")
    teams = {
        holdings.bob.personal_team_id: (
            "Personal workspace",
            identity.personal_team(holdings.bob.sandbox_user),
        ),
        str(holdings.team_a.pk): ("Team A", holdings.team_a),
        str(holdings.team_b.pk): ("Team B", holdings.team_b),
    }
    bob_web.get("/audit/team/personal/")  # learns the personal workspace's id, as a visit would
    rows = read_csv(bob_web.get("/audit/export.csv"))
    got = {tuple(row.values()) for row in rows}
    assert len(rows) == len(got)  # no duplicates
    assert got == held_rows(teams, {bob: "bob", alice: "Alice Liddell"})  # never "you"


def test_the_exports_honour_the_filters_and_sort(holdings, bob_web):
    team_a = str(holdings.team_a.pk)
    query = f"in_team={team_a}&kind=agents&sort=name"
    rows = read_csv(bob_web.get(f"/audit/export.csv?{query}"))
    assert [r["name"] for r in rows] == ["Delta agent", "Echo agent"]
    assert {r["team_id"] for r in rows} == {team_a} and {r["kind"] for r in rows} == {"agents"}

    twin = bob_web.get(f"/audit/export.json?{query}")
    assert twin.headers["Content-Type"].startswith("application/json")
    document = twin.json()
    assert document["rows"] == rows
    assert document["columns"] == HEADER
    assert document["filters"]["in_team"] == team_a and document["incomplete"] == []

    dated = read_csv(bob_web.get("/audit/export.csv?created_from=2024-08-01&sort=created"))
    assert [r["name"] for r in dated] == ["Kilo agent", "lima project"]


def test_a_refusing_team_is_named_as_incomplete_in_the_json(holdings, bob_web):
    SandboxMembership.objects.filter(team=holdings.team_b, user=holdings.bob.sandbox_user).delete()
    document = bob_web.get("/audit/export.json").json()
    refused = {(item["team_id"], item["status"]) for item in document["incomplete"]}
    assert refused == {(str(holdings.team_b.pk), 403)}
    assert len(document["incomplete"]) == len(catalog.team_kinds())
    assert document["rows"]  # the other teams are still exported
    assert all(row["team_id"] != str(holdings.team_b.pk) for row in document["rows"])


def test_names_that_look_like_formulas_are_defused_in_the_csv_only(holdings, bob_web):
    factories.create_agent(holdings.team_a, holdings.bob.sandbox_user, name='=HYPERLINK("x")')
    rows = read_csv(bob_web.get("/audit/export.csv?kind=agents"))
    assert '\'=HYPERLINK("x")' in {r["name"] for r in rows}
    names = {r["name"] for r in bob_web.get("/audit/export.json?kind=agents").json()["rows"]}
    assert '=HYPERLINK("x")' in names


def test_the_exports_are_streamed(holdings, bob_web, client, django_user_model):
    client.force_login(django_user_model.objects.get(username="bob"))
    for path in ("/audit/export.csv", "/audit/export.json"):
        response = client.get(path)
        assert response.status_code == 200 and response.streaming
        body = b"".join(response.streaming_content)
        assert body.count(b"\n") > 10
    over_http = bob_web.get("/audit/export.csv")
    assert "Content-Length" not in over_http.headers  # sent as it is written
    json.loads(bob_web.get("/audit/export.json").text)  # still one valid document
