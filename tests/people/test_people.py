"""People, not numbers: dashboard users whose keys act as different upstream users see each
other by name (lists, details, the audit, people × teams, exports, the person page) with no
staff naming; keys say which account they act as, and one account shared by two dashboard
users is confirmed first and shown."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from collections import Counter
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.template.defaultfilters import filesizeformat

from dashboard.accounts.models import ApiKey
from dashboard.people.models import CreatorName
from dashboard.sandbox import factories, identity, recorder
from dashboard.sandbox.models import SandboxFile, SandboxMembership
from dashboard.upstream import catalog
from tests.audit.conftest import sandbox_models
from tests.audit.html import section_of, table_header, table_rows
from tests.conftest import Member, Web, make_dashboard_user, team_url

pytestmark = pytest.mark.django_db(transaction=True)

ALICE_NAME = "Alice Liddell"
FIRST_KEY_LANDING = "/teams/?first=1"  # a first key leads on to saving teams
BOB_NAME = "Bob Stone"
CREATOR_LINK = re.compile(r'<a class="creator-link" href="([^"]*)">(<span [^>]*>[^<]*</span>)</a>')
CREATOR_SPAN = re.compile(
    r'<span (?:class="badge badge-you" data-testid="creator-you"|title="Upstream user '
    r'|class="creator-unknown")'
)


def spreadsheet(response) -> str:
    """A CSV export as a spreadsheet reads it (UTF-8 after its byte-order mark)."""
    return response.content.decode("utf-8-sig")


def blob(size: int) -> bytes:
    """A JSON Lines file of exactly ``size`` bytes."""
    line = b'{"prompt": "x", "completion": "y"}\n'
    return line + b"z" * (size - len(line) - 1) + b"\n"


@dataclass
class Crowd:
    org: object
    carol: Member  # a sandbox user in Team A whom no dashboard user acts as
    alice: Web  # Alice Liddell: alice's key, Team A
    bob: Web  # Bob Stone: bob's key, Teams A and B

    @property
    def ids(self) -> dict[str, str]:
        return {
            "alice": self.org.alice.upstream_id,
            "bob": self.org.bob.upstream_id,
            "carol": self.carol.upstream_id,
        }


@pytest.fixture
def crowd(org, live_server) -> Crowd:
    """Alice and Bob with things of every sort in their teams, Carol in Team A with no
    dashboard login; personal workspaces hold something before the keys are added, so the
    keys learn whose they are."""
    alice, bob = org.alice.sandbox_user, org.bob.sandbox_user
    carol, carol_key = identity.create_user("carol")
    identity.add_member(org.team_a, carol, "Creator")
    a_home, b_home = identity.personal_team(alice), identity.personal_team(bob)
    team_a, team_b = org.team_a, org.team_b

    factories.create_file(a_home, alice, filename="alice-home.jsonl", content=blob(100))
    factories.create_file(b_home, bob, filename="bob-home.jsonl", content=blob(64))
    factories.create_agent(b_home, bob, name="Bob's own helper")

    factories.create_file(team_a, alice, filename="alice-a1.jsonl", content=blob(300))
    factories.create_file(team_a, alice, filename="alice-a2.jsonl", content=blob(211))
    factories.create_agent(team_a, alice, name="Alice agent")
    factories.create_tool(team_a, alice, name="alice-search")
    factories.create_file(team_a, bob, filename="bob-a1.jsonl", content=blob(150))
    factories.create_file(team_a, bob, filename="bob-a2.jsonl", content=blob(90))
    factories.create_agent(team_a, bob, name="Bob agent")
    factories.create_project(team_a, bob, name="Bob project")
    factories.create_deployment(team_a, bob, name="bob-deploy")
    factories.create_agent(team_a, carol, name="Carol agent")
    factories.create_file(team_a, carol, filename="carol-a.jsonl", content=blob(55))

    factories.create_agent(team_b, bob, name="Kilo agent")
    factories.create_file(team_b, bob, filename="bob-b.jsonl", content=blob(77))

    make_dashboard_user("alice", member=org.alice, teams=[(team_a, "Team A")])
    make_dashboard_user("bob", member=org.bob, teams=[(team_a, "Team A"), (team_b, "Team B")])
    users = get_user_model().objects
    users.filter(username="alice").update(first_name="Alice", last_name="Liddell")
    users.filter(username="bob").update(first_name="Bob", last_name="Stone")
    sessions = []
    for username in ("alice", "bob"):
        session = Web(live_server.url)
        session.login(username)
        sessions.append(session)
    carol_member = Member("carol", carol, carol_key, str(identity.personal_team(carol).pk))
    return Crowd(org, carol_member, *sessions)


def held(team, creator_id: str) -> Counter:
    """What the sandbox holds in ``team`` created by ``creator_id``, per kind slug."""
    counts = Counter()
    for slug, model in sandbox_models().items():
        counts[slug] = model.objects.filter(team=team, creator_id=creator_id).count()
    return +counts


def held_ids(team, creator_id: str) -> set[tuple[str, str]]:
    return {
        (slug, str(pk))
        for slug, model in sandbox_models().items()
        for pk in model.objects.filter(team=team, creator_id=creator_id).values_list(
            "pk", flat=True
        )
    }


def file_bytes(team, creator_id: str) -> int:
    return sum(
        SandboxFile.objects.filter(team=team, creator_id=creator_id).values_list("bytes", flat=True)
    )


def row_of(page: str, resource_id: str) -> str:
    """The HTML of a resource list's row for ``resource_id``."""
    start = page.index(f'<tr data-id="{resource_id}"')
    return page[start : page.index("</tr>", start)]


