"""Details: fields, ownership, raw JSON, related resources, downloads, and the lookup in the
other teams when a resource is not in the team of the page."""

from __future__ import annotations

import pytest
from django.test import Client

from dashboard.sandbox import factories, faults, identity
from tests.conftest import team_url

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HX-Request": "true"}


def section(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"', 1)[1]


def test_a_detail_shows_every_field_ownership_and_copyable_json(org, alice_web):
    bob = org.bob.sandbox_user
    deployment = factories.create_deployment(org.team_a, bob, name="Chat API", n_instances=3)

    page = alice_web.get(team_url(org.team_a, f"r/deployments/{deployment.pk}/"))

    fields = section(page.text, "fields").split("</dl>")[0]
    for key in ("id", "name", "description", "model_type", "n_instances", "total_input_tokens"):
        assert f'data-field="{key}"' in fields, key
    assert "Chat API" in fields and "A deployed model." in fields
    ownership = section(page.text, "ownership").split("</aside>")[0]
    assert "Team A" in ownership and str(org.team_a.pk) in ownership
    # Bob has no dashboard account and no given name: shown as such, with how to name him.
    assert f"unknown user {bob.pk}" in ownership and ">you<" not in ownership
    assert 'data-testid="creator-unknown"' in ownership and f'href="/people/{bob.pk}/"' in ownership
    raw = section(page.text, "raw-json").split("</pre>")[0]
    assert "&quot;n_instances&quot;: 3" in raw and 'id="raw-json"' in page.text
    assert 'data-copy-target="#raw-json"' in page.text


def test_related_resources_link_to_each_other(org, alice_web):
    alice = org.alice.sandbox_user
    data = factories.create_file(org.team_a, alice, filename="train.jsonl")
    project = factories.create_project(org.team_a, alice, name="Project Q")
    job = factories.create_fine_tune(
        org.team_a, alice, training_files=[data.pk], project_id=project.pk
    )
    tool = factories.create_tool(org.team_a, alice, name="Lookup tool")
    agent = factories.create_agent(org.team_a, alice, name="Bot", tools=[tool])
    vector_db = factories.create_vector_db(org.team_a, alice, name="KB", files=[data])

    def in_a(rest: str) -> str:
        return team_url(org.team_a, rest)

    job_page = alice_web.get(in_a(f"r/fine-tunes/{job.pk}/")).text
    assert f'href="{in_a(f"r/files/{data.pk}/")}"' in job_page
    assert f'href="{in_a(f"r/projects/{project.pk}/")}"' in job_page
    agent_page = alice_web.get(in_a(f"r/agents/{agent.pk}/")).text
    assert f'href="{in_a(f"r/tools/{tool.pk}/")}">Lookup tool</a>' in agent_page
    vdb_page = alice_web.get(in_a(f"r/vector-dbs/{vector_db.pk}/")).text
    files = section(vdb_page, "sub-list").split("</section>")[0]
    assert "Files in this vector database" in vdb_page
    assert f'href="{in_a(f"r/files/{data.pk}/")}"' in files and "train.jsonl" in files
    # Following a link opens the related resource.
    assert "<h1>train.jsonl</h1>" in alice_web.get(in_a(f"r/files/{data.pk}/")).text


def test_a_failing_sub_list_does_not_hide_the_resource(org, alice_web):
    vector_db = factories.create_vector_db(org.team_a, org.alice.sandbox_user, name="KB")
    faults.set_faults("GET ^v1/flow/vectordb/[^/]+/files$ 500")

    page = alice_web.get(team_url(org.team_a, f"r/vector-dbs/{vector_db.pk}/"))

    assert page.status_code == 200 and "<h1>KB</h1>" in page.text
    assert 'data-testid="upstream-error"' in section(page.text, "sub-list")


def test_file_content_downloads_through_the_dashboard(org, alice_web):
    content = b'{"prompt": "a", "completion": "b"}\n' * 2000
    file = factories.create_file(
        org.team_a, org.alice.sandbox_user, filename='report "final";v2.jsonl', content=content
    )
    content_url = team_url(org.team_a, f"r/files/{file.pk}/content/")

    detail = alice_web.get(team_url(org.team_a, f"r/files/{file.pk}/"))
    assert f'href="{content_url}"' in detail.text
    download = alice_web.get(content_url)

    assert download.status_code == 200 and download.content == content
    assert download.headers["Content-Length"] == str(len(content))
    assert (
        download.headers["Content-Disposition"] == 'attachment; filename="report _final_v2.jsonl"'
    )
    assert download.headers["Content-Type"] == "application/octet-stream"


def test_file_content_is_streamed_not_held_in_memory(org, alice_web):
    from django.contrib.auth import get_user_model

    file = factories.create_file(org.team_a, org.alice.sandbox_user, content=b"x" * 300_000)
    client = Client()
    client.force_login(get_user_model().objects.get(username="alice"))

    response = client.get(team_url(org.team_a, f"r/files/{file.pk}/content/"))

    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == b"x" * 300_000


def test_a_kind_without_content_has_no_download(org, alice_web):
    agent = factories.create_agent(org.team_a, org.alice.sandbox_user, name="Bot")
    detail = alice_web.get(team_url(org.team_a, f"r/agents/{agent.pk}/"))
    assert detail.status_code == 200 and 'data-testid="download"' not in detail.text
    assert alice_web.get(team_url(org.team_a, f"r/agents/{agent.pk}/content/")).status_code == 404


def test_not_in_this_team_offers_to_look_in_the_other_teams(org, alice_web):
    file = factories.create_file(org.team_a, org.alice.sandbox_user, filename="shared.jsonl")

    missing = alice_web.get(team_url(None, f"r/files/{file.pk}/"))  # in the personal workspace

    assert missing.status_code == 404 and 'data-testid="not-found"' in missing.text
    find_url = team_url(None, f"r/files/{file.pk}/find/")
    assert f'href="{find_url}"' in missing.text and f'hx-get="{find_url}"' in missing.text

    fragment = alice_web.get(find_url, headers=HTMX)
    assert "<html" not in fragment.text and 'data-testid="team-lookups"' in fragment.text
    in_team_a = team_url(org.team_a, f"r/files/{file.pk}/")
    link = f'href="{in_team_a}"'
    assert link in fragment.text and "Found in 1 of your other teams" in fragment.text

    opened = alice_web.get(in_team_a)
    assert opened.status_code == 200 and "<h1>shared.jsonl</h1>" in opened.text
    assert "Team A" in section(opened.text, "active-team").split("</div>")[0]


def test_the_lookup_checks_the_personal_workspace_and_says_where_it_is_not(org, alice_web):
    alice = org.alice.sandbox_user
    private = factories.create_file(identity.personal_team(alice), alice, filename="p.jsonl")
    elsewhere = factories.create_file(org.team_b, org.bob.sandbox_user, filename="b.jsonl")

    found = alice_web.get(team_url(org.team_a, f"r/files/{private.pk}/find/")).text
    assert f'href="{team_url(None, f"r/files/{private.pk}/")}"' in found

    nowhere = alice_web.get(team_url(org.team_a, f"r/files/{elsewhere.pk}/find/")).text
    assert 'data-testid="found-nowhere"' in nowhere and "1 checked" in nowhere
    assert 'data-testid="found-link"' not in nowhere
