"""Lists: every kind against the sandbox, pagination edges, search, sort, "created by me",
status badges and the self-refreshing table."""

from __future__ import annotations

import pytest

from dashboard.sandbox import recorder, services
from dashboard.sandbox.models import SandboxFineTune
from tests.resources.helpers import bulk_files, row_ids, switch

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HX-Request": "true"}


def make_one_of_each(team, user) -> dict[str, tuple[str, str]]:
    """One resource of every team kind: slug -> (id, name shown)."""
    file = services.create_file(team, user, filename="corpus.jsonl")
    tool = services.create_tool(team, user, name="Web lookup")
    made = {
        "files": (file.pk, "corpus.jsonl"),
        "tools": (tool.pk, "Web lookup"),
        "fine-tunes": (
            services.create_fine_tune(team, user, experiment_name="Tune one").pk,
            "Tune one",
        ),
        "agents": (services.create_agent(team, user, name="Helper", tools=[tool]).pk, "Helper"),
        "deployments": (services.create_deployment(team, user, name="Serving").pk, "Serving"),
        "vector-dbs": (
            services.create_vector_db(team, user, name="Knowledge", files=[file]).pk,
            "Knowledge",
        ),
        "projects": (services.create_project(team, user, name="Project X").pk, "Project X"),
        "data-jobs": (services.create_data_job(team, user, name="Prep data").pk, "Prep data"),
    }
    return {slug: (str(pk), name) for slug, (pk, name) in made.items()}


def test_every_kind_lists_and_details_against_the_sandbox(org, alice_web):
    made = make_one_of_each(org.team_a, org.alice.sandbox_user)
    switch(alice_web, org.team_a)
    for slug, (resource_id, name) in made.items():
        listing = alice_web.get(f"/r/{slug}/")
        assert listing.status_code == 200, slug
        assert row_ids(listing.text) == [resource_id], slug
        assert name in listing.text, slug
        assert "Team A" in listing.text.split('data-testid="resource-table"')[1], slug

        detail = alice_web.get(f"/r/{slug}/{resource_id}/")
        assert detail.status_code == 200, slug
        assert f"<h1>{name}</h1>" in detail.text, slug
        ownership = detail.text.split('data-testid="ownership"')[1].split("</aside>")[0]
        assert "Team A" in ownership and str(org.team_a.pk) in ownership, slug
        assert 'data-copy-target="#raw-json"' in detail.text, slug


def test_an_unknown_kind_is_a_404_page(alice_web):
    page = alice_web.get("/r/spaceships/")
    assert page.status_code == 404 and "Page not found" in page.text
    assert alice_web.get("/r/threads/").status_code == 404  # personal, not a team kind


def test_an_empty_list_says_so(org, alice_web):
    switch(alice_web, org.team_a)
    page = alice_web.get("/r/files/")
    assert 'data-testid="empty-list"' in page.text and "No files in Team A yet." in page.text
    assert 'rel="next"' not in page.text


def test_exactly_one_page_has_no_next(org, alice_web):
    bulk_files(org.team_a, org.alice.sandbox_user, 50)
    switch(alice_web, org.team_a)
    page = alice_web.get("/r/files/")
    assert len(row_ids(page.text)) == 50
    assert 'rel="next"' not in page.text and 'rel="prev"' not in page.text


def test_paging_through_more_than_a_thousand_files_follows_the_upstream(org, alice_web):
    bulk_files(org.team_a, org.alice.sandbox_user, 1_001)
    switch(alice_web, org.team_a)
    recorder.clear()

    first = alice_web.get("/r/files/")
    assert len(row_ids(first.text)) == 50 and 'rel="next"' in first.text
    # One upstream page of 51 (one more than shown, to know whether there is a next page).
    calls = [r for r in recorder.recorded() if r.path == "v1/flow/files"]
    assert [(c.query.get("offset"), c.query.get("limit")) for c in calls] == [("0", "51")]

    last = alice_web.get("/r/files/?page=21")  # rows 1,001 to 1,001
    assert len(row_ids(last.text)) == 1 and 'rel="next"' not in last.text
    assert "Rows 1001–1001" in last.text

    beyond = alice_web.get("/r/files/?page=22")
    assert beyond.status_code == 200 and 'data-testid="beyond-end"' in beyond.text
    assert "past the end" in beyond.text and row_ids(beyond.text) == []

    # Pages do not overlap and follow the upstream's newest-first order.
    second = row_ids(alice_web.get("/r/files/?page=2").text)
    assert second[0] == "file-doc-00951" and not set(second) & set(row_ids(first.text))


def test_a_list_the_upstream_does_not_page_is_paged_here_with_its_total(org, alice_web):
    alice = org.alice.sandbox_user
    for number in range(120):
        services.create_fine_tune(org.team_a, alice, experiment_name=f"run-{number:03d}")
    switch(alice_web, org.team_a)

    first = alice_web.get("/r/fine-tunes/")
    assert "Rows 1–50 of 120" in first.text and "Page 1 of 3" in first.text
    last = alice_web.get("/r/fine-tunes/?page=3")
    assert len(row_ids(last.text)) == 20 and 'rel="next"' not in last.text
    beyond = alice_web.get("/r/fine-tunes/?page=9")
    assert "past the end of this list (120 items)" in beyond.text
    assert 'href="/r/fine-tunes/?page=3">Go to the last page' in beyond.text