def creator_links(page: str) -> list[tuple[str, str]]:
    """(href, the text shown) of every creator on a page."""
    return [
        (href, html_lib.unescape(re.sub(r"<[^>]+>", "", span)))
        for href, span in CREATOR_LINK.findall(page)
    ]


def text(page: str) -> str:
    return html_lib.unescape(page)


def shown(names: dict[str, str], creator_id: str) -> str:
    """A creator's cell in the audit: the name, and the id after a name that is not "you"
    nor "unknown user <id>"."""
    name = names[creator_id]
    return name if name == "you" or name.startswith("unknown user") else f"{name} {creator_id}"


def person_url(creator_id: str) -> str:
    return f"/people/{creator_id}/"


# --- Names in lists, details and the audit ---------------------------------------------------


def test_people_are_named_in_lists_and_details_without_staff_naming(crowd):
    org, ids = crowd.org, crowd.ids
    team_a = team_url(org.team_a)
    assert not CreatorName.objects.exists()

    files = crowd.bob.get(team_a + "r/files/").text
    for resource in SandboxFile.objects.filter(team=org.team_a):
        row = row_of(files, resource.pk)
        if str(resource.creator_id) == ids["bob"]:
            assert 'data-testid="creator-you"' in row, resource.filename
        elif str(resource.creator_id) == ids["alice"]:
            assert creator_links(row) == [(person_url(ids["alice"]), ALICE_NAME)]
        else:
            assert creator_links(row) == [
                (person_url(ids["carol"]), f"unknown user {ids['carol']}")
            ]
            assert 'data-testid="creator-unknown"' in row

    agents = crowd.alice.get(team_a + "r/agents/").text
    shown = {name for _, name in creator_links(agents)}
    assert shown == {"you", BOB_NAME, f"unknown user {ids['carol']}"}

    bobs_file = SandboxFile.objects.get(filename="bob-a1.jsonl")
    detail = crowd.alice.get(team_a + f"r/files/{bobs_file.pk}/").text
    ownership = detail[detail.index('data-testid="ownership"') :]
    assert creator_links(ownership)[0] == (person_url(ids["bob"]), BOB_NAME)
    mine = SandboxFile.objects.get(filename="alice-a1.jsonl")
    assert 'data-testid="creator-you"' in crowd.alice.get(team_a + f"r/files/{mine.pk}/").text
    carols = SandboxFile.objects.get(filename="carol-a.jsonl")
    detail = text(crowd.bob.get(team_a + f"r/files/{carols.pk}/").text)
    assert f"unknown user {ids['carol']}" in detail
    assert f"Nobody in the dashboard acts as upstream user {ids['carol']} yet" in detail


