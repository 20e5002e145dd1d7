"""The team travels in the URL: every page of a team names it, old links still work, a link to a
team not saved is checked upstream, the last team is remembered per user, and a form always acts
in the team of the page it came from."""

from __future__ import annotations

import re
import uuid
from html import unescape

import pytest
import requests

from dashboard.audit.models import ActionLog
from dashboard.sandbox import conversations, factories, faults, identity, recorder
from dashboard.sandbox.models import SandboxFile, SandboxMembership
from dashboard.teams.models import LastTeam, SavedTeam
from dashboard.upstream.profiles import Feature, active_profile
from tests.conftest import (
    PASSWORD,
    Web,
    for_each_profile,
    for_each_shape,
    make_dashboard_user,
    team_url,
)
from tests.profiles import sample

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = re.compile(r"<title>\s*(.*?)\s*</title>", re.S)


def title(html: str) -> str:
    return TITLE.search(html).group(1)


def team_header(html: str) -> str:
    """What the header says of the page's team: its label, then its id."""
    block = html.split('data-testid="active-team"', 1)[1].split("</div>", 1)[0]
    label = re.search(r'class="switcher-label">([^<]*)<', block).group(1)
    shown_id = re.search(r'class="switcher-id"[^>]*>([^<]*)<', block).group(1)
    return unescape(f"{label} {shown_id}")


def path_of(response) -> str:
    return response.url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


