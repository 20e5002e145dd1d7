"""The overview: a panel per team kind for the team of its URL, fetched at once, failing alone."""

from __future__ import annotations

import re
from html import unescape

import pytest

from dashboard.accounts.models import ApiKey
from dashboard.sandbox import factories, faults, identity, recorder
from dashboard.upstream import catalog
from tests.conftest import team_url

pytestmark = pytest.mark.django_db(transaction=True)

OVERVIEW_KINDS = [kind for kind in catalog.team_kinds() if kind.in_overview]


def panel(html: str, slug: str) -> str:
    """The HTML of one overview panel."""
    return html.split(f'data-testid="panel-{slug}"', 1)[1].split("</section>", 1)[0]


def test_each_panel_shows_its_count_and_newest_items_for_the_team(org, alice_web):
    alice = org.alice.sandbox_user
    for number in range(7):
        factories.create_file(org.team_a, alice, filename=f"part-{number}.jsonl")
    factories.create_agent(org.team_a, alice, name="Support bot")
    factories.create_fine_tune(org.team_a, alice, status="running", experiment_name="tune-1")

    page = alice_web.get(team_url(org.team_a))

    assert page.status_code == 200
    assert 'data-testid="overview-team">Team A<' in page.text
    assert str(org.team_a.pk) in page.text.split('data-testid="overview-team-id"')[1][:60]
    files = panel(page.text, "files")
    assert 'data-testid="count-files"' in files and ">7</span>" in files
    # The newest five, newest first, each linking to its detail page.
    shown = [f"part-{n}.jsonl" for n in range(6, 1, -1)]
    positions = [files.index(name) for name in shown]
    assert positions == sorted(positions)
    assert "part-0.jsonl" not in files and "part-1.jsonl" not in files
    assert f'href="{team_url(org.team_a, "r/files/file-")}' in files
    assert "Support bot" in panel(page.text, "agents")
    assert "badge-run" in panel(page.text, "fine-tunes")
    for kind in OVERVIEW_KINDS:
        assert f'href="{team_url(org.team_a, f"r/{kind.slug}/")}"' in panel(page.text, kind.slug)


def test_the_overview_asks_each_kind_once_in_its_team(org, alice_web):
    recorder.clear()

    assert alice_web.get(team_url(org.team_a)).status_code == 200

    lists = [r for r in recorder.recorded() if r.method == "GET"]
    assert sorted(r.path for r in lists) == sorted(k.list_path for k in OVERVIEW_KINDS)
    assert {r.team_header for r in lists} == {str(org.team_a.pk)}


def test_switching_team_changes_the_overview(org, bob_web):
    factories.create_agent(org.team_a, org.bob.sandbox_user, name="Agent of A")
    factories.create_agent(org.team_b, org.bob.sandbox_user, name="Agent of B")

    in_a = bob_web.get(team_url(org.team_a)).text
    # The header's switcher links to the same page in each team.
    switcher = in_a.split('data-testid="team-switcher"', 1)[1].split("</details>", 1)[0]
    link = re.search(rf'<a href="([^"]+)" data-team="{org.team_b.pk}"', switcher)
    assert link and unescape(link.group(1)) == team_url(org.team_b)
    in_b = bob_web.get(unescape(link.group(1))).text

    assert "Agent of A" in in_a and "Agent of B" not in in_a
    assert 'data-testid="overview-team">Team A<' in in_a
    assert "Agent of B" in in_b and "Agent of A" not in in_b
    assert 'data-testid="overview-team">Team B<' in in_b


def test_a_failing_panel_shows_its_own_error_and_the_others_render(org, alice_web):
    factories.create_file(org.team_a, org.alice.sandbox_user, filename="still-here.jsonl")
    factories.create_agent(org.team_a, org.alice.sandbox_user, name="Hidden agent")
    faults.set_faults("GET ^v2/flow/agents/$ 503")

    page = alice_web.get(team_url(org.team_a))

    assert page.status_code == 200
    agents = panel(page.text, "agents")
    assert 'data-testid="upstream-error"' in agents and "not available right now" in agents
    assert "Hidden agent" not in agents
    assert "still-here.jsonl" in panel(page.text, "files")
    for kind in OVERVIEW_KINDS:
        if kind.slug != "agents":
            assert 'data-testid="upstream-error"' not in panel(page.text, kind.slug)


def test_more_than_one_upstream_page_is_counted_exactly(org, alice_web):
    from tests.resources.helpers import bulk_files

    bulk_files(org.team_a, org.alice.sandbox_user, 130)

    files = panel(alice_web.get(team_url(org.team_a)).text, "files")

    assert ">130</span>" in files  # as the list counts them (see test_counts_agree)
    assert "doc-00130.jsonl" in files  # the newest one


def test_the_personal_workspace_teaches_the_dashboard_who_you_are(org, alice_web):
    alice = org.alice.sandbox_user
    factories.create_file(identity.personal_team(alice), alice, filename="mine.jsonl")
    factories.create_file(org.team_a, alice, filename="alices.jsonl")
    factories.create_file(org.team_a, org.bob.sandbox_user, filename="bobs.jsonl")
    assert not ApiKey.objects.get(user__username="alice").upstream_user_id

    opened = alice_web.get("/")  # no team was used yet: the personal workspace opens
    assert opened.url.endswith(team_url(None))

    key = ApiKey.objects.get(user__username="alice")
    assert key.upstream_user_id == org.alice.upstream_id
    assert key.personal_team_id == org.alice.personal_team_id
    listing = alice_web.get(team_url(org.team_a, "r/files/")).text
    alices_row = listing.split("alices.jsonl", 1)[1].split("</tr>", 1)[0]
    bobs_row = listing.split("bobs.jsonl", 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="creator-you"' in alices_row and ">you<" in alices_row
    assert 'data-testid="creator-you"' not in bobs_row
