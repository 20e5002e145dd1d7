"""The generated forms as pure logic: what a filled-in form sends, how it is checked, where the
upstream's errors land and what the action log says of it."""

from __future__ import annotations

from dataclasses import replace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict

from dashboard.resources import forms
from dashboard.resources.forms import (
    SpecForm,
    body_of,
    errors_at_fields,
    initial_from,
    initial_from_query,
    summary,
)
from dashboard.upstream.catalog import seekrflow_forms as specs
from dashboard.upstream.catalog.forms import FieldType, FormField

MODELS = [("meta-llama/Llama-3.1-8B-Instruct", "Llama 3.1 8B")]
VDBS = [("vdb-1", "Handbook")]


def filled(spec, data, choices=None, files=None) -> SpecForm:
    form = SpecForm(data, files, spec=spec, choices=choices or {})
    form.is_valid()
    return form


def test_dotted_paths_nest_numbers_are_numbers_and_fixed_parts_are_sent():
    form = filled(
        specs.CREATE_FINE_TUNE,
        {
            "project_id": "7",
            "model": MODELS[0][0],
            "training_files": ["file-1", "file-2"],
            "n_epochs": "2",
            "accel_type": "H100",
            "n_accel": "8",
            "fine_tune_type": "STANDARD",
            "learning_rate": "0.00001",
        },
        {
            "project_id": [("7", "Tone")],
            "model": MODELS,
            "training_files": [("file-1", "a.jsonl"), ("file-2", "b.jsonl")],
        },
    )

    assert form.errors == {}
    body = body_of(form)
    assert body["project_id"] == 7
    assert body["training_config"] == {
        "pre_train": False,
        "model": MODELS[0][0],
        "training_files": ["file-1", "file-2"],
        "n_epochs": 2,
        "fine_tune_type": "STANDARD",
        "learning_rate": 0.00001,
    }  # nothing left empty is sent
    assert body["infrastructure_config"] == {"accel_type": "H100", "n_accel": 8}


def test_a_tool_sends_only_its_alternatives_fields_with_config_keys_upper_case():
    form = filled(
        specs.CREATE_TOOL,
        {
            "type": "file_search",
            "name": "docs",
            "file_search_index": "vdb-1",
            "top_k": "5",
            "url": "https://left.over",
        },
        {"file_search_index": VDBS},
    )

    assert body_of(form) == {
        "type": "file_search",
        "name": "docs",
        "config": {"FILE_SEARCH_INDEX": "vdb-1", "TOP_K": 5},
    }


def test_an_alternatives_required_field_is_required_only_when_chosen():
    web = filled(specs.CREATE_TOOL, {"type": "web_search", "name": "web"})
    docs = filled(specs.CREATE_TOOL, {"type": "file_search", "name": "docs"})

    assert web.errors == {} and body_of(web) == {"type": "web_search", "name": "web", "config": {}}
    assert list(docs.errors) == ["file_search_index"]


def test_a_choice_not_offered_is_refused():
    form = filled(
        specs.CREATE_TOOL,
        {"type": "file_search", "name": "docs", "file_search_index": "vdb-of-another-team"},
        {"file_search_index": VDBS},
    )

    assert "file_search_index" in form.errors


def test_optional_values_left_empty_are_sent_as_null_where_the_upstream_wants_it():
    form = filled(
        specs.CREATE_VECTOR_DB,
        {"name": "Handbook", "model": "intfloat/e5-mistral-7b-instruct", "description": ""},
        {"model": [("intfloat/e5-mistral-7b-instruct", "E5")]},
    )

    assert body_of(form) == {
        "name": "Handbook",
        "model": "intfloat/e5-mistral-7b-instruct",
        "description": None,
    }


def test_a_file_field_refuses_the_wrong_kind_of_file_and_a_too_large_one():
    wrong = SimpleUploadedFile("notes.txt", b"x = 1\n")
    large = SimpleUploadedFile("big.py", b"#" * (1024 * 1024 + 1))
    right = SimpleUploadedFile("adder.py", b"x = 1\n")

    assert (
        "is not a .py file"
        in filled(specs.CREATE_FUNCTION, {}, files={"file": wrong}).errors["file"][0]
    )
    assert (
        "the most accepted is 1.0"
        in filled(specs.CREATE_FUNCTION, {}, files={"file": large}).errors["file"][0]
    )
    assert filled(specs.CREATE_FUNCTION, {}, files={"file": right}).errors == {}


def test_an_edit_starts_from_the_resources_values_read_in_any_case():
    tool = {
        "type": "file_search",
        "name": "docs",
        "config": {"FILE_SEARCH_INDEX": "vdb-1", "top_k": 4},
    }
    agent = {"name": "Helper", "tools": [{"id": "tool-1", "name": "web"}], "model_id": "m"}

    assert initial_from(specs.EDIT_TOOL, tool) == {
        "type": "file_search",
        "name": "docs",
        "file_search_index": "vdb-1",
        "top_k": 4,
    }
    assert initial_from(specs.EDIT_AGENT, agent)["tool_ids"] == ["tool-1"]