def test_the_audit_names_everyone_in_team_sections_the_table_and_people_by_team(crowd):
    org, ids = crowd.org, crowd.ids
    names = {
        ids["alice"]: "you",
        ids["bob"]: BOB_NAME,
        ids["carol"]: f"unknown user {ids['carol']}",
    }
    page = crowd.alice.get("/audit/?wait=1").text

    section = section_of(page, str(org.team_a.pk))
    assert {row.cells[0] for row in table_rows(section, "team-creators")} == {
        shown(names, creator_id) for creator_id in names
    }

    by_id = {}
    for slug, model in sandbox_models().items():
        for pk, creator_id in model.objects.values_list("pk", "creator_id"):
            by_id[(slug, str(pk))] = str(creator_id)
    lines = table_rows(page, "audit-table")
    assert lines
    for line in lines:
        creator_id = by_id[(line.attrs["data-kind"], line.cells[2])]
        assert line.cells[4] == shown(names, creator_id), line.cells
        assert person_url(creator_id) in line.links

    header = table_header(page, "people-table")
    assert header == ["Person", "Personal workspace", "Team A", "Total"]
    people = table_rows(page, "people-table")
    assert [row.attrs["data-creator"] for row in people][0] == ids["alice"]  # you first
    a_home = identity.personal_team(org.alice.sandbox_user)
    for row in people:
        creator_id = row.attrs["data-creator"]
        home, in_a = (
            sum(held(a_home, creator_id).values()),
            sum(held(org.team_a, creator_id).values()),
        )
        counts = [int(cell.split()[0]) if cell[0].isdigit() else 0 for cell in row.cells[1:]]
        assert row.cells[0] == names[creator_id]
        assert counts == [home, in_a, home + in_a], row.cells
        assert person_url(creator_id) in row.links
    assert {row.attrs["data-creator"] for row in people} == set(names)  # no Team B, no Bob's home
    assert "Kilo agent" not in page and "bob-home.jsonl" not in page


def test_exports_carry_real_names_never_you(crowd):
    org, ids = crowd.org, crowd.ids
    real = {
        ids["alice"]: ALICE_NAME,
        ids["bob"]: BOB_NAME,
        ids["carol"]: f"unknown user {ids['carol']}",
    }

    for session in (crowd.alice, crowd.bob):
        assert 'data-testid="creator-you"' in session.get("/audit/?wait=1").text
        ownership = list(csv.DictReader(io.StringIO(spreadsheet(session.get("/audit/export.csv")))))
        assert ownership
        assert {(r["creator_id"], r["creator_name"]) for r in ownership} == set(real.items())

    people_csv = crowd.alice.get("/audit/people.csv")
    assert people_csv.status_code == 200
    assert "text/csv" in people_csv.headers["Content-Type"]
    reader = csv.reader(io.StringIO(spreadsheet(people_csv)))
    assert next(reader) == ["creator_id", "creator_name", "team", "team_id", "resources", "bytes"]
    records = list(reader)
    assert records[0][:2] == [ids["alice"], ALICE_NAME]  # the viewer first, by name
    a_home = identity.personal_team(org.alice.sandbox_user)
    expected = set()
    for creator_id, name in real.items():
        for team, label, team_id in (
            (a_home, "Personal workspace", org.alice.personal_team_id),
            (org.team_a, "Team A", str(org.team_a.pk)),
        ):
            count = sum(held(team, creator_id).values())
            if count:
                size = str(file_bytes(team, creator_id))
                expected.add((creator_id, name, label, team_id, str(count), size))
    assert set(map(tuple, records)) == expected
    assert len(records) == len(expected)

    files_only = list(
        csv.reader(io.StringIO(spreadsheet(crowd.alice.get("/audit/people.csv?kind=files"))))
    )
    assert {(r[0], r[2], r[4], r[5]) for r in files_only[1:]} == {
        (ids["alice"], "Personal workspace", "1", "100"),
        (ids["alice"], "Team A", "2", "511"),
        (ids["bob"], "Team A", "2", "240"),
        (ids["carol"], "Team A", "1", "55"),
    }
    in_b = list(
        csv.reader(
            io.StringIO(spreadsheet(crowd.bob.get(f"/audit/people.csv?in_team={org.team_b.pk}")))
        )
    )
    assert [r[:5] for r in in_b[1:]] == [[ids["bob"], BOB_NAME, "Team B", str(org.team_b.pk), "2"]]
    assert crowd.alice.get("/audit/people.csv?kind=nonsense").status_code == 400


