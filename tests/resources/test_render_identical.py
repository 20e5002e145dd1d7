"""Pages render byte for byte as they did before the cheap rendering of issue 19 (tables built
in Python rather than template by template), and what the upstream says is escaped on them.

For fixed data (fixed ids, fixed timestamps in the past, names full of markup, quotes and
invisible characters) each list page of every team kind, the overview, a detail page with a
sub-list, the fields of every item's detail page and a field of each format are compared with
the HTML stored in ``golden/``. Only what differs from one render to
the next is masked: the CSRF token, and how old a remembered list is ("As of 3 seconds ago ·
Refresh", a line of its own); lines holding nothing but spaces are not compared either, so
that line's coming or going changes nothing.

A deliberate change of these pages regenerates the stored pages:
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/resources/test_render_identical.py``; then read the
diff of ``golden/`` before committing it.
"""

from __future__ import annotations

import collections
import itertools
import os
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from unittest import mock
from urllib.parse import unquote

import pytest
from django.test import Client

from dashboard.people.models import CreatorName
from dashboard.sandbox import factories, identity
from dashboard.sandbox.models import (
    SandboxAgent,
    SandboxFile,
    SandboxFineTune,
    SandboxMembership,
    SandboxProject,
    SandboxTeam,
    SandboxTool,
    SandboxUser,
    SandboxVectorDBFile,
)
from dashboard.upstream import catalog
from tests.conftest import make_dashboard_user
from tests.resources.helpers import row_ids

pytestmark = pytest.mark.django_db(transaction=True)

GOLDEN = Path(__file__).parent / "golden"
UPDATING = bool(os.environ.get("UPDATE_GOLDEN"))
CSRF_VALUES = re.compile(r'((?:name="csrfmiddlewaretoken" value=|"X-CSRFToken": )")[^"]+"')
LIST_AGE = re.compile(r'<p class="list-age[^"]*"[^\n]*?</p>')
BLANK_LINES = re.compile(r"^[ \t]*\n", re.MULTILINE)

TEAM_ID = uuid.UUID("7e57a11c-0000-4000-8000-000000000001")
HOSTILE = '<script>alert("x")</script> & \'quoted\' "double"'
EPOCH = datetime(2024, 3, 1, 9, 30, 15, tzinfo=UTC)

# Ids a table must show escaped, link quoted, or (holding "/") not link at all.
ODD_IDS = {
    "files": ["file-\"quoted'<b>&amp;", "file-a/b?c#d", "file-50%-ünï"],
    "agents": ["agent-\"<x>&'y"],
    "fine-tunes": ["ft-a&b<c>"],
    "tools": ["tool-'single'"],
}


def fixed_member(pk: int, username: str, personal_team: str) -> tuple[SandboxUser, str]:
    """An upstream user with fixed ids (they show in links and titles), a personal workspace
    and an API key."""
    user = SandboxUser.objects.create(pk=pk, username=username)
    team = SandboxTeam.objects.create(
        id=uuid.UUID(personal_team), name=f"{username} (personal)", personal_of=user
    )
    SandboxMembership.objects.create(team=team, user=user, role="Admin")
    key = f"sk-sbx-golden-{username}"
    identity.add_api_key(user, key, label="default")
    return user, key


def fixed_ids():
    """What ``prefixed_id`` gives: each prefix numbered in order, long enough to be shown
    short."""
    counters = collections.defaultdict(itertools.count)

    def prefixed_id(prefix: str) -> str:
        return f"{prefix}-{next(counters[prefix]) + 1:032x}"

    return prefixed_id


def moment(minutes: int) -> datetime:
    return EPOCH + timedelta(minutes=minutes, seconds=minutes * 7, microseconds=minutes * 1001)


