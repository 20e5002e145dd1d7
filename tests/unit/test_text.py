"""Upstream text as a person must see it (``dashboard/text.py``)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest

from dashboard.text import pretty_json, reveal, without_hidden


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("report.jsonl", "report.jsonl"),
        ("Café 😀 日本", "Café 😀 日本"),
        ("evil\u202egpj.exe", "evil[U+202E]gpj.exe"),
        ("zero\u200bwidth", "zero[U+200B]width"),
        ("\ufeffbom", "[U+FEFF]bom"),
        ("nul\x00", "nul[U+0000]"),
        ("two\nlines", "two[U+000A]lines"),
        ("tag\U000e0041", "tag[U+E0041]"),
        ("c1\x85", "c1[U+0085]"),
        ("", ""),
    ],
)
def test_reveal_shows_every_invisible_character_as_a_mark(text, shown):
    assert reveal(text) == shown


def test_reveal_reads_anything_as_text():
    assert reveal(42) == "42"


def test_two_names_that_look_alike_are_told_apart():
    assert reveal("model") != reveal("mo\u200bdel")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("evil\u202egpj.exe", "evilgpj.exe"),
        ("a\u200b\u200c\u200db\ufeff", "ab"),
        ("tab\tand\r\nbreaks\x00", "tabandbreaks"),
        ("plain é", "plain é"),
    ],
)
def test_without_hidden_removes_them(text, kept):
    assert without_hidden(text) == kept


def test_pretty_json_is_indented_and_keeps_readable_text_readable():
    text = pretty_json({"name": "Café", "n": [1, 2]})

    assert text == '{\n  "name": "Café",\n  "n": [\n    1,\n    2\n  ]\n}'


def test_pretty_json_escapes_invisible_characters_in_values_and_keys():
    text = pretty_json({"a\u202eb": "x\u200by\x7f\x85"})

    assert "\u202e" not in text and "\u200b" not in text and "\x7f" not in text
    assert "\\u202e" in text and "\\u200b" in text and "\\u007f" in text and "\\u0085" in text
    assert json.loads(text) == {"a\u202eb": "x\u200by\x7f\x85"}


def test_pretty_json_writes_what_json_cannot_as_text():
    assert json.loads(pretty_json({"at": datetime(2024, 1, 2, tzinfo=UTC)})) == {
        "at": "2024-01-02 00:00:00+00:00"
    }


# Text an upstream value might hold, hidden characters included.
PIECES = [
    "a",
    "Z",
    " ",
    "é",
    "日",
    "😀",
    '"',
    "\\",
    "\n",
    "\t",
    "\x00",
    "\x7f",
    "\x85",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\U000e0041",
]


def drawn_text(draw: random.Random) -> str:
    return "".join(draw.choice(PIECES) for _ in range(draw.randint(0, 8)))


def drawn_value(draw: random.Random, depth: int = 0):
    """A JSON value, nested a little, its strings made of ``PIECES``."""
    choice = draw.randrange(7 if depth < 3 else 4)
    if choice == 0:
        return draw.choice([None, True, False, 0, -7, 10**20])
    if choice < 4:
        return drawn_text(draw)
    if choice < 6:
        return {drawn_text(draw): drawn_value(draw, depth + 1) for _ in range(draw.randint(0, 3))}
    return [drawn_value(draw, depth + 1) for _ in range(draw.randint(0, 3))]


def test_pretty_json_reads_back_as_the_same_value_with_nothing_hidden():
    draw = random.Random(20240501)
    for _ in range(300):
        value = drawn_value(draw)
        text = pretty_json(value)

        assert json.loads(text) == value
        assert without_hidden(text.replace("\n", "")) == text.replace("\n", "")


def test_revealed_text_can_always_be_sent_to_a_browser():
    upstream_name = json.loads('"report\\ud800.csv"')  # valid JSON, as the client decodes it

    reveal(upstream_name).encode("utf-8")
