"""The ownership audit: each team's counts and creators as the sandbox holds them, the combined
table's filters, sort and pages, teams that refuse, and the short-lived snapshot."""

from __future__ import annotations

import csv
import io
import re
import threading
import time

import pytest
from django.core.cache import cache

from dashboard.accounts.models import ApiKey
from dashboard.ownership import snapshots
from dashboard.ownership.collect import collect
from dashboard.sandbox import faults, identity, recorder
from dashboard.sandbox.models import SandboxAgent, SandboxMembership, SandboxProject
from dashboard.teams.models import SavedTeam
from dashboard.teams.workspace import Team, personal
from dashboard.upstream import catalog
from dashboard.upstream.profiles import active_profile
from tests.audit.conftest import held_by_creator, held_counts
from tests.audit.html import section_of, table_header, table_rows
from tests.conftest import Web, for_each_profile, make_dashboard_user, team_url
from tests.upstream.test_fanout import fresh_pool


def cache_keys() -> list[str]:
    """Every key in the cache, local memory or Redis."""
    store = getattr(cache, "_cache", None)
    if isinstance(store, dict):
        return list(store)
    return [key.decode() for key in store.get_client().scan_iter("*")]


pytestmark = pytest.mark.django_db(transaction=True)


def kinds() -> list:
    """The active profile's team kinds, each a column of the audit."""
    return catalog.team_kinds()


def sample_kind():
    """The kind of the holdings' named resources: agents on SeekrFlow, apps on RunGen.AI."""
    return catalog.get("apps") or catalog.get("agents")


def bobs_teams(org) -> dict:
    """Bob's audit: team key -> sandbox team."""
    return {
        "personal": identity.personal_team(org.bob.sandbox_user),
        str(org.team_a.pk): org.team_a,
        str(org.team_b.pk): org.team_b,
    }


def upstream_calls() -> list:
    """Calls for a team's lists (not the threads of the page's header, where there are)."""
    return [r for r in recorder.recorded() if not r.path.startswith("v1/threads")]


def shown_creators(section_html: str, names: dict[str, str]) -> dict[str, list[int]]:
    """Creator (as the sandbox knows them, via ``names``: shown text -> id) -> counts per kind
    (the table has a column only for the kinds the team holds)."""
    columns = table_header(section_html, "team-creators")
    shown = {}
    for row in table_rows(section_html, "team-creators"):
        by_label = dict(zip(columns, row.cells, strict=False))
        counts = [by_label.get(k.label, "0") for k in kinds()]
        shown[names.get(row.cells[0], row.cells[0])] = [
            int(c) if c.isdigit() else 0 for c in counts
        ]
    return shown