def make_resources(team, creators) -> None:
    """A few of each team kind, by each of ``creators`` in turn, the newest last, some with
    hostile names, odd ids or an odd status."""
    people = itertools.cycle(creators)
    at = (moment(n) for n in itertools.count(1))
    files = [
        factories.create_file(
            team,
            next(people),
            filename=name,
            created_at=next(at),
            content=b'{"prompt": "a", "completion": "b"}\n' * size,
        )
        for size, name in enumerate(
            [
                "train.jsonl",
                f"{HOSTILE}.jsonl",
                "evil\u202egpj.exe.jsonl",
                "a & b.jsonl",
                "big.jsonl",
            ],
            start=1,
        )
    ]
    SandboxFile.objects.filter(pk=files[4].pk).update(bytes=5 * 1024 * 1024 * 1024 + 7)
    for status, name in [
        ("completed", "run-1"),
        ("failed", HOSTILE),
        ("running", "run <3>"),
        ("cancelled", ""),
    ]:
        factories.create_fine_tune(
            team, next(people), status=status, experiment_name=name, created_at=next(at)
        )
    SandboxFineTune.objects.filter(experiment_name="run-1").update(status='<i>odd"</i>')
    for status, name in [("Active", "Helper"), ("Inactive", HOSTILE), ("Failed", "Bot & co")]:
        factories.create_agent(team, next(people), name=name, status=status, created_at=next(at))
    for status, name in [("Active", "Serving"), ("Pending", HOSTILE)]:
        factories.create_deployment(
            team, next(people), name=name, status=status, n_instances=3, created_at=next(at)
        )
    factories.create_vector_db(
        team, next(people), name=HOSTILE, files=files[3:], created_at=next(at)
    )
    for link in SandboxVectorDBFile.objects.order_by("pk"):  # ingested now, unless told otherwise
        SandboxVectorDBFile.objects.filter(pk=link.pk).update(created_at=next(at))
    factories.create_vector_db(team, next(people), name="Knowledge", created_at=next(at))
    for number, (name, runs) in enumerate([(HOSTILE, 4), ("Plain", 0)], start=1):
        project = factories.create_project(
            team, next(people), name=name, runs=runs, runs_deployed=runs // 4, created_at=next(at)
        )
        # Projects are numbered by the database, which need not start again at 1 for each test.
        SandboxProject.objects.filter(pk=project.pk).update(id=700 + number)
    factories.create_tool(team, next(people), name="Search", created_at=next(at))
    factories.create_tool(
        team,
        next(people),
        name=HOSTILE,
        type="mcp_connector",
        status="Pending_authorization",
        created_at=next(at),
    )
    factories.create_python_function(
        team,
        next(people),
        name=HOSTILE,
        code='def f():\n    """Says <hi> & "bye"."""\n',
        created_at=next(at),
    )
    factories.create_data_job(
        team, next(people), name=HOSTILE, status="ready_to_start", created_at=next(at)
    )
    factories.create_data_job(
        team, next(people), name="Principles", status="completed", created_at=next(at)
    )
    odd = [
        (SandboxFile, "file", ODD_IDS["files"]),
        (SandboxAgent, "agent", ODD_IDS["agents"]),
        (SandboxFineTune, "ft", ODD_IDS["fine-tunes"]),
        (SandboxTool, "tool", ODD_IDS["tools"]),
    ]
    for model, prefix, ids in odd:
        for number, new_id in enumerate(ids, start=1):
            renamed = model.objects.filter(pk=f"{prefix}-{number:032x}").update(id=new_id)
            assert renamed == 1, new_id


def dashboard_person(username: str, api_key: str, upstream_id: str, teams=(), **names):
    """A dashboard user whose key is known to act as upstream user ``upstream_id``."""
    from dashboard.accounts.models import ApiKey

    user = make_dashboard_user(username, member=SimpleNamespace(api_key=api_key), teams=teams)
    ApiKey.objects.filter(user=user).update(upstream_user_id=upstream_id)
    for field, value in names.items():
        setattr(user, field, value)
    user.save()
    return user


