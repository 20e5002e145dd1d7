"""The generated create and edit forms, over real HTTP against the sandbox: what they say, how
they check what is typed, how the upstream's refusals come back, and the action log."""

from __future__ import annotations

from html import unescape

import pytest

from dashboard.audit.models import ActionLog
from dashboard.sandbox import factories, faults, recorder
from dashboard.sandbox.models import SandboxAgent, SandboxProject, SandboxTool
from tests.conftest import team_url
from tests.resources.manage_helpers import (
    entries,
    field_block,
    field_errors,
    form_problem,
    options,
)

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT = {"name": "Support tone", "description": "Teach the model our support voice."}


def test_a_create_form_says_what_the_kind_is_for_and_where_it_goes(org, alice_web):
    page = alice_web.get(team_url(org.team_a, "r/projects/new/"))

    assert page.status_code == 200
    assert "A project groups fine-tuning runs" in page.text
    team = page.text.split('data-testid="form-team"', 1)[1].split("</span>", 1)[0]
    assert "Team A" in team and str(org.team_a.pk) in team  # beside the submit button
    assert "Name" in field_block(page.text, "name")
    assert "(optional)" not in field_block(page.text, "description")  # the upstream needs it


def test_creating_lands_on_the_new_resource_and_is_logged_with_its_team(org, alice_web):
    created = alice_web.post(team_url(org.team_a, "r/projects/new/"), PROJECT)

    project = SandboxProject.objects.get(name="Support tone")
    assert project.team == org.team_a
    assert created.url.endswith(team_url(org.team_a, f"r/projects/{project.pk}/"))
    assert "Create project: done in Team A." in unescape(created.text)
    (call,) = [c for c in recorder.recorded() if c.method == "POST"]
    assert call.team_header == str(org.team_a.pk)
    (entry,) = entries(ActionLog.Action.RESOURCE_CREATED)
    assert (entry.outcome, entry.team_id, entry.kind) == ("success", str(org.team_a.pk), "projects")
    assert entry.resource_id == str(project.pk)
    assert "Support tone" in entry.detail


def test_what_is_typed_is_kept_and_each_mistake_is_shown_at_its_field(org, alice_web):
    page = alice_web.post(
        team_url(org.team_a, "r/projects/new/"), {"name": "abc", "description": "Long enough."}
    )

    assert page.status_code == 400
    assert any("at least 5 characters" in e for e in field_errors(page.text, "name"))
    assert 'value="abc"' in field_block(page.text, "name")
    assert "Long enough." in field_block(page.text, "description")
    assert not SandboxProject.objects.exists()
    assert not [c for c in recorder.recorded() if c.method == "POST"]  # nothing was sent
    assert not entries(ActionLog.Action.RESOURCE_CREATED)


def test_the_upstreams_field_errors_are_shown_at_their_fields(org, alice_web):
    """The upstream checks what the form cannot (an MCP server's address); its 422 names the
    field in upper case, as tool configs are sent, and lands on the address field."""
    data = {"type": "mcp_connector", "name": "crm", "url": "not an address"}

    page = alice_web.post(team_url(org.team_a, "r/tools/new/"), data)

    assert page.status_code == 400
    (error,) = field_errors(page.text, "url")
    assert error.startswith("The upstream said:") and "URL" in error
    assert 'value="not an address"' in field_block(page.text, "url")
    assert 'value="crm"' in field_block(page.text, "name")
    assert not SandboxTool.objects.exists()
    (entry,) = entries(ActionLog.Action.RESOURCE_CREATED)
    assert entry.outcome == "failure" and entry.team_id == str(org.team_a.pk)


def test_an_upstream_failure_keeps_everything_typed_and_says_what_happened(org, alice_web):
    faults.set_faults("POST ^v1/flow/projects 503")

    page = alice_web.post(team_url(org.team_a, "r/projects/new/"), PROJECT)

    assert page.status_code == 503
    assert "Create project in Team A failed." in form_problem(page.text)
    assert 'value="Support tone"' in field_block(page.text, "name")
    assert "Teach the model our support voice." in field_block(page.text, "description")
    (entry,) = entries(ActionLog.Action.RESOURCE_CREATED)
    assert entry.outcome == "failure"


def test_choices_are_the_teams_resources_offered_by_name(org, alice_web):
    alice = org.alice.sandbox_user
    vdb = factories.create_vector_db(org.team_a, alice, name="Handbook")
    factories.create_vector_db(org.team_b, org.bob.sandbox_user, name="Other team's")

    page = alice_web.get(team_url(org.team_a, "r/tools/new/"))

    assert options(page.text, "file_search_index") == {vdb.pk: "Handbook"}