def test_search_by_name_or_id_looks_through_the_whole_list(org, alice_web):
    files = bulk_files(org.team_a, org.alice.sandbox_user, 1_050)
    switch(alice_web, org.team_a)
    recorder.clear()

    by_name = alice_web.get("/r/files/?q=DOC-00007")  # case does not matter
    assert row_ids(by_name.text) == ["file-doc-00007"]
    # Every upstream page once (11 pages of 100), and only a few asked past the end.
    offsets = [int(r.query["offset"]) for r in recorder.recorded() if r.path == "v1/flow/files"]
    assert sorted(set(offsets)) == list(range(0, 100 * len(set(offsets)), 100))
    assert len(offsets) == len(set(offsets)) and 11 <= len(offsets) <= 11 + 3
    by_id = alice_web.get(f"/r/files/?q={files[3].pk}")
    assert row_ids(by_id.text) == [files[3].pk]
    many = alice_web.get("/r/files/?q=doc-00")  # 1,050 matches minus doc-01000…doc-01050
    assert "of 999" in many.text and len(row_ids(many.text)) == 50
    nothing = alice_web.get("/r/files/?q=nothing-like-this")
    assert "No files match “nothing-like-this”" in nothing.text


def test_sorting_by_a_column_in_both_directions(org, alice_web):
    alice = org.alice.sandbox_user
    for name in ("beta", "Alpha", "gamma"):
        services.create_agent(org.team_a, alice, name=name)  # the upstream cannot sort agents
        services.create_file(org.team_a, alice, filename=f"{name}.jsonl")  # it can sort files
    switch(alice_web, org.team_a)

    def names(path: str) -> list[str]:
        """The three names in the order the table shows them."""
        table = alice_web.get(path).text.split('data-testid="resource-table"')[1]
        return sorted(("Alpha", "beta", "gamma"), key=table.index)

    assert names("/r/agents/?sort=name") == ["Alpha", "beta", "gamma"]
    assert names("/r/agents/?sort=-name") == ["gamma", "beta", "Alpha"]
    recorder.clear()
    assert names("/r/files/?sort=filename") == ["Alpha", "beta", "gamma"]
    sent = [r.query for r in recorder.recorded() if r.path == "v1/flow/files"]
    assert sent and sent[0].get("sort_by") == "filename" and sent[0].get("sort_order") == "asc"
    assert names("/r/files/?sort=-filename") == ["gamma", "beta", "Alpha"]
    page = alice_web.get("/r/agents/?sort=name").text
    assert 'aria-sort="ascending"' in page and 'href="/r/agents/?sort=-name"' in page


def test_created_by_me_once_the_dashboard_knows_who_you_are(org, alice_web):
    alice, bob = org.alice.sandbox_user, org.bob.sandbox_user
    services.create_file(org.team_a, alice, filename="alices.jsonl")
    services.create_file(org.team_a, bob, filename="bobs.jsonl")
    switch(alice_web, org.team_a)

    unknown = alice_web.get("/r/files/?mine=1")
    assert 'data-testid="identity-unknown"' in unknown.text
    assert len(row_ids(unknown.text)) == 2

    services.create_file(services.personal_team(alice), alice, filename="private.jsonl")
    switch(alice_web, None)
    alice_web.get("/r/files/")  # the personal workspace shows who alice is upstream
    switch(alice_web, org.team_a)

    mine = alice_web.get("/r/files/?mine=1")
    assert "alices.jsonl" in mine.text and "bobs.jsonl" not in mine.text
    assert 'data-testid="identity-unknown"' not in mine.text
    assert 'name="mine" value="1" checked' in mine.text


def test_running_jobs_refresh_the_table_until_they_are_final(org, alice_web):
    job = services.create_fine_tune(org.team_a, org.alice.sandbox_user, status="running")
    services.create_fine_tune(org.team_a, org.alice.sandbox_user, status="completed")
    switch(alice_web, org.team_a)

    page = alice_web.get("/r/fine-tunes/")
    assert 'hx-trigger="every 4s"' in page.text and "data-poll-toggle" in page.text
    assert '<span class="badge badge-run">running</span>' in page.text
    assert '<span class="badge badge-ok">completed</span>' in page.text

    fragment = alice_web.get("/r/fine-tunes/", headers=HTMX)
    assert fragment.text.lstrip().startswith('<div id="resource-table"')
    assert "<html" not in fragment.text and 'hx-trigger="every 4s"' in fragment.text

    SandboxFineTune.objects.filter(pk=job.pk).update(status="completed")
    settled = alice_web.get("/r/fine-tunes/", headers=HTMX)
    assert 'id="resource-table"' in settled.text
    assert "hx-trigger" not in settled.text and "data-poll-toggle" not in settled.text


def test_a_refreshing_table_stops_when_the_team_changed_in_another_tab(org, alice_web):
    services.create_fine_tune(org.team_a, org.alice.sandbox_user, status="running")
    switch(alice_web, org.team_a)
    poll_url = alice_web.get("/r/fine-tunes/").text.split('hx-get="')[1].split('"')[0]
    switch(alice_web, None)  # another tab

    fragment = alice_web.get(poll_url.replace("&amp;", "&"), headers=HTMX)

    assert 'data-testid="poll-team-changed"' in fragment.text and "hx-trigger" not in fragment.text