@pytest.fixture
def golden_team(upstream):
    """Team "A" (a hostile label) with Alice (who looks), Bob (named by staff), Carol (a
    dashboard user) and Dan (whom nobody knows), every kind in it; Alice signed in with the
    Django test client. Names given in the dashboard are hostile too."""
    alice, alice_key = fixed_member(9001, "alice", "7e57a11c-0000-4000-8000-0000000000a1")
    bob, _ = fixed_member(9002, "bob", "7e57a11c-0000-4000-8000-0000000000b2")
    carol, carol_key = fixed_member(9003, "carol", "7e57a11c-0000-4000-8000-0000000000c3")
    dan, _ = fixed_member(9004, "dan", "7e57a11c-0000-4000-8000-0000000000d4")
    team = SandboxTeam.objects.create(id=TEAM_ID, name="Team A")
    for user, role in [(alice, "Admin"), (bob, "Creator"), (carol, "Creator"), (dan, "Creator")]:
        SandboxMembership.objects.create(team=team, user=user, role=role)
    prefixed_id = fixed_ids()
    with (
        mock.patch("dashboard.sandbox.factories.prefixed_id", prefixed_id),
        mock.patch("dashboard.sandbox.storage.prefixed_id", prefixed_id),
    ):
        make_resources(team, [alice, bob, carol, dan])
    CreatorName.objects.create(creator_id=str(bob.pk), display_name='Bob "<b>" & co')
    dashboard_person("carol", carol_key, str(carol.pk), first_name="Carol <em>", last_name="O'Neil")
    viewer = dashboard_person("alice", alice_key, str(alice.pk), teams=[(team, 'Team "A" <&>')])
    client = Client()
    client.force_login(viewer)
    return client


def masked(html: str) -> str:
    return CSRF_VALUES.sub(r'\1MASKED"', html)


def comparable(html: str) -> str:
    return BLANK_LINES.sub("", LIST_AGE.sub("", html))


def check_golden(name: str, html: str, normalised=comparable) -> None:
    path = GOLDEN / f"{name}.html"
    if UPDATING:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(html, encoding="utf-8")
    assert path.exists(), f"no stored page {path.name}: run with UPDATE_GOLDEN=1 once"
    expected, html = normalised(path.read_text(encoding="utf-8")), normalised(html)
    if html != expected:
        at = next(i for i, (a, b) in enumerate(zip(html, expected + "\0", strict=False)) if a != b)
        raise AssertionError(
            f"{name} differs from {path.name} at character {at}:\n"
            f"  stored:   {expected[max(0, at - 120) : at + 120]!r}\n"
            f"  rendered: {html[max(0, at - 120) : at + 120]!r}"
        )


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return masked(response.content.decode())


def test_no_markup_from_the_upstream_reaches_a_page_unescaped(golden_team):
    """The guard the stored pages rest on: nothing the upstream or a person wrote is markup."""
    for kind in catalog.team_kinds():
        html = page(golden_team, f"/t/{TEAM_ID}/r/{kind.slug}/")
        assert "<script>" not in html and "<b>" not in html and "<i>" not in html, kind.slug
        assert row_ids(html), f"{kind.slug}: no rows"
    assert "&lt;script&gt;" in page(golden_team, f"/t/{TEAM_ID}/")


@pytest.mark.parametrize("slug", [kind.slug for kind in catalog.team_kinds()])
def test_a_list_page_renders_as_stored(golden_team, slug):
    html = page(golden_team, f"/t/{TEAM_ID}/r/{slug}/")
    assert row_ids(html)
    check_golden(f"list-{slug}", html)


def test_the_overview_renders_as_stored(golden_team):
    check_golden("overview", page(golden_team, f"/t/{TEAM_ID}/"))


