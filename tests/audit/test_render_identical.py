"""The ownership audit renders byte for byte as stored in ``golden/``: its one request (every
team's section, swapped in out of band, and the combined part: the teams × kinds matrix, its
chart, people × teams, the filters and the table of every resource) and the whole page.

For fixed data: fixed ids and timestamps in the past; names, team labels, creator names and
what the upstream said of a failure full of markup, quotes and invisible characters; a team
that works, one with kinds that could not be read (one with an error status, one without),
one where nothing could be read, one the viewer is no longer a member of (403); creators that
are you, named by staff, a dashboard user, nobody known, none at all, or an id full of markup;
more than a hundred resources (the pager), files with sizes, filters applied, a staff viewer
and not, another time zone. Only what differs from one render to the next is masked: the CSRF
token and the time the snapshot was collected ("Collected at 09:41:07"); lines holding
nothing but spaces are not compared either.

A deliberate change of these pages regenerates the stored pages:
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/audit/test_render_identical.py``; then read the diff
of ``golden/`` before committing it.
"""

from __future__ import annotations

import difflib
import os
import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from dashboard.ownership import snapshots
from dashboard.people.models import CreatorName
from dashboard.sandbox import factories, faults
from dashboard.sandbox.models import (
    SandboxFile,
    SandboxMembership,
    SandboxProject,
    SandboxTeam,
)
from tests.audit.html import table_rows
from tests.resources.test_render_identical import (
    HOSTILE,
    dashboard_person,
    fixed_ids,
    fixed_member,
    make_resources,
    masked,
)

pytestmark = pytest.mark.django_db(transaction=True)

GOLDEN = Path(__file__).parent / "golden"
UPDATING = bool(os.environ.get("UPDATE_GOLDEN"))
COLLECTED_AT = re.compile(r"Collected at \d\d:\d\d:\d\d;")
BLANK_LINES = re.compile(r"^[ \t]*\n", re.MULTILINE)

TEAMS = {  # sandbox team id -> (its name upstream, the label the viewer saved it under)
    "7e57a11c-0000-4000-8000-00000000000a": ("Team A", 'Team "A" <&>'),
    "7e57a11c-0000-4000-8000-00000000000b": ("Bulk", "Bulk \u202eevil\u200b team"),
    "7e57a11c-0000-4000-8000-00000000000c": (
        "Partial",
        "Partial <i>read</i>, a label too long for the chart",
    ),
    "7e57a11c-0000-4000-8000-00000000000d": ("Failing", "Failing & 'co'"),
    "7e57a11c-0000-4000-8000-00000000000e": ("Gone", 'Gone "<b>"'),
}
TEAM_A, BULK, PARTIAL, FAILING, GONE = TEAMS
START = datetime(2024, 4, 2, 8, 15, 42, 123456, tzinfo=UTC)
# Creator ids the sandbox cannot give (its users are numbered) but an upstream may: one full
# of markup and invisible characters, long enough to be shown short, and none at all.
ODD_CREATOR = "u\"<b>&amp;\u202e'-0123456789abcdef"
NAMED_ODD_CREATOR = "<i>named</i>-0123456789abcdef"


def as_an_upstream_may_say(collect):
    """``collect``, with what the sandbox cannot give but an upstream may: the creator of a
    bulk resource named "nobody …" left out, that of one named "stranger …" or "famous …" an
    id holding markup, and markup in what the upstream said of each failure."""

    def collected(*args, **kwargs):
        collection = collect(*args, **kwargs)
        for audit in collection.teams.values():
            audit.rows = [odd_creator(row) for row in audit.rows]
            audit.failures = {
                kind: replace(failure, message=f"{failure.message} The upstream said: {HOSTILE}")
                for kind, failure in audit.failures.items()
            }
        return collection

    return collected


def odd_creator(row):
    for start, creator in [
        ("nobody", ""),
        ("stranger", ODD_CREATOR),
        ("famous", NAMED_ODD_CREATOR),
    ]:
        if row.name.startswith(start):
            return row._replace(creator_id=creator)
    return row


