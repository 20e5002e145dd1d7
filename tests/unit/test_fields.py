"""A resource's detail page: every field labelled and formatted, relation links
(``dashboard/resources/fields.py``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dashboard.people.directory import NAMED, USER, Creator
from dashboard.resources.fields import (
    Link,
    detail_field,
    detail_fields,
    field_label,
    relation_links,
)
from dashboard.resources.presentation import BADGE_BAD, TeamName, TeamNames
from dashboard.upstream.catalog import (
    AGENTS,
    FILES,
    FINE_TUNES,
    Column,
    Pagination,
    Relation,
    ResourceKind,
    Scope,
    Wrapping,
)
from tests.unit.builders import directory, workspace

TEAM_A = "team-a"


def fields_of(kind: ResourceKind, item: dict, me: str = "u-me") -> dict:
    """Every field of ``item`` as a detail page formats it (wherever the page shows it)."""
    teams = TeamNames(workspace({TEAM_A: "Team A"}))
    creators, links = directory(me, {"u-2": "Dana"}), relation_links(kind, item)
    return {
        key: detail_field(kind, key, field_label(kind, key), value, links, creators, teams)
        for key, value in item.items()
    }


# --- detail_fields -------------------------------------------------------------------------------


def test_catalog_columns_come_first_in_their_order_then_the_rest_as_sent():
    item = {
        "object": "file",
        "created_at": "2024-01-02T03:04:05Z",
        "zeta": 1,
        "id": "file-1",
        "alpha": 2,
        "filename": "a.txt",
    }

    teams = TeamNames(workspace({TEAM_A: "Team A"}))
    keys = [f.key for f in detail_fields(FILES, item, directory("u-me"), teams)]

    # When it was made is the Ownership section's, not repeated among the details.
    assert keys == ["id", "filename", "zeta", "alpha"]  # "object" is the page's own kind


def test_catalog_labels_are_used_and_other_keys_are_humanised():
    item = {"filename": "a", "last_modified_by": "x", "some-key": "y", "_": "z"}

    labels = {key: f.label for key, f in fields_of(FILES, item).items()}

    assert labels == {
        "filename": "Name",
        "last_modified_by": "Last modified by",
        "some-key": "Some key",
        "_": "_",
    }


@pytest.mark.parametrize("empty", [None, "", [], {}])
def test_empty_values_are_shown_as_empty(empty):
    assert fields_of(FILES, {"purpose": empty})["purpose"].format == "empty"


def test_each_value_gets_its_format():
    item = {
        "id": "ft-1",
        "user_id": "u-2",
        "team_id": TEAM_A,
        "status": "FAILED",
        "created_at": 1_700_000_000,
        "updated": "2024-02-03",
        "finished_at": "not yet",
        "suffix": False,
        "n_epochs": 3,
        "tags": ["a", 1, 2.5],
        "hyper": {"lr": 0.1},
        "mixed": ["a", True],
        "bytes": 1024,
    }

    fields = fields_of(FINE_TUNES, item)

    assert (fields["user_id"].format, fields["user_id"].value) == (
        "owner",
        Creator("u-2", "Dana", person="Dana", source=NAMED),
    )
    assert (fields["team_id"].format, fields["team_id"].value) == (
        "team",
        TeamName(TEAM_A, "Team A"),
    )
    assert (fields["status"].format, fields["status"].badge) == ("status", BADGE_BAD)
    assert fields["created_at"].format == "datetime"
    assert fields["created_at"].value == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert fields["updated"].value == datetime(2024, 2, 3, tzinfo=UTC)
    assert (fields["finished_at"].format, fields["finished_at"].value) == ("text", "not yet")
    assert (fields["suffix"].format, fields["suffix"].value) == ("bool", False)
    assert (fields["n_epochs"].format, fields["n_epochs"].value) == ("text", "3")
    assert (fields["tags"].format, fields["tags"].value) == ("list", ["a", "1", "2.5"])
    assert fields["hyper"].format == "json"
    assert json.loads(fields["hyper"].value) == {"lr": 0.1}
    assert fields["mixed"].format == "json"
    assert (fields["bytes"].format, fields["bytes"].value) == ("bytes", 1024)


def test_my_own_resource_names_me_as_you():
    assert fields_of(FINE_TUNES, {"user_id": "u-me"})["user_id"].value.is_you


def test_an_owner_field_names_the_dashboard_user_or_says_nobody_knows():
    people = {"u-3": "Carol Diaz"}
    teams = TeamNames(workspace({TEAM_A: "Team A"}))
    item = {"user_id": "u-3"}

    links = relation_links(FINE_TUNES, item)
    known = detail_field(
        FINE_TUNES, "user_id", "Creator", "u-3", links, directory("u-me", people=people), teams
    )
    unknown = detail_field(FINE_TUNES, "user_id", "Creator", "u-9", links, directory("u-me"), teams)

    assert known.value == Creator("u-3", "Carol Diaz", person="Carol Diaz", source=USER)
    assert unknown.value == Creator("u-9", "unknown user u-9")


def test_false_and_zero_are_values_not_empty():
    fields = fields_of(FILES, {"deleted": False, "count": 0})

    assert fields["deleted"].format == "bool"
    assert (fields["count"].format, fields["count"].value) == ("text", "0")


def test_invisible_characters_in_text_and_lists_are_shown():
    fields = fields_of(FILES, {"filename": "a\u202eb", "tags": ["x\u200by"]})

    assert fields["filename"].value == "a[U+202E]b"
    assert fields["tags"].value == ["x[U+200B]y"]


def test_a_timestamp_named_field_that_is_a_bool_is_a_bool():
    assert fields_of(FILES, {"archived_at": True})["archived_at"].format == "bool"


# --- relation_links ------------------------------------------------------------------------------


def test_relations_link_to_their_kind_one_id_or_many():
    item = {"training_files": ["file-1", "file-2"], "validation_files": "file-3", "project_id": 42}

    links = relation_links(FINE_TUNES, item)

    assert links["training_files"] == [
        Link("files", "file-1", "file-1"),
        Link("files", "file-2", "file-2"),
    ]
    assert links["validation_files"] == [Link("files", "file-3", "file-3")]
    assert links["project_id"] == [Link("projects", "42", "42")]


def test_relations_that_are_missing_or_empty_have_no_links():
    links = relation_links(FINE_TUNES, {"training_files": [], "validation_files": None})

    assert links == {"training_files": [], "validation_files": [], "project_id": []}


def test_objects_are_linked_by_their_id_and_named_by_their_name():
    item = {"tools": [{"id": "t-1", "name": "Search"}, {"id": "t-2"}, {"name": "no id"}, "t-3"]}

    links = relation_links(AGENTS, item)["tools"]

    assert links == [
        Link("tools", "t-1", "Search"),
        Link("tools", "t-2", "t-2"),
        Link("tools", "t-3", "t-3"),
    ]


@pytest.mark.parametrize("odd", ["a/b", ".", "..", "x\x00"])
def test_an_id_that_cannot_be_a_path_segment_is_shown_unlinked(odd):
    links = relation_links(FINE_TUNES, {"training_files": [odd, "file-1"]})["training_files"]

    assert [link.kind for link in links] == ["", "files"]
    assert links[0].id == odd


def test_nested_values_are_not_ids():
    links = relation_links(FINE_TUNES, {"training_files": [["file-1"], {"id": {"x": 1}}, ""]})

    assert links["training_files"] == []


def test_a_relation_to_a_kind_that_does_not_exist_is_not_linked():
    widget_kind = ResourceKind(
        slug="gadgets",
        label="Gadgets",
        singular="gadget",
        scope=Scope.TEAM,
        list_path="v1/gadgets",
        detail_path="v1/gadgets/{id}",
        wrapping=Wrapping.DATA,
        pagination=Pagination.NONE,
        columns=(Column("id", "ID"),),
        relations=(Relation("widget_id", "widgets", "Widget"),),
    )

    assert relation_links(widget_kind, {"widget_id": "w-1"}) == {
        "widget_id": [Link("", "w-1", "w-1")]
    }


def test_relation_names_show_their_invisible_characters():
    links = relation_links(AGENTS, {"tools": [{"id": "t-1", "name": "Se\u202earch"}]})

    assert links["tools"][0].text == "Se[U+202E]arch"


def test_a_relation_field_shows_as_links_in_the_details():
    fields = fields_of(FINE_TUNES, {"training_files": ["file-1"], "validation_files": []})

    assert fields["training_files"].format == "links"
    assert fields["training_files"].links == [Link("files", "file-1", "file-1")]
    assert fields["validation_files"].format == "empty"