@for_each_profile
def test_the_page_appears_at_once_and_its_request_waits_for_the_read_it_started(
    holdings, bob_web, settings
):
    settings.SANDBOX_LATENCY_MS = 2500  # every upstream answer takes longer than the page
    recorder.clear()
    page = bob_web.get("/audit/")
    assert page.status_code == 200 and page.elapsed.total_seconds() < 2.5
    for key in bobs_teams(holdings):
        assert f'data-team="{key}" data-audit-pending>' in page.text
    # One request, as the page loads, for every team at once (not one per team).
    assert re.findall(r'hx-get="([^"]*)" hx-trigger="([^"]*)"', page.text) == [
        ("/audit/combined/", "load")
    ]
    assert "appear once every team has answered" in page.text
    # The page itself started reading every kind of every team, in one wave ...
    every_call = len(kinds()) * len(bobs_teams(holdings))
    deadline = time.monotonic() + 5
    while len(upstream_calls()) < every_call and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(upstream_calls()) == every_call
    # ... and its request, sent while the upstream has not answered, shows that read rather
    # than asking again.
    answer = bob_web.get("/audit/combined/", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "data-audit-pending" not in answer.text
    assert f"{sum(held_counts(holdings.team_a).values())} resources" in section_of(
        answer.text, str(holdings.team_a.pk)
    )
    assert len(upstream_calls()) == every_call


def team_sections(html: str) -> dict[str, str]:
    """Team key -> the opening tag of its section, in the order given."""
    tags = re.findall(r'<section [^>]*data-testid="audit-team"[^>]*>', html)
    return {re.search(r'data-team="([^"]*)"', tag).group(1): tag for tag in tags}


@for_each_profile
def test_one_request_brings_every_team_and_the_combined_part(holdings, bob_web):
    SandboxMembership.objects.filter(team=holdings.team_b, user=holdings.bob.sandbox_user).delete()
    team_a, team_b = str(holdings.team_a.pk), str(holdings.team_b.pk)
    recorder.clear()
    answer = bob_web.get("/audit/combined/", headers={"HX-Request": "true"})
    assert answer.status_code == 200
    # Where a refused team call may mean a rejected key (RunGen.AI's 403), each is asked again
    # without the team, to tell.
    told_apart = len(kinds()) if active_profile().errors.ambiguous(403) else 0
    assert len(upstream_calls()) == len(kinds()) * len(bobs_teams(holdings)) + told_apart

    sections = team_sections(answer.text)
    assert list(sections) == list(bobs_teams(holdings))  # every team, in the page's order
    for tag in sections.values():  # each swapped in by its id, no longer waiting
        assert 'hx-swap-oob="true"' in tag and "data-audit-pending" not in tag
    assert f"{sum(held_counts(holdings.team_a).values())} resources" in section_of(
        answer.text, team_a
    )
    assert "No longer a member (403)" in section_of(answer.text, team_b)
    matrix = {r.attrs["data-team"]: r.cells for r in table_rows(answer.text, "matrix-table")}
    assert matrix[team_b][1:-1] == ["403"] * len(kinds())
    readable = [team for key, team in bobs_teams(holdings).items() if key != team_b]
    assert len(table_rows(answer.text, "audit-table")) == sum(
        sum(held_counts(team).values()) for team in readable
    )


def test_every_team_and_kind_is_asked_in_one_wave():
    """Each call waits until every call of the audit has been asked: in waves, they never all
    would be, and the collection would fail."""
    teams = [personal(), Team("team-a", "Team A"), Team("team-b", "Team B")]
    everyone = threading.Barrier(len(teams) * len(kinds()), timeout=10)

    class Waiting:
        resources = property(lambda self: self)

        def for_team(self, team_id):
            return self

        def list_all(self, kind):
            everyone.wait()
            return []

    with fresh_pool():
        collection = collect(Waiting(), teams)
    assert {key: audit.failures for key, audit in collection.teams.items()} == {
        team.key: {} for team in teams
    }


@for_each_profile
def test_each_team_section_shows_its_creators_as_the_sandbox_holds_them(holdings, bob_web):
    bob, alice = holdings.bob.upstream_id, holdings.alice.upstream_id
    for key, team in bobs_teams(holdings).items():
        section = bob_web.get(f"/audit/team/{key}/").text
        held = held_by_creator(team)
        expected = {cid: [counter[k.slug] for k in kinds()] for cid, counter in held.items()}
        # Alice uses no dashboard account here and nobody named her: an id nobody knows.
        names = {"you": bob, f"unknown user {alice}": alice}
        assert shown_creators(section, names) == expected
        assert f"{sum(held_counts(team).values())} resource" in section
    team_a = bob_web.get(f"/audit/team/{holdings.team_a.pk}/").text
    assert 'data-testid="creator-you"' in team_a  # Bob's own resources say "you"


@for_each_profile
def test_the_matrix_counts_every_kind_of_every_team(holdings, bob_web):
    combined = bob_web.get("/audit/combined/")
    assert combined.status_code == 200
    rows = table_rows(combined.text, "matrix-table")
    matrix = {row.attrs["data-team"]: row.cells for row in rows}
    assert set(matrix) == set(bobs_teams(holdings))
    for key, team in bobs_teams(holdings).items():
        held = held_counts(team)
        assert matrix[key][1:-1] == [str(held[k.slug]) for k in kinds()], key
        assert matrix[key][-1] == str(sum(held.values()))
    assert "<svg" in combined.text and 'class="audit-seg audit-seg-' in combined.text


@for_each_profile
def test_the_personal_workspace_teaches_the_dashboard_who_you_are(
    holdings, alice_web, upstream_profile
):
    ApiKey.objects.update(upstream_user_id="", personal_team_id="")
    alice_web.get("/audit/team/personal/")
    key = ApiKey.objects.get(user__username="alice")
    assert key.upstream_user_id == holdings.alice.upstream_id
    # RunGen.AI's personal area is no team: its resources name none (owner_team_id null).
    named = "" if upstream_profile == "rungen" else holdings.alice.personal_team_id
    assert key.personal_team_id == named
    section = alice_web.get(f"/audit/team/{holdings.team_a.pk}/").text
    creators = shown_creators(section, {"you": "alice"})
    assert set(creators) == {"alice", f"unknown user {holdings.bob.upstream_id}"}


def test_what_a_read_ahead_learns_of_you_is_kept(holdings, alice_web):
    ApiKey.objects.update(upstream_user_id="", personal_team_id="")
    alice_web.get("/audit/")
    snapshots.settle()
    alice_web.get("/audit/combined/", headers={"HX-Request": "true"})
    key = ApiKey.objects.get(user__username="alice")
    assert key.upstream_user_id == holdings.alice.upstream_id
    assert key.personal_team_id == holdings.alice.personal_team_id


def test_a_read_under_way_in_another_process_is_waited_for(holdings, bob_web):
    """With a shared cache (Redis), another process reading ahead leaves a mark there; the
    page's request waits for it to go rather than asking the upstream alongside."""
    key = ApiKey.objects.get(user__username="bob", is_active=True)
    mark = f"audit:v3:reading:{key.user_id}:{key.pk}"
    cache.set(mark, ("elsewhere", time.time() + 30), 30)
    threading.Timer(0.6, cache.delete, args=(mark,)).start()
    recorder.clear()
    started = time.monotonic()
    answer = bob_web.get("/audit/combined/", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "data-audit-pending" not in answer.text
    assert time.monotonic() - started >= 0.6
    assert upstream_calls()  # the mark went with nothing left behind: it asked itself


def test_past_its_reads_ahead_the_page_reads_for_itself(holdings, bob_web, settings):
    """Reads ahead are bounded per process (each is a thread): past them, the page starts
    none, and its request reads every team itself."""
    settings.AUDIT_READ_AHEADS = 1
    someone_else = threading.Event()
    with snapshots._reads_lock:
        snapshots._reads[(-1, -1)] = snapshots._ReadAhead(someone_else, time.time())
    try:
        recorder.clear()
        assert bob_web.get("/audit/").status_code == 200
        with snapshots._reads_lock:
            assert set(snapshots._reads) == {(-1, -1)}  # no read was started for Bob
        assert upstream_calls() == []
        answer = bob_web.get("/audit/combined/", headers={"HX-Request": "true"})
    finally:
        with snapshots._reads_lock:
            snapshots._reads.pop((-1, -1), None)
        someone_else.set()
    assert answer.status_code == 200 and "data-audit-pending" not in answer.text
    assert len(upstream_calls()) == len(kinds()) * len(bobs_teams(holdings))
    assert f"{sum(held_counts(holdings.team_a).values())} resources" in section_of(
        answer.text, str(holdings.team_a.pk)
    )


def test_a_read_elsewhere_begun_before_a_refresh_is_not_waited_for(holdings, bob_web):
    key = ApiKey.objects.get(user__username="bob", is_active=True)
    begun = time.time()
    cache.set(f"audit:v3:reading:{key.user_id}:{key.pk}", ("elsewhere", begun + 30, begun), 30)
    bob_web.post("/audit/refresh/", {"query": ""})
    started = time.monotonic()
    answer = bob_web.get("/audit/combined/", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "data-audit-pending" not in answer.text
    assert time.monotonic() - started < 5


def test_a_read_that_should_have_ended_holds_no_one(holdings, bob_web):
    """The mark of a process that died while reading says until when the read could run."""
    key = ApiKey.objects.get(user__username="bob", is_active=True)
    cache.set(f"audit:v3:reading:{key.user_id}:{key.pk}", ("died", time.time() - 1), 30)
    started = time.monotonic()
    answer = bob_web.get("/audit/combined/", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "data-audit-pending" not in answer.text
    assert time.monotonic() - started < 5


@for_each_profile
def test_the_combined_table_lists_every_resource_opening_it_in_its_team(holdings, bob_web):
    page = bob_web.get("/audit/?wait=1").text
    rows = table_rows(page, "audit-table")
    assert len(rows) == sum(sum(held_counts(t).values()) for t in bobs_teams(holdings).values())
    delta, kind = holdings.extra["delta"], sample_kind()
    row = next(r for r in rows if r.cells[2] == str(delta.pk))
    assert row.cells[:4] == [kind.singular.capitalize(), delta.name, str(delta.pk), "Team A"]
    assert row.cells[4] == "you"
    # The name opens the resource in its team; "you" opens everything the creator owns.
    assert row.links == [
        team_url(holdings.team_a, f"r/{kind.slug}/{delta.pk}/"),
        f"/people/{holdings.bob.upstream_id}/",
    ]
    helper = holdings.extra["helper"]
    helper_links = next(r for r in rows if r.cells[2] == str(helper.pk)).links
    assert helper_links[0] == team_url(None, f"r/{kind.slug}/{helper.pk}/")


def names_for(web, query: str) -> list[str]:
    return [row.cells[1] for row in table_rows(web.get(f"/audit/?{query}").text, "audit-table")]


def test_filters_narrow_the_table_and_the_matrix(holdings, bob_web):
    bob_web.get("/audit/?wait=1")
    team_a = str(holdings.team_a.pk)
    assert len(names_for(bob_web, f"in_team={team_a}")) == sum(
        held_counts(holdings.team_a).values()
    )
    bobs_agents = SandboxAgent.objects.filter(team__in=bobs_teams(holdings).values())
    assert sorted(names_for(bob_web, "kind=agents")) == sorted(a.name for a in bobs_agents)
    alices = names_for(bob_web, f"creator={holdings.alice.upstream_id}")
    assert sorted(alices) == ["Echo agent", "alpha.jsonl", "charlie-run", "golf-kb", "india-search"]
    in_spring = names_for(bob_web, "created_from=2024-02-01&created_to=2024-05-01")
    assert sorted(in_spring) == [
        "Delta agent",
        "Echo agent",
        "bravo.jsonl",
        "charlie-run",
        "foxtrot-prod",
    ]
    both = names_for(bob_web, f"in_team={team_a}&kind=files&creator={holdings.bob.upstream_id}")
    assert both == ["bravo.jsonl"]

    page = bob_web.get(f"/audit/?kind=agents&in_team={team_a}").text
    assert "Counting the resources that match the filters" in page
    assert "Personal workspace" in page.split("switcher-label")[1][:60]  # filtering is no switch
    matrix = {r.attrs["data-team"]: r.cells for r in table_rows(page, "matrix-table")}
    assert matrix[team_a][-1] == "2" and matrix["personal"][-1] == "0"


def test_sorting_by_name_and_by_creation(holdings, bob_web):
    bob_web.get("/audit/?wait=1")
    team_a = str(holdings.team_a.pk)
    by_name = names_for(bob_web, f"in_team={team_a}&sort=name")
    assert by_name == sorted(by_name, key=str.casefold) and len(by_name) == 10
    assert names_for(bob_web, f"in_team={team_a}&sort=-name") == by_name[::-1]
    newest_first = names_for(bob_web, f"in_team={team_a}")
    assert newest_first[0] == "juliet-data" and newest_first[-1] == "alpha.jsonl"
    assert names_for(bob_web, f"in_team={team_a}&sort=created")[0] == "alpha.jsonl"
    page = bob_web.get(f"/audit/?in_team={team_a}&sort=name").text
    assert f'href="/audit/?in_team={team_a}&amp;sort=-name">Name ↑' in page  # click again: reverse


def test_an_impossible_date_range_is_explained_not_applied(holdings, bob_web):
    bob_web.get("/audit/?wait=1")
    page = bob_web.get("/audit/?created_from=2024-05-01&created_to=2024-01-01")
    assert "The start of the date range is after its end." in page.text
    export = bob_web.get("/audit/export.csv?created_from=2024-05-01&created_to=2024-01-01")
    assert export.status_code == 400 and "date range" in export.text
    assert bob_web.get("/audit/export.json?kind=nonsense").status_code == 400


def test_the_table_is_paged_by_a_hundred(holdings, bob_web):
    team_b = str(holdings.team_b.pk)
    SandboxProject.objects.bulk_create(
        SandboxProject(team=holdings.team_b, creator=holdings.bob.sandbox_user, name=f"p{i:03}")
        for i in range(230)
    )
    first = bob_web.get(f"/audit/?wait=1&in_team={team_b}").text
    assert len(table_rows(first, "audit-table")) == 100
    assert f'href="/audit/?in_team={team_b}&amp;page=2" rel="next"' in first
    last = bob_web.get(f"/audit/?in_team={team_b}&page=3").text
    assert len(table_rows(last, "audit-table")) == 232 - 200
    assert "page 3 of 3" in last


@for_each_profile
def test_a_team_that_now_refuses_shows_it_and_the_rest_still_loads(holdings, bob_web):
    SandboxMembership.objects.filter(team=holdings.team_b, user=holdings.bob.sandbox_user).delete()
    team_b = str(holdings.team_b.pk)
    section = bob_web.get(f"/audit/team/{team_b}/")
    assert section.status_code == 200
    assert "No longer a member (403)" in section.text
    assert "not a member of this team" in section.text
    page = bob_web.get("/audit/?wait=1")
    assert page.status_code == 200
    matrix = {r.attrs["data-team"]: r.cells for r in table_rows(page.text, "matrix-table")}
    assert matrix[team_b][1:-1] == ["403"] * len(kinds())
    team_a = str(holdings.team_a.pk)
    assert matrix[team_a][-1] == str(sum(held_counts(holdings.team_a).values()))
    assert f"{sum(held_counts(holdings.team_a).values())} resources" in section_of(
        page.text, team_a
    )


def test_one_kind_failing_is_marked_and_the_others_still_count(holdings, bob_web):
    faults.set_faults("GET ^v1/flow/files$ 500")
    section = bob_web.get(f"/audit/team/{holdings.team_a.pk}/").text
    assert "Some kinds could not be read" in section
    assert "Files: not read (500)" in section
    assert "<strong>2</strong>" in section  # the two agents are still counted


def test_the_snapshot_serves_filters_and_exports_until_refreshed(holdings, bob_web):
    bob_web.get("/audit/?wait=1")
    recorder.clear()
    filtered = bob_web.get("/audit/?kind=agents")
    assert 'data-testid="audit-table"' in filtered.text  # complete at once, from the cache
    assert bob_web.get("/audit/export.csv?kind=files").status_code == 200
    assert upstream_calls() == []
    keys = cache_keys()
    assert keys and all(holdings.bob.api_key not in key for key in keys)  # keyed without secrets

    refreshed = bob_web.post("/audit/refresh/", {"query": "kind=agents"})
    assert refreshed.url.endswith("/audit/?kind=agents")
    assert 'data-team="personal" data-audit-pending' in refreshed.text  # asks again
    bob_web.get("/audit/combined/?kind=agents")
    # Where a refused team call may mean a rejected key (RunGen.AI's 403), each is asked again
    # without the team, to tell.
    told_apart = len(kinds()) if active_profile().errors.ambiguous(403) else 0
    assert len(upstream_calls()) == len(kinds()) * len(bobs_teams(holdings)) + told_apart


def test_a_refresh_during_a_read_ahead_shows_the_upstream_after_it(holdings, bob_web, monkeypatch):
    """A read ahead begun before Refresh was pressed is neither waited for nor kept: what it
    read may be older than the change the person refreshed to see."""
    answered, release = threading.Event(), threading.Event()

    def read_ahead_held_back(client, teams):  # the read ahead's answers in, its end held back
        collection = collect(client, teams)
        if "(_read)" in threading.current_thread().name:
            answered.set()
            release.wait(10)
        return collection

    monkeypatch.setattr(snapshots, "collect", read_ahead_held_back)
    team_a = str(holdings.team_a.pk)
    bob_web.get("/audit/")
    assert answered.wait(10), "the page started no read ahead"
    SandboxProject.objects.create(
        team=holdings.team_a,
        creator=holdings.bob.sandbox_user,
        name="made after the read",
        description="",
    )
    now_held = f"{sum(held_counts(holdings.team_a).values())} resources"

    refreshed = bob_web.post("/audit/refresh/", {"query": ""})
    assert f'data-team="{team_a}" data-audit-pending' in refreshed.text
    started = time.monotonic()
    answer = bob_web.get("/audit/combined/", headers={"HX-Request": "true"})
    assert time.monotonic() - started < 5  # the earlier read, still under way, not waited for
    assert now_held in section_of(answer.text, team_a)

    release.set()  # it ends now, and what it read is not kept
    assert snapshots.settle()
    again = bob_web.get("/audit/")  # from the cache: what was read after the Refresh
    assert 'data-testid="audit-table"' in again.text
    assert now_held in section_of(again.text, team_a)


def team_label(section_html: str) -> str:
    """The team's name as its section's heading shows it."""
    match = re.search(r'data-testid="audit-team-label">([^<]*)<', section_html)
    assert match, "no team label in the section"
    return match.group(1).strip()


def test_a_renamed_team_shows_its_new_label_from_the_snapshot(holdings, bob_web):
    team_a = str(holdings.team_a.pk)
    bob_web.get("/audit/?wait=1")
    recorder.clear()
    SavedTeam.objects.filter(user__username="bob", team_id=team_a).update(label="Research")
    page = bob_web.get("/audit/").text
    assert upstream_calls() == []  # every part below comes from the snapshot taken before
    assert team_label(section_of(page, team_a)) == "Research"
    matrix = {r.attrs["data-team"]: r.cells for r in table_rows(page, "matrix-table")}
    assert matrix[team_a][0] == "Research"
    lines = [r for r in table_rows(page, "audit-table") if r.attrs["data-team"] == team_a]
    assert lines and {r.cells[3] for r in lines} == {"Research"}
    exported = csv.DictReader(
        io.StringIO(bob_web.get(f"/audit/export.csv?in_team={team_a}").content.decode("utf-8-sig"))
    )
    assert {row["team"] for row in exported} == {"Research"}
    assert "Team A" not in page


def test_without_a_key_the_page_asks_for_one(live_server, org):
    make_dashboard_user("carol")
    carol = Web(live_server.url)
    carol.login("carol")
    assert carol.get("/audit/").url.endswith("/keys/welcome/")
    section = carol.get("/audit/team/personal/")
    assert section.status_code == 200 and "No API key yet" in section.text
    everything = carol.get("/audit/combined/")
    assert everything.status_code == 200
    assert "No API key yet" in section_of(everything.text, "personal")
    assert carol.get(f"/audit/team/{org.team_a.pk}/").status_code == 404