def test_an_id_nobody_knows_reads_unknown_user_until_its_owner_adds_a_key(crowd):
    org, carol = crowd.org, crowd.carol
    before = crowd.alice.get(team_url(org.team_a, "r/agents/")).text
    assert (person_url(carol.upstream_id), f"unknown user {carol.upstream_id}") in creator_links(
        before
    )

    home = identity.personal_team(carol.sandbox_user)
    factories.create_file(home, carol.sandbox_user, filename="carol-home.jsonl")
    make_dashboard_user("carol", member=carol)
    after = crowd.alice.get(team_url(org.team_a, "r/agents/")).text

    assert (person_url(carol.upstream_id), "carol") in creator_links(after)  # no full name: login
    assert "unknown user" not in after
    assert not CreatorName.objects.exists()


# --- The person page -------------------------------------------------------------------------


def person_sections(page: str) -> dict[str, str]:
    sections = {}
    for match in re.finditer(r'data-testid="person-team" data-team="([^"]+)"', page):
        end = page.index("</section>", match.end())
        sections[match.group(1)] = page[match.end() : end]
    return sections


def kind_counts(section: str) -> Counter:
    return Counter(
        {
            slug: int(n)
            for slug, n in re.findall(r'<strong data-kind="([^"]+)">(\d+)</strong>', section)
        }
    )


def item_links(section: str) -> list[str]:
    """The link of each newest item listed ("" for an item without one)."""
    items = re.findall(r'<li data-testid="person-item">(.*?)</li>', section, re.S)
    return [next(iter(re.findall(r'<a href="([^"]+)"', item)), "") for item in items]


def storage(section: str) -> str | None:
    found = re.search(r"Storage</span> <strong>([^<]+)</strong>", section)
    return html_lib.unescape(found.group(1)) if found else None


def test_the_person_page_holds_exactly_what_the_sandbox_holds_in_the_viewers_teams(crowd):
    org, ids = crowd.org, crowd.ids
    bob, team_a = ids["bob"], org.team_a
    page = crowd.alice.get(person_url(bob))
    assert page.status_code == 200
    html = page.text

    assert re.search(rf'data-testid="person-name">{BOB_NAME}</h1>', html)
    sections = person_sections(html)
    assert list(sections) == ["personal", str(team_a.pk)]  # never Team B, Bob's alone
    assert "Nothing here." in sections["personal"]
    in_a = sections[str(team_a.pk)]
    assert kind_counts(in_a) == held(team_a, bob)
    expected_links = {f"/t/{team_a.pk}/r/{slug}/{pk}/" for slug, pk in held_ids(team_a, bob)}
    assert sorted(item_links(in_a)) == sorted(expected_links)
    assert storage(in_a) == filesizeformat(file_bytes(team_a, bob)) == filesizeformat(240)
    total = sum(held(team_a, bob).values())
    assert re.search(rf'data-testid="person-total">{total}</strong>', html)
    assert 'data-testid="person-team-failed"' not in html
    for leak in ("Kilo agent", "bob-b.jsonl", "bob-home.jsonl", "Bob&#x27;s own helper"):
        assert leak not in html


def test_my_own_person_page_covers_every_one_of_my_teams(crowd):
    org, bob = crowd.org, crowd.ids["bob"]
    html = crowd.bob.get(person_url(bob)).text

    assert re.search(rf'data-testid="person-name">You \({BOB_NAME}\)</h1>', html)
    teams = {
        "personal": identity.personal_team(org.bob.sandbox_user),
        str(org.team_a.pk): org.team_a,
        str(org.team_b.pk): org.team_b,
    }
    sections = person_sections(html)
    assert list(sections) == list(teams)
    for key, team in teams.items():
        assert kind_counts(sections[key]) == held(team, bob), key
        assert len(item_links(sections[key])) == sum(held(team, bob).values())
        assert storage(sections[key]) == filesizeformat(file_bytes(team, bob))
    overall = sum(sum(held(team, bob).values()) for team in teams.values())
    assert re.search(rf'data-testid="person-total">{overall}</strong>', html)
    assert 'data-testid="person-partial"' not in html