def test_the_upstreams_errors_land_on_the_fields_they_name_in_any_case():
    form = filled(
        specs.CREATE_TOOL,
        {"type": "mcp_connector", "name": "crm", "url": "nope"},
    )

    unplaced = errors_at_fields(
        form, {"config.URL": "Input should be a valid URL", "config.transport": "Bad value"}
    )

    assert form.errors["url"] == ["The upstream said: Input should be a valid URL"]
    assert unplaced == ["Transport: Bad value"]


def test_the_summary_names_what_was_made_changed_or_sent():
    edit = summary(
        specs.EDIT_AGENT,
        {"name": "Helper", "instructions": "Be thorough.", "tool_ids": ["t-1"]},
        {"name": "Helper", "instructions": "Be brief.", "tools": [{"id": "t-1"}]},
    )
    created = summary(specs.CREATE_PROJECT, {"name": "Support tone", "description": "x"}, None)
    sent = summary(specs.ADD_DATA_JOB_FILES, {"file_ids": ["f-1", "f-2"]}, {"id": "dj-1"})
    unchanged = summary(specs.EDIT_AGENT, {"name": "Helper"}, {"name": "Helper"})
    uploaded = summary(specs.REPLACE_FUNCTION, {}, {"id": "fn-1"}, ["adder.py"])

    assert edit == "Edit: Instructions “Be brief.” → “Be thorough.”"
    assert created == "Create project: “Support tone”"
    assert sent == "Add files: Files: f-1, f-2"
    assert unchanged == "Edit: nothing changed"
    assert uploaded == "Replace the code: “adder.py”"


def test_a_long_value_is_cut_short_in_the_summary():
    spec = replace(specs.EDIT_DATA_JOB, fields=(FormField("name", "Name", FieldType.TEXT),))

    text = summary(spec, {"name": "n" * 100}, {"name": "old"})

    assert text == f"Edit: Name “old” → “{'n' * 57}…”"


def test_a_create_form_can_start_filled_in_from_its_address():
    query = QueryDict("model=m-1&training_files=f-1&training_files=f-2&n_epochs=2&nope=1&file=x")

    initial = initial_from_query(specs.CREATE_FINE_TUNE, query)

    assert initial == {"model": "m-1", "training_files": ["f-1", "f-2"], "n_epochs": "2"}
    assert initial_from_query(specs.CREATE_FUNCTION, QueryDict("file=x")) == {}


def test_the_fields_of_an_alternative_not_chosen_neither_count_nor_block():
    form = filled(
        specs.CREATE_DEPLOYMENT,
        {
            "name": "live",
            "description": "Serving.",
            "model_type": "Base Model",
            "base_model": MODELS[0][0],
            "fine_tune": "ft-gone",  # left from before the choice changed
            "n_instances": "1",
        },
        {"base_model": MODELS, "fine_tune": [("ft-1", "tone")]},
    )

    assert form.errors == {}
    assert body_of(form)["model_id"] == MODELS[0][0]


# --- Edits that send only what changed (RunGen.AI's apps) --------------------------------------
def _edit_app():
    from dashboard.upstream.catalog.rungen import EDIT_APP

    return EDIT_APP


APP = {
    "name": "Captions",
    "description": "Short ones.",
    "configuration": {"gpu_tier": "STANDARD", "region": "eu"},
    "workflow": {"model_url": "https://example.com/m", "steps": ["a"]},
    "active_workers": 2,
}


def test_an_edit_sends_only_the_fields_changed():
    spec = _edit_app()
    body = {
        "name": "Captions v2",
        "description": "Short ones.",
        "active_workers": 2,
        "configuration": {"gpu_tier": "STANDARD"},
        "workflow": {"model_url": "https://example.com/m"},
    }

    assert forms.changes_of(spec, body, APP) == {"name": "Captions v2"}


def test_a_change_inside_an_object_sends_the_object_with_its_other_keys():
    spec = _edit_app()
    body = {
        "name": "Captions",
        "description": "Short ones.",
        "active_workers": 2,
        "configuration": {"gpu_tier": "ENTERPRISE"},
        "workflow": {"model_url": "https://example.com/m"},
    }

    assert forms.changes_of(spec, body, APP) == {
        "configuration": {"gpu_tier": "ENTERPRISE", "region": "eu"}
    }


def test_an_emptied_text_is_sent_empty_and_what_the_form_showed_decides_what_changed():
    spec = _edit_app()
    body = {
        "name": "Captions",
        "active_workers": 1,
        "configuration": {"gpu_tier": "STANDARD"},
        "workflow": {"model_url": "https://example.com/m"},
    }
    shown = {
        "name": "Captions",
        "description": "Short ones.",
        "gpu_tier": "STANDARD",
        "model_url": "https://example.com/m",
        "active_workers": 1,
    }  # 2 now: changed since

    assert forms.changes_of(spec, body, APP, shown) == {"description": ""}
    assert forms.posted_shown(forms.shown_values(spec, APP)) == forms.initial_from(spec, APP)
    assert forms.posted_shown("not json") is None and forms.posted_shown("[1]") is None