def test_a_table_fragment_renders_as_stored(golden_team):
    """The table alone, as htmx asks for it when a list refreshes."""
    response = golden_team.get(f"/t/{TEAM_ID}/r/files/?sort=-bytes", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    check_golden("fragment-files", masked(response.content.decode()))


def test_a_detail_page_with_a_sub_list_renders_as_stored(golden_team):
    vector_db = catalog.get("vector-dbs")
    assert vector_db.sub_lists, "vector databases list their files"
    check_golden("detail-vector-db", page(golden_team, f"/t/{TEAM_ID}/r/vector-dbs/vdb-{1:032x}/"))


FIELDS = re.compile(r'<dl class="dl" data-testid="fields">.*?</dl>', re.DOTALL)
FIELD = re.compile(r"<dt>.*?\n</dd>", re.DOTALL)


def fields_in_any_order(html: str) -> str:
    """Each detail page's fields, each as it is shown, in a fixed order: past the catalog's
    columns a page follows the upstream's order of an item's keys, and the sandbox's on
    PostgreSQL (a JSON column's keys kept sorted) is not its order on SQLite."""
    return "".join(
        "".join(sorted(FIELD.findall(fields))) for fields in FIELDS.findall(comparable(html))
    )


def detail_links(html: str, slug: str) -> list[str]:
    """The links of a list page's rows to their detail pages."""
    pattern = re.compile(rf'href="(/t/{TEAM_ID}/r/{re.escape(slug)}/([^"/?#]+)/)"')
    rows = set(row_ids(html))
    links = [link for link, id_ in pattern.findall(html) if unescape(unquote(id_)) in rows]
    return list(dict.fromkeys(links))


@pytest.mark.parametrize("slug", [kind.slug for kind in catalog.team_kinds()])
def test_every_detail_page_shows_its_fields_as_stored(golden_team, slug):
    """The fields of every item's detail page, kind by kind, against the stored ones (in any
    order: see ``fields_in_any_order``)."""
    links = detail_links(page(golden_team, f"/t/{TEAM_ID}/r/{slug}/"), slug)
    assert links, f"{slug}: no detail links"
    shown = []
    for link in links:
        response = golden_team.get(link)
        assert response.status_code == 200, (link, response.status_code)
        html = masked(response.content.decode())
        (fields,) = FIELDS.findall(html)
        shown.append(f"<!-- {link} -->\n{fields}\n")
    assert fields_in_any_order("".join(shown)).count("<dt>") > len(links), "fields not found"
    check_golden(f"fields-{slug}", "".join(shown), normalised=fields_in_any_order)


def test_fields_of_every_format_render_as_stored():
    """Each way a field is shown, with what the upstream or a person may write in it (markup,
    quotes, line breaks, invisible characters), against the stored rendering."""
    from django.template.loader import render_to_string

    from dashboard.people.directory import Creator
    from dashboard.resources.fields import Field, Link
    from dashboard.resources.presentation import TeamName

    offset = timezone(timedelta(hours=5, minutes=30), 'Z<">')
    fields = [
        Field(
            "tools",
            "Tools <b>",
            "links",
            links=[
                Link("tools", "tool-1", "Search <i>&"),
                Link("tools", "tool-2", "tool-2"),
                Link("", "tool/odd", 'Odd "one"'),
                Link("files", "file-a b", "a&b\u202e"),
            ],
        ),
        Field("nothing", "Nothing", "empty"),
        Field("user_id", "Owner", "owner", Creator("42", "you", is_you=True, person="Alice")),
        Field("by", "By", "owner", Creator("43", 'Bob "<b>"', person='Bob "<b>"', source="named")),
        Field("who", "Who", "owner", Creator("44<>", "unknown user 44<>")),
        Field("nobody", "Nobody", "owner", None),
        Field("team_id", "Team", "team", TeamName(str(TEAM_ID), 'Team "A" <&>')),
        Field("other_team", "Other team", "team", TeamName("t-<x>", "")),
        Field("no_team", "No team", "team", None),
        Field("status", "Status", "status", "running <x>", "badge-info"),
        Field("empty_status", "Empty status", "status", "", "badge-info"),
        Field("yes", "Yes", "bool", True),
        Field("no", "No", "bool", False),
        Field("bytes", "Size", "bytes", 1023),
        Field("bytes", "Size", "bytes", 1024),
        Field("bytes", "Size", "bytes", 5 * 1024**3 + 7),
        Field("at", "At", "datetime", datetime(2024, 3, 1, 9, 30, 15, 250, tzinfo=offset)),
        Field("utc", "UTC", "datetime", EPOCH),
        Field("tags", "Tags", "list", ["a<b>", "1", "x & 'y'", "[U+202E]"]),
        Field("config", "Config", "json", '{\n  "a": "<b>&"\n}'),
        Field("text", "Text", "text", 'one\ntwo <i>"&"</i>\r\nthree'),
        Field("number", "Number", "text", "12345678"),
    ]
    context = {"fields": fields, "active_team": SimpleNamespace(key=str(TEAM_ID))}
    check_golden("fields-every-format", render_to_string("resources/_fields.html", context))