def bulk(team, people) -> None:
    """110 files (most with a size) and projects in ``team``, an hour apart, by each of
    ``people`` in turn, named after ``names`` in turn: hostile ones, and some by nobody or by
    an odd creator (see ``odd_creator``)."""
    names = [
        "plain",
        HOSTILE,
        "evil\u202egpj.exe",
        "zero\u200bwidth",
        "nobody's",
        "stranger's",
        "famous",
        "a & b",
    ]
    files, projects = [], []
    for number in range(110):
        name = f"{names[number % len(names)]} {number:03d}"
        at = START + timedelta(hours=number, seconds=number)
        owned = {"team": team, "creator": people[number % len(people)]}
        owned |= {"created_at": at, "updated_at": at}
        if number % 2:
            files.append(
                SandboxFile(
                    id=f"file-bulk-{number:03d}",
                    filename=f"{name}.jsonl",
                    purpose="fine-tune",
                    file_type="jsonl",
                    bytes=number * 37_000_017 if number % 3 else 0,
                    storage_name=f"{team.pk}/missing-{number}",
                    **owned,
                )
            )
        else:
            projects.append(SandboxProject(id=900 + number, name=name, description="", **owned))
    SandboxFile.objects.bulk_create(files)
    SandboxProject.objects.bulk_create(projects)


@pytest.fixture
def audit_world(upstream):
    """Alice (who looks) in five teams and her personal workspace, with Bob (named by staff),
    Carol (a dashboard user) and Dan (whom nobody knows); Alice signed in with the Django test
    client, saved teams under hostile labels. Returns (client, alice's dashboard user)."""
    alice, alice_key = fixed_member(9001, "alice", "7e57a11c-0000-4000-8000-0000000000a1")
    bob, _ = fixed_member(9002, "bob", "7e57a11c-0000-4000-8000-0000000000b2")
    carol, carol_key = fixed_member(9003, "carol", "7e57a11c-0000-4000-8000-0000000000c3")
    dan, _ = fixed_member(9004, "dan", "7e57a11c-0000-4000-8000-0000000000d4")
    people = [alice, bob, carol, dan]
    teams = {}
    for team_id, (name, _) in TEAMS.items():
        teams[team_id] = SandboxTeam.objects.create(id=uuid.UUID(team_id), name=name)
        for user in people:
            role = "Admin" if user is alice else "Creator"
            SandboxMembership.objects.create(team=teams[team_id], user=user, role=role)
    prefixed_id = fixed_ids()
    with (
        mock.patch("dashboard.sandbox.factories.prefixed_id", prefixed_id),
        mock.patch("dashboard.sandbox.storage.prefixed_id", prefixed_id),
    ):
        make_resources(teams[TEAM_A], people)  # every kind, hostile names and ids
        personal = SandboxTeam.objects.get(personal_of=alice)
        for day, name in enumerate(["notes.jsonl", f"{HOSTILE}.jsonl"], start=1):
            factories.create_file(
                personal,
                alice,
                filename=name,
                content=b"x" * 1000 * day,
                created_at=datetime(2023, 12, day, 23, 59, tzinfo=UTC),
            )
        factories.create_agent(
            personal, alice, name="Mine\u202e", created_at=datetime(2023, 12, 9, tzinfo=UTC)
        )
        for number, team_id in enumerate([PARTIAL, FAILING]):
            for user in people[: 2 + number]:
                at = START - timedelta(days=3 + number, minutes=user.pk)
                factories.create_agent(
                    teams[team_id], user, name=f"<{user.username}>", created_at=at
                )
                factories.create_tool(teams[team_id], user, name="tool & co", created_at=at)
                factories.create_file(teams[team_id], user, filename="x.jsonl", created_at=at)
    bulk(teams[BULK], people)
    CreatorName.objects.create(creator_id=str(bob.pk), display_name='Bob "<b>" & co')
    CreatorName.objects.create(creator_id=NAMED_ODD_CREATOR, display_name="Famous \u202e<em>")
    dashboard_person("carol", carol_key, str(carol.pk), first_name="Carol <em>", last_name="O'Neil")
    viewer = dashboard_person(
        "alice",
        alice_key,
        str(alice.pk),
        teams=[(teams[key], label) for key, (_, label) in TEAMS.items()],
    )
    SandboxMembership.objects.filter(team=teams[GONE], user=alice).delete()
    client = Client()
    client.force_login(viewer)
    with mock.patch.object(snapshots, "collect", as_an_upstream_may_say(snapshots.collect)):
        # Two teams read while the upstream fails: in one a kind answers 500 and another
        # something unreadable (no status), in the other every kind answers 500.
        for team_id, rules in [
            (PARTIAL, "GET ^v1/flow/files$ 500; GET ^v1/flow/tools$ garbage"),
            (FAILING, "GET ^v 500"),
        ]:
            faults.set_faults(rules)
            assert client.get(f"/audit/team/{team_id}/").status_code == 200
        faults.clear_faults()
        yield client, viewer


