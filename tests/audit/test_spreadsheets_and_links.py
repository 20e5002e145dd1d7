"""Exports open cleanly in a spreadsheet (UTF-8 with a byte-order mark, so names with accents
and non-Latin letters are not garbled), and the action log's ids open what they name."""

from __future__ import annotations

import csv
import io
import re

import pytest

from dashboard.audit.services import Action, Outcome, record_action
from dashboard.sandbox import factories
from dashboard.teams.workspace import Team
from tests.conftest import team_url

pytestmark = pytest.mark.django_db(transaction=True)

BOM = b"\xef\xbb\xbf"
NAME = "Zoë's agent — 東京 ünïcode"
LOG_LINKS = re.compile(r'<a href="([^"]+)" data-testid="log-link">([^<]+)</a>')


def test_csv_exports_start_with_a_byte_order_mark_and_keep_every_letter(
    org, bob_web, django_user_model
):
    factories.create_agent(org.team_a, org.bob.sandbox_user, name=NAME)
    for path in ("/audit/export.csv?kind=agents", "/audit/export.csv"):
        body = bob_web.get(path).content
        assert body.startswith(BOM) and not body.startswith(BOM * 2)
        assert NAME in body.decode("utf-8-sig")
        # What a spreadsheet reads, told by the mark that the file is UTF-8.
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        assert NAME in {row["name"] for row in rows}
        assert "team" in rows[0]  # the first column's name is not glued to the mark
    bob = django_user_model.objects.get(username="bob")
    record_action(
        bob, Action.TEAM_RENAMED, team=Team(str(org.team_a.pk), "Équipe Zoë"), detail=NAME
    )
    log = bob_web.get("/audit/log/export.csv").content
    assert log.startswith(BOM) and log.count(BOM) == 1
    assert "Équipe Zoë" in log.decode("utf-8-sig") and NAME in log.decode("utf-8-sig")


def test_the_action_log_links_ids_to_what_they_name(org, bob_web, django_user_model):
    bob = django_user_model.objects.get(username="bob")
    team_a = str(org.team_a.pk)
    kept = factories.create_agent(org.team_a, org.bob.sandbox_user, name="Kept agent")
    gone = factories.create_file(org.team_a, org.bob.sandbox_user, filename="gone.jsonl")
    path = team_url(org.team_a, f"r/files/{gone.pk}/delete/")
    bob_web.get(path)
    bob_web.post(path)  # deleted: its id stays plain text
    thread = bob_web.post("/threads/", {"message": "Plan the launch"})
    thread_id = thread.url.rstrip("/").rsplit("/", 1)[-1]
    record_action(
        bob,
        Action.RESOURCE_EDITED,
        team=Team(team_a, "Team A"),
        kind="agents",
        resource_id=kept.pk,
        detail="renamed",
    )
    elsewhere = "0b9f6a3e-0000-4000-8000-00000000abcd"  # a team Bob no longer saves
    record_action(
        bob,
        Action.RESOURCE_EDITED,
        team=Team(elsewhere, "Old team"),
        kind="agents",
        resource_id="agent-elsewhere",
        detail="renamed",
    )
    record_action(
        bob,
        Action.RESOURCE_CREATED,
        team=Team(team_a, "Team A"),
        kind="agents",
        resource_id="agent-never-made",
        outcome=Outcome.FAILURE,
        detail="refused",
    )

    links = dict((text, href) for href, text in LOG_LINKS.findall(bob_web.get("/audit/log/").text))
    assert links[kept.pk] == team_url(org.team_a, f"r/agents/{kept.pk}/")
    assert links[thread_id] == f"/threads/{thread_id}/"
    assert links["agent-elsewhere"].endswith("/r/agents/agent-elsewhere/find/")
    assert gone.pk not in links and "agent-never-made" not in links
    # Each link opens the thing it names.
    assert "Kept agent" in bob_web.get(links[kept.pk]).text
    assert "Plan the launch" in bob_web.get(links[thread_id]).text
