"""Lists: every kind against the sandbox, pagination edges, search, sort, "created by me",
status badges and the self-refreshing table."""

from __future__ import annotations

import pytest

from dashboard.sandbox import factories, identity, recorder
from dashboard.sandbox.models import SandboxFineTune
from tests.conftest import team_url
from tests.resources.helpers import bulk_files, row_ids

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HX-Request": "true"}


def make_one_of_each(team, user) -> dict[str, tuple[str, str]]:
    """One resource of every team kind: slug -> (id, name shown)."""
    file = factories.create_file(team, user, filename="corpus.jsonl")
    tool = factories.create_tool(team, user, name="Web lookup")
    made = {
        "files": (file.pk, "corpus.jsonl"),
        "tools": (tool.pk, "Web lookup"),
        "fine-tunes": (
            factories.create_fine_tune(team, user, experiment_name="Tune one").pk,
            "Tune one",
        ),
        "agents": (factories.create_agent(team, user, name="Helper", tools=[tool]).pk, "Helper"),
        "deployments": (factories.create_deployment(team, user, name="Serving").pk, "Serving"),
        "vector-dbs": (
            factories.create_vector_db(team, user, name="Knowledge", files=[file]).pk,
            "Knowledge",
        ),
        "projects": (factories.create_project(team, user, name="Project X").pk, "Project X"),
        "data-jobs": (factories.create_data_job(team, user, name="Prep data").pk, "Prep data"),
        "python-functions": (
            factories.create_python_function(team, user, name="adder", code="x = 1\n").pk,
            "adder",
        ),
    }
    return {slug: (str(pk), name) for slug, (pk, name) in made.items()}


def test_every_kind_lists_and_details_against_the_sandbox(org, alice_web):
    made = make_one_of_each(org.team_a, org.alice.sandbox_user)
    for slug, (resource_id, name) in made.items():
        listing = alice_web.get(team_url(org.team_a, f"r/{slug}/"))
        assert listing.status_code == 200, slug
        assert row_ids(listing.text) == [resource_id], slug
        assert name in listing.text, slug
        table = listing.text.split('data-testid="resource-table"')[1]
        assert 'data-label="Name"' in table and 'data-label="Team"' not in table, slug

        detail = alice_web.get(team_url(org.team_a, f"r/{slug}/{resource_id}/"))
        assert detail.status_code == 200, slug
        assert f"<h1>{name}</h1>" in detail.text, slug
        ownership = detail.text.split('data-testid="ownership"')[1].split("</aside>")[0]
        assert "Team A" in ownership and str(org.team_a.pk) in ownership, slug
        assert 'data-copy-target="#raw-json"' in detail.text, slug


def test_an_unknown_kind_is_a_404_page(alice_web):
    page = alice_web.get(team_url(None, "r/spaceships/"))
    assert page.status_code == 404 and "Page not found" in page.text
    # Threads are personal, not a team kind.
    assert alice_web.get(team_url(None, "r/threads/")).status_code == 404


def test_an_empty_list_says_so(org, alice_web):
    page = alice_web.get(team_url(org.team_a, "r/files/"))
    assert 'data-testid="empty-list"' in page.text and "No files in Team A yet." in page.text
    assert 'rel="next"' not in page.text


def test_exactly_one_page_has_no_next(org, alice_web):
    bulk_files(org.team_a, org.alice.sandbox_user, 50)
    page = alice_web.get(team_url(org.team_a, "r/files/"))
    assert len(row_ids(page.text)) == 50
    assert 'rel="next"' not in page.text and 'rel="prev"' not in page.text