def test_an_empty_choice_offers_to_create_what_is_missing(org, alice_web):
    page = alice_web.get(team_url(org.team_a, "r/fine-tunes/new/"))

    project = field_block(page.text, "project_id")
    assert "None in Team A yet." in project
    assert team_url(org.team_a, "r/projects/new/") in project


def test_models_are_offered_from_the_upstreams_models_list(org, alice_web):
    chat = alice_web.get(team_url(org.team_a, "r/agents/new/"))
    embedding = alice_web.get(team_url(org.team_a, "r/vector-dbs/new/"))

    assert "meta-llama/Llama-3.1-8B-Instruct" in options(chat.text, "model_id")
    assert "intfloat/e5-mistral-7b-instruct" not in options(chat.text, "model_id")
    assert "intfloat/e5-mistral-7b-instruct" in options(embedding.text, "model")


def test_an_alternative_is_required_only_when_chosen(org, alice_web):
    page = alice_web.post(
        team_url(org.team_a, "r/tools/new/"), {"type": "file_search", "name": "docs"}
    )

    assert page.status_code == 400
    assert field_errors(page.text, "file_search_index") == ["This is needed for the choice above."]
    assert field_errors(page.text, "url") == []  # the MCP address is another alternative


def test_an_edit_shows_the_upstreams_preview_and_saves_only_when_confirmed(org, alice_web):
    agent = factories.create_agent(
        org.team_a, org.alice.sandbox_user, name="Helper", instructions="Be brief."
    )
    edit = team_url(org.team_a, f"r/agents/{agent.pk}/edit/")
    form = alice_web.get(edit)
    assert 'value="Helper"' in field_block(form.text, "name")  # starts from what it is
    assert "Be brief." in field_block(form.text, "instructions")

    preview = alice_web.post(edit, {"name": "Helper", "instructions": "Be thorough."})

    assert 'data-testid="edit-preview"' in preview.text
    diff = preview.text.split('data-testid="diff-table"', 1)[1].split("</table>", 1)[0]
    assert "Be brief." in diff and "Be thorough." in diff
    assert "Helper" not in diff  # only what changes
    agent.refresh_from_db()
    assert agent.instructions == "Be brief."  # a preview saves nothing
    assert not entries(ActionLog.Action.RESOURCE_EDITED)

    saved = alice_web.post(edit, {"name": "Helper", "instructions": "Be thorough.", "confirm": "1"})

    assert saved.url.endswith(team_url(org.team_a, f"r/agents/{agent.pk}/"))
    agent.refresh_from_db()
    assert agent.instructions == "Be thorough."
    (entry,) = entries(ActionLog.Action.RESOURCE_EDITED)
    assert entry.outcome == "success" and entry.team_label == "Team A"
    assert "Instructions “Be brief.” → “Be thorough.”" in entry.detail


def test_from_the_preview_the_form_comes_back_as_typed(org, alice_web):
    agent = factories.create_agent(org.team_a, org.alice.sandbox_user, name="Helper")
    edit = team_url(org.team_a, f"r/agents/{agent.pk}/edit/")
    alice_web.get(edit)

    again = alice_web.post(
        edit, {"name": "Helper two", "instructions": "Changed my mind.", "again": "1"}
    )

    assert 'data-testid="resource-form"' in again.text
    assert 'value="Helper two"' in field_block(again.text, "name")
    assert "Changed my mind." in field_block(again.text, "instructions")
    assert SandboxAgent.objects.get(pk=agent.pk).name == "Helper"


def test_a_form_for_a_missing_resource_or_kind_is_a_404_page(org, alice_web):
    assert alice_web.get(team_url(org.team_a, "r/agents/agent-gone/edit/")).status_code == 404
    assert alice_web.get(team_url(org.team_a, "r/agents/x/do/nothing/")).status_code == 404
    assert alice_web.get(team_url(org.team_a, "r/threads/new/")).status_code == 404


def test_a_hostile_value_is_refused_with_a_message_and_nothing_is_sent(org, alice_web):
    page = alice_web.post(
        team_url(org.team_a, "r/projects/new/"),
        {"name": "Nul\x00name", "description": "Fine description."},
    )

    assert 400 <= page.status_code < 500
    assert not [c for c in recorder.recorded() if c.method == "POST"]


def test_an_empty_choice_of_some_of_a_kind_says_which_would_do(org, alice_web):
    """The team has files, but none for fine-tuning: the form says that, not that it has none."""
    factories.create_file(
        org.team_a, org.alice.sandbox_user, filename="shard.jsonl", purpose="pre-train"
    )
    page = alice_web.get(team_url(org.team_a, "r/fine-tunes/new/"))

    training = unescape(field_block(page.text, "training_files"))
    assert "No files with purpose “fine-tune” in Team A yet." in training, training
    assert "None in Team A yet" not in training