def test_the_person_page_of_someone_nobody_knows_and_a_team_that_cannot_be_read(crowd):
    org, ids = crowd.org, crowd.ids
    SandboxMembership.objects.filter(team=org.team_b, user=org.bob.sandbox_user).delete()

    html = crowd.bob.get(person_url(ids["carol"])).text

    assert f'data-testid="person-name">unknown user {ids["carol"]}</h1>' in html
    assert "Nobody in the dashboard acts as this account yet" in html
    sections = person_sections(html)
    assert kind_counts(sections[str(org.team_a.pk)]) == held(org.team_a, ids["carol"])
    assert 'data-testid="person-team-failed"' in sections[str(org.team_b.pk)]
    assert 'data-testid="person-team-failed"' not in sections[str(org.team_a.pk)]
    # The totals are of what could be read, and say so.
    partial = re.search(r'data-testid="person-partial">([^<]*)<', html)
    assert partial and partial[1] == "at least: 1 team could not be read in full"


def test_every_creator_shown_links_to_their_person_page(crowd):
    org = crowd.org
    pages = [
        crowd.alice.get(team_url(org.team_a, "r/files/")).text,
        crowd.alice.get(team_url(org.team_a, "r/agents/")).text,
        crowd.bob.get(team_url(org.team_b, "r/agents/")).text,
        crowd.alice.get("/audit/?wait=1").text,
        crowd.bob.get("/audit/?wait=1").text,
    ]
    seen = set()
    for page in pages:
        links = creator_links(page)
        assert len(links) == len(CREATOR_SPAN.findall(page)) > 0  # no creator left unlinked
        seen.update(href for href, _ in links)
    ids = crowd.ids
    headings = {
        person_url(ids["alice"]): f"You ({ALICE_NAME})",
        person_url(ids["bob"]): BOB_NAME,
        person_url(ids["carol"]): f"unknown user {ids['carol']}",
    }
    assert seen == set(headings)
    for href, heading in headings.items():
        page = crowd.alice.get(href)
        assert page.status_code == 200
        found = re.search(r'data-testid="person-name">([^<]*)</h1>', page.text)
        assert text(found.group(1)) == heading


# --- Keys: the account a key acts as ---------------------------------------------------------