def test_paging_through_more_than_a_thousand_files_follows_the_upstream(org, alice_web):
    bulk_files(org.team_a, org.alice.sandbox_user, 1_001)
    files = team_url(org.team_a, "r/files/")
    recorder.clear()

    first = alice_web.get(files)
    assert len(row_ids(first.text)) == 50 and 'rel="next"' in first.text
    # One upstream call, with the largest page the upstream takes: it counts the list up to
    # the count limit (past it, "at least") and is kept for the next pages.
    calls = [r for r in recorder.recorded() if r.path == "v1/flow/files"]
    assert [(c.query.get("offset"), c.query.get("limit")) for c in calls] == [("0", "1000")]
    assert "Rows 1–50 of at least 1000 · Page 1<" in first.text and ">Last<" not in first.text

    recorder.clear()
    twentieth = alice_web.get(files + "?page=20")  # still within what was read: no call
    assert len(row_ids(twentieth.text)) == 50 and 'rel="next"' in twentieth.text
    assert not [r for r in recorder.recorded() if r.path == "v1/flow/files"]

    last = alice_web.get(files + "?page=21")  # rows 1,001 to 1,001: asked of the upstream
    assert len(row_ids(last.text)) == 1 and 'rel="next"' not in last.text
    assert "Rows 1001–1001" in last.text
    calls = [r for r in recorder.recorded() if r.path == "v1/flow/files"]
    assert [(c.query.get("offset"), c.query.get("limit")) for c in calls] == [("1000", "51")]

    beyond = alice_web.get(files + "?page=22")
    assert beyond.status_code == 200 and 'data-testid="beyond-end"' in beyond.text
    assert "past the end" in beyond.text and row_ids(beyond.text) == []

    # Pages do not overlap and follow the upstream's newest-first order.
    second = row_ids(alice_web.get(files + "?page=2").text)
    assert second[0] == "file-doc-00951" and not set(second) & set(row_ids(first.text))


def test_a_list_the_upstream_does_not_page_is_paged_here_with_its_total(org, alice_web):
    alice = org.alice.sandbox_user
    for number in range(120):
        factories.create_fine_tune(org.team_a, alice, experiment_name=f"run-{number:03d}")
    fine_tunes = team_url(org.team_a, "r/fine-tunes/")

    first = alice_web.get(fine_tunes)
    assert "Rows 1–50 of 120" in first.text and "Page 1 of 3" in first.text
    last = alice_web.get(fine_tunes + "?page=3")
    assert len(row_ids(last.text)) == 20 and 'rel="next"' not in last.text
    beyond = alice_web.get(fine_tunes + "?page=9")
    assert "past the end of this list: it has 120 items on 3 pages." in beyond.text
    assert f'href="{fine_tunes}?page=3">Go to the last page' in beyond.text


def test_search_by_name_or_id_looks_through_the_whole_list(org, alice_web):
    files = bulk_files(org.team_a, org.alice.sandbox_user, 1_050)
    listing = team_url(org.team_a, "r/files/")
    recorder.clear()

    by_name = alice_web.get(listing + "?q=DOC-00007")  # case does not matter
    assert row_ids(by_name.text) == ["file-doc-00007"]
    # Every upstream page once (2 pages of 1,000), and only a few asked past the end.
    offsets = [int(r.query["offset"]) for r in recorder.recorded() if r.path == "v1/flow/files"]
    assert sorted(set(offsets)) == list(range(0, 1000 * len(set(offsets)), 1000))
    assert len(offsets) == len(set(offsets)) and 2 <= len(offsets) <= 2 + 3
    recorder.clear()
    by_id = alice_web.get(f"{listing}?q={files[3].pk}")  # the list just read: no call
    assert not [r for r in recorder.recorded() if r.path == "v1/flow/files"]
    assert row_ids(by_id.text) == [files[3].pk]
    many = alice_web.get(listing + "?q=doc-00")  # 1,050 matches minus doc-01000…doc-01050
    assert "of 999" in many.text and len(row_ids(many.text)) == 50
    nothing = alice_web.get(listing + "?q=nothing-like-this")
    assert "No files match “nothing-like-this”" in nothing.text


