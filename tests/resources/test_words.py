"""Detail pages and statuses in the words a person uses: labels from the catalog, fields said
once, related resources by name and linked, statuses worded and coloured alike in every kind."""

from __future__ import annotations

import re

from dashboard.resources.presentation import badge_class, humanise_key, status_label
from dashboard.sandbox import factories
from tests.conftest import team_url


def labels(html: str) -> list[str]:
    fields = html.split('data-testid="fields"', 1)[1].split("</dl>", 1)[0]
    return re.findall(r"<dt>([^<]*)</dt>", fields)


def field(html: str, key: str) -> str:
    return html.split(f'data-field="{key}">', 1)[1].split("</dd>", 1)[0]


def test_a_fine_tune_reads_in_words_with_its_files_by_name(org, alice_web):
    alice = org.alice.sandbox_user
    data = factories.create_file(org.team_a, alice, filename="support-chats.jsonl")
    job = factories.create_fine_tune(
        org.team_a, alice, experiment_name="support-v1", training_files=[data.pk]
    )

    page = alice_web.get(team_url(org.team_a, f"r/fine-tunes/{job.pk}/")).text

    shown = labels(page)
    assert "Accelerators" in shown and "N accel" not in shown
    assert not {label for label in shown if label.startswith("N ") or " id" in label}
    # Team, creator and dates are the Ownership section's: said once.
    assert "Creator" not in shown and "Team" not in shown and "Created" not in shown
    files = field(page, "training_files")
    link = team_url(org.team_a, f"r/files/{data.pk}/")
    assert f'<a href="{link}">support-chats.jsonl</a>' in files


def test_a_deployment_of_a_fine_tune_links_to_it_and_a_base_model_is_a_name(org, alice_web):
    alice = org.alice.sandbox_user
    tuned = factories.create_fine_tune(org.team_a, alice, experiment_name="summaries-v3")
    ours = factories.create_deployment(
        org.team_a, alice, name="Summariser", model_type="Fine-tuned Run", model_id=tuned.pk
    )
    base = factories.create_deployment(org.team_a, alice, name="Plain")

    page = alice_web.get(team_url(org.team_a, f"r/deployments/{ours.pk}/")).text
    model = field(page, "model_id")
    assert f'href="{team_url(org.team_a, f"r/fine-tunes/{tuned.pk}/")}">summaries-v3</a>' in model
    assert "Model" in labels(page)

    plain = field(alice_web.get(team_url(org.team_a, f"r/deployments/{base.pk}/")).text, "model_id")
    assert "<a " not in plain


def test_statuses_are_worded_the_same_in_every_kind(org, alice_web):
    alice = org.alice.sandbox_user
    job = factories.create_data_job(org.team_a, alice, name="prep", status="ready_to_start")
    factories.create_fine_tune(org.team_a, alice, experiment_name="training", status="running")

    jobs = alice_web.get(team_url(org.team_a, "r/data-jobs/")).text
    assert ">Ready to start</span>" in jobs and "ready_to_start</span>" not in jobs
    assert ">Running</span>" in alice_web.get(team_url(org.team_a, "r/fine-tunes/")).text
    detail = alice_web.get(team_url(org.team_a, f"r/data-jobs/{job.pk}/")).text
    assert 'data-testid="detail-status" data-status="ready_to_start">Ready to start<' in detail


def test_one_colour_means_one_thing():
    assert status_label("ready_to_start") == "Ready to start"
    assert status_label("RUNNING") == status_label("running") == "Running"
    assert status_label("Active") == "Active"
    # Green is done or serving; blue under way; amber waits for a person or stopped; red broke.
    assert badge_class("Active") == badge_class("completed") == "badge-ok"
    assert badge_class("running") == badge_class("Pending") == "badge-run"
    assert badge_class("ready_to_start") == badge_class("needs_review") == "badge-warn"
    assert badge_class("failed") == badge_class("Failed") == "badge-bad"


def test_field_names_without_a_label_still_read_as_words():
    assert humanise_key("api_key") == "API key"
    assert humanise_key("project_id") == "Project ID"
    assert humanise_key("n_nodes") == "Number of nodes"
