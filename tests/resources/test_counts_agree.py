"""One count of a team's resources, whichever page shows it: the overview, the list and its
pager, a sort, a search and the ownership audit agree, exact where the dashboard can know it
and "at least" where it stops counting."""

from __future__ import annotations

import re

from dashboard.sandbox import factories
from tests.conftest import team_url
from tests.resources.helpers import bulk_files, row_ids


def pager_status(html: str) -> str:
    return re.search(r'data-testid="pager-status">([^<]*)<', html).group(1)


def overview_count(html: str, slug: str) -> str:
    return re.search(rf'data-testid="count-{slug}"[^>]*>([^<]*)<', html).group(1).strip()


def audit_count(web, team, slug: str = "files") -> int:
    section = web.get(f"/audit/team/{team.pk}/").text
    text = re.sub(r"<[^>]+>", " ", section)
    return int(re.search(r"Files\s+(\d+)", text).group(1))


def test_132_files_are_counted_as_132_on_every_page(org, alice_web):
    bulk_files(org.team_a, org.alice.sandbox_user, 131)
    factories.create_file(org.team_a, org.bob.sandbox_user, filename="bobs-notes.jsonl")
    files = team_url(org.team_a, "r/files/")

    assert overview_count(alice_web.get(team_url(org.team_a)).text, "files") == "132"
    first = alice_web.get(files).text
    assert pager_status(first) == "Rows 1–50 of 132 · Page 1 of 3"
    assert f'href="{files}?page=3">Last</a>' in first
    by_creator = alice_web.get(files + "?sort=created_by").text
    assert pager_status(by_creator) == "Rows 1–50 of 132 · Page 1 of 3"
    every_one = alice_web.get(files + "?q=.jsonl").text  # a search every file matches
    assert pager_status(every_one) == "Rows 1–50 of 132 · Page 1 of 3"
    assert pager_status(alice_web.get(files + "?q=doc-").text).endswith("of 131 · Page 1 of 3")
    last = alice_web.get(files + "?page=3").text
    assert pager_status(last) == "Rows 101–132 of 132 · Page 3 of 3" and len(row_ids(last)) == 32
    assert audit_count(alice_web, org.team_a) == 132


def test_a_file_deleted_through_the_dashboard_is_counted_at_once_by_the_audit(org, alice_web):
    made = bulk_files(org.team_a, org.alice.sandbox_user, 132)
    assert audit_count(alice_web, org.team_a) == 132  # read, and kept for a minute

    delete = team_url(org.team_a, f"r/files/{made[0].pk}/delete/")
    alice_web.get(delete)
    assert alice_web.post(delete).status_code == 200

    assert pager_status(alice_web.get(team_url(org.team_a, "r/files/")).text).startswith(
        "Rows 1–50 of 131"
    )
    assert overview_count(alice_web.get(team_url(org.team_a)).text, "files") == "131"
    assert audit_count(alice_web, org.team_a) == 131


def test_past_the_count_limit_a_list_says_at_least_and_has_no_last_page(
    org, alice_web, monkeypatch
):
    from dashboard.resources import selectors

    monkeypatch.setattr(selectors, "COUNT_LIMIT", 100)
    bulk_files(org.team_a, org.alice.sandbox_user, 132)
    files = team_url(org.team_a, "r/files/")

    assert overview_count(alice_web.get(team_url(org.team_a)).text, "files") == "at least 100"
    first = alice_web.get(files).text
    assert pager_status(first) == "Rows 1–50 of at least 100 · Page 1"
    assert ">Last</a>" not in first and 'rel="next"' in first
    # Sorting reads the whole list, so there the dashboard knows: the same 132.
    assert "of 132" in pager_status(alice_web.get(files + "?sort=created_by").text)


def test_a_page_past_the_end_names_the_last_page_in_a_sentence(org, alice_web):
    bulk_files(org.team_a, org.alice.sandbox_user, 132)
    files = team_url(org.team_a, "r/files/")

    beyond = alice_web.get(files + "?page=999").text

    box = beyond.split('data-testid="beyond-end"')[1].split("</div>")[0]
    message = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", box))
    assert "Page 999 is past the end of this list: it has 132 items on 3 pages." in message
    assert "Go to the last page or the first page." in message
    assert f'href="{files}?page=3">Go to the last page</a>' in beyond