def keys_rows(page: str) -> list[str]:
    """Each key's "Acts as" cell, as text."""
    cells = re.findall(r'<td[^>]* data-testid="key-account">(.*?)</td>', page, re.S)
    return [" ".join(text(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in cells]


def signed_in(live_server, username: str) -> Web:
    make_dashboard_user(username)
    session = Web(live_server.url)
    session.login(username)
    return session


def test_a_key_of_another_users_account_is_saved_only_once_confirmed_and_shown_shared(
    crowd, live_server
):
    alice_id = crowd.ids["alice"]
    mallory = signed_in(live_server, "mallory")
    mallory.get("/keys/")

    warned = mallory.post("/keys/", {"label": "Borrowed", "api_key": crowd.org.alice.api_key})
    assert warned.status_code == 400
    said = text(warned.text)
    assert f"This key acts as upstream user {alice_id}, the account of alice" in said
    assert 'data-testid="confirm-other-account"' in warned.text
    assert not ApiKey.objects.filter(user__username="mallory").exists()

    saved = mallory.post(
        "/keys/",
        {
            "label": "Borrowed",
            "api_key": crowd.org.alice.api_key,
            "other_account_confirmed": "on",
        },
    )
    assert saved.status_code == 200 and saved.url.endswith(FIRST_KEY_LANDING)
    key = ApiKey.objects.get(user__username="mallory")
    assert (key.label, key.upstream_user_id, key.is_active) == ("Borrowed", alice_id, True)
    assert 'data-testid="confirm-other-account"' not in saved.text
    (mallorys,) = keys_rows(mallory.get("/keys/").text)
    assert f"upstream user {alice_id}" in mallorys and "also alice's account" in mallorys
    (alices,) = keys_rows(crowd.alice.get("/keys/").text)
    assert "also mallory's account" in alices
    (bobs,) = keys_rows(crowd.bob.get("/keys/").text)
    assert "also" not in bobs

    # Both people act as that account now: each is named wherever it created something.
    files = crowd.bob.get(team_url(crowd.org.team_a, "r/files/")).text
    assert (person_url(alice_id), f"{ALICE_NAME} / mallory") in creator_links(files)


def test_the_same_key_twice_is_refused_before_asking_the_upstream(crowd):
    alice = crowd.alice
    alice.get("/keys/")
    recorder.clear()

    refused = alice.post("/keys/", {"label": "Again", "api_key": crowd.org.alice.api_key})

    assert refused.status_code == 400
    assert "You already saved this key, as “alice's key”" in text(refused.text)
    assert list(ApiKey.objects.filter(user__username="alice").values_list("label", flat=True)) == [
        "alice's key"
    ]
    assert recorder.recorded() == []
    spaced = alice.post("/keys/", {"label": "Spaced", "api_key": f"  {crowd.org.alice.api_key} "})
    assert spaced.status_code == 400
    assert ApiKey.objects.filter(user__username="alice").count() == 1


def test_adding_a_key_reads_its_whole_personal_workspace_and_shows_its_account(org, live_server):
    dora, dora_key = identity.create_user("dora")
    home = identity.personal_team(dora)
    factories.create_agent(home, dora, name="Dora's only agent")  # no file: other kinds say it
    session = signed_in(live_server, "dora")
    session.get("/keys/")
    recorder.clear()

    saved = session.post("/keys/", {"label": "Mine", "api_key": dora_key})

    assert saved.status_code == 200 and saved.url.endswith(FIRST_KEY_LANDING)
    asked = {r.path for r in recorder.recorded() if r.method == "GET" and r.team_header is None}
    assert {kind.list_path for kind in catalog.team_kinds()} <= asked
    said = text(saved.text)
    assert (
        f"It is your active key: from now on the dashboard acts as upstream user {dora.pk} "
        f"(personal team {home.pk})." in said
    )
    (row,) = keys_rows(session.get("/keys/").text)
    assert f"upstream user {dora.pk}" in row and f"personal team {home.pk}" in row
    key = ApiKey.objects.get(user__username="dora")
    assert (key.upstream_user_id, key.personal_team_id) == (str(dora.pk), str(home.pk))


def test_a_key_whose_workspace_is_empty_says_its_account_is_not_known_yet(org, live_server):
    _, erin_key = identity.create_user("erin")
    session = signed_in(live_server, "erin")
    session.get("/keys/")

    saved = session.post("/keys/", {"label": "Empty", "api_key": erin_key})

    assert saved.status_code == 200
    (row,) = keys_rows(session.get("/keys/").text)
    assert "not known yet" in row
    assert "an upstream account not known yet" in text(saved.text)


def test_making_a_key_active_says_which_account_the_dashboard_acts_as(crowd):
    erin, erin_key = identity.create_user("erin")
    home = identity.personal_team(erin)
    factories.create_file(home, erin, filename="erin.jsonl")
    alice = crowd.alice
    alice.get("/keys/")

    added = alice.post("/keys/", {"label": "Erin", "api_key": erin_key})
    assert f"It acts as upstream user {erin.pk} (personal team {home.pk})." in text(added.text)
    key = ApiKey.objects.get(user__username="alice", label="Erin")
    assert not key.is_active

    activated = alice.post(f"/keys/{key.pk}/activate/")

    assert activated.status_code == 200
    assert (
        "“Erin” is now your active key. It is your active key: from now on the dashboard acts "
        f"as upstream user {erin.pk} (personal team {home.pk})." in text(activated.text)
    )
    mine = alice.get(person_url(str(erin.pk))).text
    assert f'data-testid="person-name">You ({ALICE_NAME})</h1>' in mine