def check_golden(name: str, html: str) -> None:
    path = GOLDEN / f"{name}.html"
    html = COLLECTED_AT.sub("Collected at MASKED;", masked(html))
    if UPDATING:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(html, encoding="utf-8")
    assert path.exists(), f"no stored page {path.name}: run with UPDATE_GOLDEN=1 once"
    expected = BLANK_LINES.sub("", path.read_text(encoding="utf-8"))
    html = BLANK_LINES.sub("", html)
    if html != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), html.splitlines(), "stored", "rendered", n=1, lineterm=""
        )
        raise AssertionError(f"{name} differs from {path.name}:\n" + "\n".join(list(diff)[:40]))


def fetched(client: Client, path: str, **headers) -> str:
    response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def combined(client: Client, query: str) -> str:
    return fetched(client, f"/audit/combined/?{query}", HTTP_HX_REQUEST="true")


def staff(user, is_staff: bool) -> None:
    get_user_model().objects.filter(pk=user.pk).update(is_staff=is_staff)


def test_nothing_from_the_upstream_or_a_person_reaches_the_audit_unescaped(audit_world):
    """The guard the stored pages rest on, and that the data is what they claim."""
    client, viewer = audit_world
    staff(viewer, True)
    html = combined(client, "")
    for markup in ["<script>", "<b>", "<i>", "<em>", "<&>"]:
        assert markup not in html, markup
    assert "&lt;script&gt;" in html and "[U+202E]" in html  # a name's invisible characters shown
    assert len(table_rows(html, "audit-table")) == 100 and "page 1 of 2" in html
    for shown in [
        "No longer a member (403)",  # the team left
        "Could not be read",  # the team where nothing could be read
        "Files: not read (500)",  # a kind that answered 500 ...
        "Tools: not read (error)",  # ... and one that answered something unreadable
        'data-testid="creator-you"',
        'data-testid="creator-unknown"',
        "Bob &quot;&lt;b&gt;&quot; &amp; co",  # named by staff
        "Carol &lt;em&gt; O&#x27;Neil",  # a dashboard user
        '<span class="muted">unknown</span>',  # no creator at all
        "u&quot;&lt;b&gt;&amp;amp;",  # an id holding markup
        "\xa0GB</span>",  # storage in people × teams
        ">Name…</a>",  # staff may name a creator
    ]:
        assert shown in html, shown


def test_the_combined_part_renders_as_stored_for_staff_with_filters(audit_world):
    client, viewer = audit_world
    staff(viewer, True)
    html = combined(client, "created_from=2024-02-01&sort=creator")
    assert "Counting the resources that match the filters" in html and "page 1 of 2" in html
    check_golden("combined-staff-filtered", html)


def test_the_combined_part_renders_as_stored_for_a_member_in_another_time_zone(
    audit_world, settings
):
    client, viewer = audit_world
    staff(viewer, False)
    combined(client, "")  # every team read, in UTC
    settings.TIME_ZONE = "America/St_Johns"  # three and a half hours behind, less in summer
    html = combined(client, "page=2")
    assert ">Name…</a>" not in html and "page 2 of 2" in html
    check_golden("combined-member-page-2", html)


def test_the_whole_page_renders_as_stored_when_nothing_matches(audit_world):
    client, viewer = audit_world
    staff(viewer, True)
    combined(client, "")  # every team read: the page is complete at once
    html = fetched(client, f"/audit/?in_team={GONE}&kind=agents")
    assert "No resources match these filters." in html
    check_golden("page-nothing-matches", html)
