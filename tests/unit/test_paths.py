"""Ids in upstream paths: always exactly one segment (``dashboard/upstream/paths.py``)."""

from __future__ import annotations

import json
import random
from urllib.parse import unquote

import pytest

from dashboard.upstream import errors
from dashboard.upstream.paths import can_name_a_resource, expand, segment

# Characters an id might hold: path and query syntax, escapes, spaces, non-ASCII, invisible
# and astral characters. Ids are drawn from them with a fixed seed, so every run is the same.
ALPHABET = "aZ09-_.~/?#%&=+;:@!$'()*, \\\"<>[]{}|^`é日😀\u202e\u200b\ufeff\u0301"


@pytest.mark.parametrize(
    "value",
    ["file-1", "...", ".hidden", "a/b", "a b", "ü", "\u202eright-to-left", "%2e%2e", 42, 0],
)
def test_ids_that_can_name_a_resource(value):
    assert can_name_a_resource(value)


@pytest.mark.parametrize(
    "value", ["", ".", "..", "nul\x00", "a\nb", "cr\r", "tab\t", "\x7f", "\x85"]
)
def test_ids_that_cannot(value):
    assert not can_name_a_resource(value)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("file-1", "file-1"),
        ("a/b", "a%2Fb"),
        ("../x", "..%2Fx"),
        ("q?x=1#frag", "q%3Fx%3D1%23frag"),
        ("100%", "100%25"),
        ("a b+c", "a%20b%2Bc"),
        ("é", "%C3%A9"),
        (7, "7"),
    ],
)
def test_segment_percent_encodes_everything_but_unreserved(value, encoded):
    assert segment(value) == encoded


@pytest.mark.parametrize("value", ["", ".", "..", "x\x00y", "line\n"])
def test_segment_refuses_ids_that_cannot_name_anything(value):
    with pytest.raises(errors.NotFoundError):
        segment(value)


def drawn_ids(count: int = 500) -> list[str]:
    draw = random.Random(20240501)
    return [
        "".join(draw.choice(ALPHABET) for _ in range(draw.randint(1, 12))) for _ in range(count)
    ]


def test_a_segment_is_one_segment_that_decodes_to_the_id():
    for value in [*ALPHABET, *drawn_ids()]:
        if not can_name_a_resource(value):
            continue
        encoded = segment(value)

        assert not set("/?#") & set(encoded), value
        assert unquote(encoded) == value


def test_expand_fills_the_id_of_a_catalog_path():
    assert expand("v1/flow/files/{id}/content", "a/b") == "v1/flow/files/a%2Fb/content"


def test_braces_in_an_id_are_not_expanded_again():
    assert expand("v1/flow/files/{id}", "{id}") == "v1/flow/files/%7Bid%7D"


def test_expand_refuses_a_dot_segment():
    with pytest.raises(errors.NotFoundError):
        expand("v1/flow/files/{id}", "..")


def test_an_id_with_a_lone_surrogate_is_not_found_before_any_call():
    with pytest.raises(errors.NotFoundError):
        segment(json.loads('"file-\\ud800"'))