def test_sorting_by_a_column_in_both_directions(org, alice_web):
    alice = org.alice.sandbox_user
    for name in ("beta", "Alpha", "gamma"):
        factories.create_agent(org.team_a, alice, name=name)  # the upstream cannot sort agents
        factories.create_file(org.team_a, alice, filename=f"{name}.jsonl")  # it can sort files
    agents, files = team_url(org.team_a, "r/agents/"), team_url(org.team_a, "r/files/")

    def names(path: str) -> list[str]:
        """The three names in the order the table shows them."""
        table = alice_web.get(path).text.split('data-testid="resource-table"')[1]
        return sorted(("Alpha", "beta", "gamma"), key=table.index)

    assert names(agents + "?sort=name") == ["Alpha", "beta", "gamma"]
    assert names(agents + "?sort=-name") == ["gamma", "beta", "Alpha"]
    recorder.clear()
    assert names(files + "?sort=filename") == ["Alpha", "beta", "gamma"]
    sent = [r.query for r in recorder.recorded() if r.path == "v1/flow/files"]
    # The upstream sorts the page (the list is read from its start at the same time, to count).
    assert {"sort_by": "filename", "sort_order": "asc", "offset": "0", "limit": "51"} in sent
    assert names(files + "?sort=-filename") == ["gamma", "beta", "Alpha"]
    page = alice_web.get(agents + "?sort=name").text
    assert 'aria-sort="ascending"' in page and f'href="{agents}?sort=-name"' in page


def test_created_by_me_once_the_dashboard_knows_who_you_are(org, alice_web):
    alice, bob = org.alice.sandbox_user, org.bob.sandbox_user
    factories.create_file(org.team_a, alice, filename="alices.jsonl")
    factories.create_file(org.team_a, bob, filename="bobs.jsonl")
    mine_in_a = team_url(org.team_a, "r/files/?mine=1")

    unknown = alice_web.get(mine_in_a)
    assert 'data-testid="identity-unknown"' in unknown.text
    assert len(row_ids(unknown.text)) == 2

    factories.create_file(identity.personal_team(alice), alice, filename="private.jsonl")
    # The personal workspace shows who alice is upstream.
    alice_web.get(team_url(None, "r/files/"))

    mine = alice_web.get(mine_in_a)
    assert "alices.jsonl" in mine.text and "bobs.jsonl" not in mine.text
    assert 'data-testid="identity-unknown"' not in mine.text
    assert 'name="mine" value="1" checked' in mine.text


def test_running_jobs_refresh_the_table_until_they_are_final(org, alice_web):
    job = factories.create_fine_tune(org.team_a, org.alice.sandbox_user, status="running")
    factories.create_fine_tune(org.team_a, org.alice.sandbox_user, status="completed")
    fine_tunes = team_url(org.team_a, "r/fine-tunes/")

    page = alice_web.get(fine_tunes)
    assert 'hx-trigger="every 4s"' in page.text and "data-poll-toggle" in page.text
    assert 'data-status="running">Running</span>' in page.text
    assert 'data-status="completed">Completed</span>' in page.text

    fragment = alice_web.get(fine_tunes, headers=HTMX)
    assert fragment.text.lstrip().startswith('<div id="resource-table"')
    assert "<html" not in fragment.text and 'hx-trigger="every 4s"' in fragment.text

    SandboxFineTune.objects.filter(pk=job.pk).update(status="completed")
    settled = alice_web.get(fine_tunes, headers=HTMX)
    assert 'id="resource-table"' in settled.text
    assert "hx-trigger" not in settled.text and "data-poll-toggle" not in settled.text


def test_a_refreshing_table_keeps_its_team_whatever_another_tab_opened(org, alice_web):
    job = factories.create_fine_tune(org.team_a, org.alice.sandbox_user, status="running")
    page = alice_web.get(team_url(org.team_a, "r/fine-tunes/")).text
    poll_url = page.split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    assert poll_url.startswith(team_url(org.team_a, "r/fine-tunes/"))
    alice_web.get(team_url(None))  # another tab: the personal workspace is now last used
    recorder.clear()

    fragment = alice_web.get(poll_url, headers=HTMX)

    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert row_ids(fragment.text) == [job.pk] and 'hx-trigger="every 4s"' in fragment.text
    assert 'data-testid="poll-team-changed"' not in fragment.text
    lists = [r for r in recorder.recorded() if r.path.startswith("v1/flow/fine-tunes")]
    assert lists and {r.team_header for r in lists} == {str(org.team_a.pk)}