# --- URLs ------------------------------------------------------------------------------------
def test_every_team_page_names_its_team_in_the_path_title_and_header(org, bob_web):
    made = factories.create_file(org.team_b, org.bob.sandbox_user, filename="b.jsonl")
    key = str(org.team_b.pk)
    pages = ("", "r/files/", f"r/files/{made.pk}/", f"r/files/{made.pk}/delete/", "files/upload/")
    for rest in pages:
        response = bob_web.get(team_url(org.team_b, rest))
        assert response.status_code == 200, rest
        assert title(response.text).startswith("Team B · "), rest
        assert team_header(response.text).startswith("Team B") and key in team_header(
            response.text
        ), rest


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/", "/t/{a}/"),
        ("/?team={b}", "/t/{b}/"),
        ("/?team=personal", "/t/personal/"),
        ("/r/files/", "/t/{a}/r/files/"),
        ("/r/files/?team={b}&q=doc&sort=-created_at", "/t/{b}/r/files/?q=doc&sort=-created_at"),
        ("/r/agents/agent-1/?team={b}", "/t/{b}/r/agents/agent-1/"),
        ("/files/upload/", "/t/{a}/files/upload/"),
        ("/files/upload/?team={b}", "/t/{b}/files/upload/"),
    ],
)
def test_old_links_redirect_to_their_team_page(org, bob_web, old, new):
    bob_web.get(team_url(org.team_a))  # the last team used: where links naming none go
    ids = {"a": org.team_a.pk, "b": org.team_b.pk}
    response = bob_web.http.get(bob_web.url(old.format(**ids)), allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == new.format(**ids)


def test_a_form_posted_to_an_old_address_lands_in_the_team_it_named(org, bob_web):
    """A page rendered before the change named its team in a hidden field: its POST follows."""
    made = factories.create_file(org.team_b, org.bob.sandbox_user, filename="old.jsonl")
    bob_web.get(team_url(org.team_a))
    response = bob_web.post(f"/r/files/{made.pk}/delete/", {"team_guard": str(org.team_b.pk)})
    assert response.url.endswith(team_url(org.team_b, "r/files/"))
    assert not SandboxFile.objects.filter(pk=made.pk).exists()


# --- Per tab: a form acts in the team of its page ----------------------------------------------
def test_a_form_rendered_for_one_team_acts_in_it_whatever_happens_elsewhere(org, bob_web):
    in_a = factories.create_file(org.team_a, org.bob.sandbox_user, filename="in-a.jsonl")
    confirm = bob_web.get(team_url(org.team_a, f"r/files/{in_a.pk}/delete/"))
    form = confirm.text.split('data-testid="confirm"', 1)[1].split("</form>", 1)[0]
    action = re.search(r'<form method="post"[^>]*>', form).group(0)
    assert "action=" not in action, "the form posts back to its own page"
    target = path_of(confirm)
    assert target == team_url(org.team_a, f"r/files/{in_a.pk}/delete/")

    bob_web.get(team_url(org.team_b))  # "another tab" now works in Team B
    recorder.clear()
    done = bob_web.post(target, {})

    assert done.url.endswith(team_url(org.team_a, "r/files/"))
    deletes = [r for r in recorder.recorded() if r.method == "DELETE"]
    assert [(r.path, r.team_header) for r in deletes] == [
        (f"v1/flow/files/{in_a.pk}", str(org.team_a.pk))
    ]
    entry = ActionLog.objects.get(action="resource.deleted")
    assert (entry.team_id, entry.outcome) == (str(org.team_a.pk), "success")


@for_each_shape
def test_each_team_page_sends_its_own_team(org, bob_web, upstream_profile):
    made = sample(upstream_profile)
    resource = made.make(org.team_b, org.bob.sandbox_user, "bravo")
    teams = ((org.team_a, str(org.team_a.pk)), (None, None), (org.team_b, str(org.team_b.pk)))
    pages = ["", f"r/{made.kind}/?refresh=1"]  # the list read afresh, not the overview's
    if active_profile().has(Feature.UPLOADS):
        pages.append("files/upload/")
    for team, header in teams:
        for rest in pages:
            recorder.clear()
            assert bob_web.get(team_url(team, rest)).status_code == 200
            sent = {r.team_header for r in recorder.recorded()}
            assert recorder.recorded() or rest.endswith("upload/"), (team, rest)  # asked
            assert sent <= {header}, (team, rest, sent)
    recorder.clear()
    assert bob_web.get(team_url(org.team_b, f"r/{made.kind}/{resource.pk}/")).status_code == 200
    assert {r.team_header for r in recorder.recorded()} == {str(org.team_b.pk)}


def test_thread_pages_send_no_team_and_their_agents_the_pages(org, bob_web):
    thread = conversations.create_thread(org.bob.sandbox_user)
    recorder.clear()
    bob_web.get(f"/threads/{thread.pk}/?team={org.team_b.pk}")
    thread_calls = [r for r in recorder.recorded() if r.path.startswith("v1/threads")]
    assert thread_calls and all(r.team_header is None for r in thread_calls)
    agents = [r for r in recorder.recorded() if r.path.startswith("v2/flow/agents")]
    assert agents and all(r.team_header == str(org.team_b.pk) for r in agents)


# --- The switcher --------------------------------------------------------------------------------
def switch_links(html: str) -> dict[str, str]:
    menu = html.split('data-testid="team-switcher"', 1)[1].split("</details>", 1)[0]
    return {key: href for href, key in re.findall(r'<a href="([^"]+)" data-team="([^"]+)"', menu)}


def test_the_switcher_opens_the_same_page_in_another_team(org, bob_web):
    made = factories.create_file(org.team_a, org.bob.sandbox_user, filename="a.jsonl")
    b = str(org.team_b.pk)
    on_list = switch_links(bob_web.get(team_url(org.team_a, "r/agents/?q=x")).text)
    assert on_list[b] == team_url(org.team_b, "r/agents/")
    assert on_list["personal"] == team_url(None, "r/agents/")
    on_detail = switch_links(bob_web.get(team_url(org.team_a, f"r/files/{made.pk}/")).text)
    assert on_detail[b] == team_url(org.team_b, "r/files/")
    on_upload = switch_links(bob_web.get(team_url(org.team_a, "files/upload/")).text)
    assert on_upload[b] == team_url(org.team_b, "files/upload/")
    on_threads = switch_links(bob_web.get("/threads/").text)
    assert on_threads[b] == team_url(org.team_b)


def test_navigation_is_not_logged(org, bob_web):
    before = ActionLog.objects.count()
    for team in (org.team_a, org.team_b, None, org.team_a):
        bob_web.get(team_url(team, "r/files/"))
    assert ActionLog.objects.count() == before


# --- Remembered ------------------------------------------------------------------------------
def test_the_last_team_is_remembered_across_sign_ins(org, bob_web, live_server):
    bob_web.get(team_url(org.team_b, "r/files/"))
    assert LastTeam.objects.get(user__username="bob").team_key == str(org.team_b.pk)

    elsewhere = Web(live_server.url)  # another browser: a new session
    landed = elsewhere.login("bob")
    assert landed.url.endswith(team_url(org.team_b))
    assert elsewhere.get("/").url.endswith(team_url(org.team_b))


def test_a_removed_last_team_falls_back_to_the_personal_workspace(org, bob_web):
    bob_web.get(team_url(org.team_b))
    SavedTeam.objects.filter(team_id=str(org.team_b.pk)).delete()
    assert bob_web.get("/").url.endswith(team_url(None))


# --- Teams not saved ---------------------------------------------------------------------------
@for_each_profile
def test_a_member_opening_a_team_not_saved_sees_it_and_saves_it_in_one_click(
    org, alice_web, upstream_profile
):
    """Alice is a member of Team B upstream now, but never saved it."""
    made = sample(upstream_profile)
    identity.add_member(org.team_b, org.alice.sandbox_user, "Creator")
    made.make(org.team_b, org.bob.sandbox_user, "shared")
    page = alice_web.get(team_url(org.team_b, f"r/{made.kind}/"))
    assert page.status_code == 200
    assert 'data-testid="unsaved-team"' in page.text and "shared" in page.text

    saved = alice_web.post(
        "/teams/",
        {
            "team_id": str(org.team_b.pk),
            "label": "Bob's team",
            "next": team_url(org.team_b, f"r/{made.kind}/"),
        },
    )
    assert saved.url.endswith(team_url(org.team_b, f"r/{made.kind}/"))
    assert 'data-testid="unsaved-team"' not in saved.text
    assert team_header(saved.text).startswith("Bob's team")
    assert SavedTeam.objects.filter(user__username="alice", team_id=str(org.team_b.pk)).exists()


@for_each_profile
def test_anyone_else_gets_the_same_404_whether_the_team_exists_or_not(
    org, alice_web, upstream_profile
):
    kind = sample(upstream_profile).kind
    sample(upstream_profile).make(org.team_b, org.bob.sandbox_user, "secret")
    existing = alice_web.get(team_url(org.team_b, f"r/{kind}/"))  # exists; alice is no member
    missing = alice_web.get(f"/t/{uuid.uuid4()}/r/{kind}/")
    garbage = alice_web.get(f"/t/not-a-team/r/{kind}/")
    for response in (existing, missing, garbage):
        assert response.status_code == 404
        assert 'data-testid="team-not-visible"' in response.text
    def card(response):
        named = response.url.split("/t/")[1].split("/")[0]
        body = response.text.split('data-testid="team-not-visible"', 1)[1].split("</div>", 1)[0]
        return body.replace(named, "X")

    assert card(existing) == card(missing) == card(garbage)
    assert "secret" not in existing.text


# --- Search across all teams --------------------------------------------------------------------
def test_search_finds_by_name_or_id_in_every_team_and_names_a_failing_team(org, bob_web):
    in_a = factories.create_file(org.team_a, org.bob.sandbox_user, filename="report-a.jsonl")
    in_b = factories.create_agent(org.team_b, org.bob.sandbox_user, name="Report bot")
    factories.create_file(org.team_b, org.bob.sandbox_user, filename="other.jsonl")
    mine = factories.create_file(
        identity.personal_team(org.bob.sandbox_user),
        org.bob.sandbox_user,
        filename="notes.txt",
        purpose="pre-train",
        content=b"hello",
    )

    found = bob_web.get("/search/", params={"q": "REPORT"})
    assert found.status_code == 200
    groups = {
        key: body
        for key, body in re.findall(
            r'data-testid="search-team" data-team="([^"]+)">(.*?)</section>', found.text, re.S
        )
    }
    assert team_url(org.team_a, f"r/files/{in_a.pk}/") in groups[str(org.team_a.pk)]
    assert team_url(org.team_b, f"r/agents/{in_b.pk}/") in groups[str(org.team_b.pk)]
    assert "other.jsonl" not in found.text
    by_id = bob_web.get("/search/", params={"q": mine.pk})
    assert team_url(None, f"r/files/{mine.pk}/") in by_id.text

    # Bob leaves Team B upstream: the search says so, and still finds the rest.
    SandboxMembership.objects.filter(team=org.team_b, user=org.bob.sandbox_user).delete()
    bob_web.post("/audit/refresh/", {})
    again = bob_web.get("/search/", params={"q": "report"})
    marker = f'data-testid="search-team" data-team="{org.team_b.pk}"'
    failed = again.text.split(marker, 1)[1].split("</section>", 1)[0]
    assert 'data-testid="search-team-failed"' in failed and "403" in failed
    assert team_url(org.team_a, f"r/files/{in_a.pk}/") in again.text


def test_the_header_searches_from_every_page(bob_web):
    for path in ("/threads/", "/audit/log/", "/keys/"):
        assert 'data-testid="header-search"' in bob_web.get(path).text


def test_search_survives_an_upstream_down(org, bob_web, settings):
    faults.set_faults("* . 503")
    response = bob_web.get("/search/", params={"q": "x"})
    assert response.status_code == 200
    assert response.text.count('data-testid="search-team-failed"') == 3


def test_a_pasted_link_opens_the_same_page_after_signing_in(org, live_server):
    """A colleague of the team pastes a link: signed out, it asks to sign in, then opens it."""
    link = team_url(org.team_a, "r/files/?q=report")
    response = requests.get(live_server.url + link, timeout=30)
    assert "/accounts/login/" in response.url
    make_dashboard_user("bob", member=org.bob, teams=[(org.team_a, "Team A")])
    web = Web(live_server.url)
    web.get(response.url)
    signed_in = web.post(response.url, {"username": "bob", "password": PASSWORD})
    assert signed_in.url.endswith(link)
    assert title(signed_in.text).startswith("Team A · Files")


def test_an_old_upload_page_sends_its_files_to_the_team_it_named_or_nowhere(org, bob_web):
    """A tab opened before teams were in the path: its script named the team in a header and
    is sent on there; a file that names no team is refused with a message, nothing stored."""
    bob_web.get(team_url(None))  # the last team used is the personal workspace
    headers = {
        "Content-Type": "application/octet-stream",
        "X-CSRFToken": bob_web.csrf(),
        "X-Team-Guard": str(org.team_a.pk),
        "Referer": bob_web.url("/files/upload/"),
    }
    scripted = bob_web.http.post(
        bob_web.url("/files/upload/"), data=b"{}\n", headers=headers, allow_redirects=False
    )
    assert scripted.status_code == 307
    assert scripted.headers["Location"] == team_url(org.team_a, "files/upload/")

    del headers["X-Team-Guard"]
    unnamed = bob_web.http.post(
        bob_web.url("/files/upload/"), data=b"{}\n", headers=headers, allow_redirects=False
    )
    assert unnamed.status_code == 409 and 'data-testid="stale-page"' in unnamed.text
    assert not SandboxFile.objects.exists()
