"""Creator names: staff name an upstream creator id, everyone then sees the name."""

from __future__ import annotations

import csv
import io

import pytest

from dashboard.audit.models import ActionLog
from dashboard.audit.services import Action
from dashboard.people.models import CreatorName
from tests.audit.html import section_of, table_rows
from tests.conftest import Web, make_dashboard_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff_web(live_server, org):
    make_dashboard_user("sam", member=org.alice, teams=[(org.team_a, "Team A")], staff=True)
    session = Web(live_server.url)
    session.login("sam")
    return session


def test_staff_name_a_creator_and_everyone_sees_it(holdings, staff_web, bob_web):
    alice = holdings.alice.upstream_id
    team_a = str(holdings.team_a.pk)
    staff_web.get("/audit/?wait=1")
    form = staff_web.get(f"/audit/creators/?creator_id={alice}")
    assert f'value="{alice}"' in form.text  # prefilled from the audit's "Name…" link

    named = staff_web.post("/audit/creators/", {"creator_id": alice, "display_name": "Alice L."})
    assert "is now shown as “Alice L.”" in named.text
    assert CreatorName.objects.get(creator_id=alice).display_name == "Alice L."
    entry = ActionLog.objects.get(action=Action.CREATOR_NAMED)
    assert (entry.username, entry.resource_id) == ("sam", alice)

    section = section_of(bob_web.get("/audit/?wait=1").text, team_a)
    creators = [row.cells[0] for row in table_rows(section, "team-creators")]
    assert f"Alice L. {alice}" in creators
    exported = list(
        csv.DictReader(io.StringIO(bob_web.get("/audit/export.csv").content.decode("utf-8-sig")))
    )
    assert {r["creator_name"] for r in exported if r["creator_id"] == alice} == {"Alice L."}
    # Sam uses Alice's key: their own resources still say "you".
    mine = table_rows(section_of(staff_web.get("/audit/").text, team_a), "team-creators")
    assert "you" in [row.cells[0] for row in mine]

    removed = staff_web.post("/audit/creators/", {"creator_id": alice, "display_name": ""})
    assert "no longer has a given name" in removed.text
    assert not CreatorName.objects.exists()
    assert ActionLog.objects.filter(action=Action.CREATOR_NAMED).count() == 2


def test_only_staff_can_name_creators(holdings, staff_web, bob_web):
    assert bob_web.get("/audit/creators/").status_code == 403
    refused = bob_web.post("/audit/creators/", {"creator_id": "1", "display_name": "Mallory"})
    assert refused.status_code == 403 and not CreatorName.objects.exists()
    assert "/audit/creators/" not in bob_web.get("/audit/?wait=1").text
    assert "/audit/creators/?creator_id=" in staff_web.get("/audit/?wait=1").text


def test_a_creator_id_is_required(staff_web):
    page = staff_web.post("/audit/creators/", {"creator_id": "  ", "display_name": "Nobody"})
    assert page.status_code == 400 and "Give the creator ID." in page.text
