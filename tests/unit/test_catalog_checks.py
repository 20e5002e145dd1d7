"""Mistakes in a kind's description are reported at start-up
(``dashboard/upstream/catalog/checks.py``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dashboard.upstream import catalog
from dashboard.upstream.catalog import (
    Action,
    Column,
    Format,
    Pagination,
    Relation,
    ResourceKind,
    Scope,
    SubList,
    Wrapping,
)
from dashboard.upstream.catalog.checks import check_catalog, kind_errors
from dashboard.upstream.catalog.forms import Choices, FieldType, FormField, FormSpec
from dashboard.upstream.paths import expand

KNOWN = {"widgets", "files"}


def action(name: str, path: str = "v1/widgets/{id}/start") -> Action:
    return Action(name, name.title(), "POST", path, frozenset({"idle"}), "Sure?")


WIDGETS = ResourceKind(
    slug="widgets",
    label="Widgets",
    singular="widget",
    scope=Scope.TEAM,
    list_path="v1/widgets",
    detail_path="v1/widgets/{id}",
    delete_path="v1/widgets/{id}",
    content_path="v1/widgets/{id}/content",
    wrapping=Wrapping.DATA,
    pagination=Pagination.LIMIT_OFFSET,
    final_statuses=frozenset({"done"}),
    columns=(Column("id", "ID", Format.ID), Column("name", "Name"), Column("status", "Status")),
    server_sort={"name": "name"},
    relations=(Relation("file_ids", "files", "Files"),),
    sub_lists=(
        SubList("Parts", "v1/widgets/{id}/parts", Wrapping.BARE, (Column("id", "ID"),), "files"),
    ),
    actions=(action("start"), action("stop", "v1/widgets/{id}/stop")),
)


def ids(kind: ResourceKind) -> list[str]:
    return [error.id for error in kind_errors(kind, KNOWN)]


def test_a_well_described_kind_has_no_error():
    assert kind_errors(WIDGETS, KNOWN) == []


def test_the_real_catalog_has_no_error():
    assert check_catalog() == []
    known = {kind.slug for kind in catalog.all_kinds()}
    assert all(kind_errors(kind, known) == [] for kind in catalog.all_kinds())


@pytest.mark.parametrize("slug", ["Widgets", "wid_gets", "-widgets", "widgets-", "a--b", "", "w/x"])
def test_a_slug_that_is_not_a_url_slug(slug):
    assert ids(replace(WIDGETS, slug=slug)) == ["catalog.E001"]


def test_a_column_listed_twice():
    columns = (*WIDGETS.columns, Column("name", "Name again"))

    assert ids(replace(WIDGETS, columns=columns)) == ["catalog.E002"]


def test_a_column_with_an_unknown_format():
    columns = (*WIDGETS.columns, Column("made", "Made", "datetime"))  # a string, not a Format

    errors = kind_errors(replace(WIDGETS, columns=columns), KNOWN)

    assert [e.id for e in errors] == ["catalog.E003"]
    assert "'made'" in errors[0].msg


def test_a_sub_lists_columns_are_checked_too():
    sub = replace(WIDGETS.sub_lists[0], columns=(Column("id", "ID"), Column("id", "ID")))

    errors = kind_errors(replace(WIDGETS, sub_lists=(sub,)), KNOWN)

    assert [e.id for e in errors] == ["catalog.E002"]
    assert "sub-list 'Parts'" in errors[0].msg


@pytest.mark.parametrize(
    "changes",
    [
        {"detail_path": "v1/widgets"},
        {"detail_path": "v1/widgets/{id}/{id}"},
        {"detail_path": "v1/widgets/{ID}"},
        {"delete_path": "v1/widgets/"},
        {"content_path": "v1/widgets/content"},
        {"actions": (action("start", "v1/widgets/start"),)},
        {"sub_lists": (replace(WIDGETS.sub_lists[0], path="v1/parts"),)},
    ],
)
def test_a_path_without_exactly_one_id(changes):
    assert ids(replace(WIDGETS, **changes)) == ["catalog.E004"]


def test_a_kind_without_delete_or_content_needs_no_path_for_them():
    assert ids(replace(WIDGETS, delete_path=None, content_path=None)) == []


def test_a_relation_or_sub_list_to_an_unknown_kind():
    relation = replace(WIDGETS, relations=(Relation("gizmo_id", "gizmos", "Gizmo"),))
    sub_list = replace(WIDGETS, sub_lists=(replace(WIDGETS.sub_lists[0], link_kind="gizmos"),))

    assert ids(relation) == ["catalog.E005"]
    assert ids(sub_list) == ["catalog.E005"]


def test_a_server_sort_on_a_column_the_kind_does_not_have():
    assert ids(replace(WIDGETS, server_sort={"size": "size"})) == ["catalog.E006"]


def test_two_actions_with_one_name():
    assert ids(replace(WIDGETS, actions=(action("start"), action("start")))) == ["catalog.E007"]


def test_final_statuses_without_a_status_field():
    assert ids(replace(WIDGETS, status_field=None)) == ["catalog.E008"]
    assert ids(replace(WIDGETS, status_field=None, final_statuses=frozenset())) == []


@pytest.mark.parametrize("size", [0, -1])
def test_a_largest_page_under_one(size):
    assert ids(replace(WIDGETS, max_page_size=size)) == ["catalog.E009"]


def test_every_mistake_is_reported_and_names_its_kind():
    broken = replace(
        WIDGETS,
        slug="Bad_Slug",
        detail_path="v1/widgets",
        server_sort={"size": "size"},
        status_field=None,
        max_page_size=0,
    )

    errors = kind_errors(broken, KNOWN)

    assert sorted(e.id for e in errors) == [
        "catalog.E001",
        "catalog.E004",
        "catalog.E006",
        "catalog.E008",
        "catalog.E009",
    ]
    assert all(e.obj == "Bad_Slug" and "'Bad_Slug'" in e.msg for e in errors)


def test_a_path_with_another_placeholder_is_reported():
    kind = replace(WIDGETS, detail_path="v1/{team}/widgets/{id}")
    with pytest.raises(KeyError):
        expand(kind.detail_path, "w-1")

    assert ids(kind) != []


# --- Forms ----------------------------------------------------------------------------------
NAME = FormField("name", "Name", required=True)
CREATE = FormSpec("create", "Create widget", "Makes one.", "POST", "v1/widgets", (NAME,))
EDIT = FormSpec("edit", "Edit", "Changes one.", "PATCH", "v1/widgets/{id}", (NAME,))


def with_forms(*specs: FormSpec) -> ResourceKind:
    return replace(WIDGETS, forms=specs)


def test_well_described_forms_have_no_error():
    assert ids(with_forms(CREATE, EDIT)) == []


@pytest.mark.parametrize(
    "spec",
    [
        replace(CREATE, path="v1/widgets/{id}"),  # a create names no resource
        replace(EDIT, path="v1/widgets"),  # any other form does
        replace(EDIT, diff_path="v1/widgets/{id}/{item}/diff"),
    ],
)
def test_a_form_path_with_the_wrong_placeholders(spec):
    assert ids(with_forms(spec)) == ["catalog.E010"]


def test_a_form_with_a_field_twice():
    assert ids(with_forms(replace(CREATE, fields=(NAME, NAME)))) == ["catalog.E011"]


def test_a_field_depending_on_a_field_the_form_lacks():
    field = FormField("url", "URL", when=(("type", "mcp"),))

    assert ids(with_forms(replace(CREATE, fields=(NAME, field)))) == ["catalog.E012"]


def test_choices_go_with_choice_fields_only():
    text_with_choices = FormField("name", "Name", choices=Choices(static=(("a", "A"),)))
    choice_without = FormField("size", "Size", FieldType.CHOICE)

    assert ids(with_forms(replace(CREATE, fields=(text_with_choices,)))) == ["catalog.E013"]
    assert ids(with_forms(replace(CREATE, fields=(choice_without,)))) == ["catalog.E013"]


def test_choices_of_an_unknown_kind():
    field = FormField("gizmo", "Gizmo", FieldType.CHOICE, choices=Choices(kind="gizmos"))

    assert ids(with_forms(replace(CREATE, fields=(field,)))) == ["catalog.E005"]


def test_a_file_goes_with_a_multipart_form_and_only_there():
    upload = FormField("file", "File", FieldType.FILE)

    assert ids(with_forms(replace(CREATE, fields=(upload,)))) == ["catalog.E014"]
    assert ids(with_forms(replace(CREATE, multipart=True))) == ["catalog.E014"]
    assert ids(with_forms(replace(CREATE, fields=(upload,), multipart=True))) == []


def test_two_forms_with_one_name():
    assert ids(with_forms(CREATE, CREATE)) == ["catalog.E007"]


def test_a_sub_list_removing_items_must_name_the_resource_and_the_item():
    sub = replace(WIDGETS.sub_lists[0], remove_path="v1/widgets/{id}/parts")

    assert ids(replace(WIDGETS, sub_lists=(sub,))) == ["catalog.E004"]
    fixed = replace(sub, remove_path="v1/widgets/{id}/parts/{item}")
    assert ids(replace(WIDGETS, sub_lists=(fixed,))) == []
