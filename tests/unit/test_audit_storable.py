"""Values made storable in the action log (``dashboard/audit/services.py``)."""

from __future__ import annotations

import json

import pytest

from dashboard.audit.services import SNAPSHOT_MAX_CHARS, failure_detail, storable, storable_json
from dashboard.upstream import errors


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("plain text", "plain text"),
        ("nul\x00byte", "nul\\x00byte"),
        ("bell\x07 esc\x1b del\x7f", "bell\\x07 esc\\x1b del\\x7f"),
        ("tab\tnew\nline\rreturn", "tab\tnew\nline\rreturn"),  # tabs and line breaks are text
        ("unicode é 😀 \u202e", "unicode é 😀 \u202e"),
        ("", ""),
        (42, "42"),
    ],
)
def test_control_characters_are_written_as_escapes(value, stored):
    assert storable(value, 500) == stored


def test_values_are_cut_to_the_column():
    assert storable("x" * 1000, 128) == "x" * 128
    assert len(storable("\x00" * 100, 40)) == 40  # cut after escaping, so it always fits


def test_a_value_that_fits_is_kept_whole():
    assert storable("abc", 3) == "abc"


def test_a_failures_detail_names_the_error_and_its_status():
    error = errors.ConflictError("It is running.", status=409)

    assert failure_detail("cancel ft-1", error) == "cancel ft-1: Conflict (409): It is running."
    assert failure_detail("", errors.UpstreamTimeoutError()) == (
        "Upstream too slow (no answer): The upstream did not answer in time. Try again in a minute."
    )


def test_what_the_upstream_says_can_always_be_stored():
    error = errors.error_for_status(409, b'{"detail": "locked by \\ud83d"}', None)

    storable(failure_detail("cancel", error), 500).encode("utf-8")


def test_the_upstreams_lone_surrogate_is_mended_in_the_detail():
    """Valid JSON decodes to a lone surrogate; the detail a person reads has U+FFFD instead."""
    assert json.loads('"\\ud83d"') == "\ud83d"
    message = errors.error_for_status(409, b'{"detail": "x \\ud83d"}', None).message
    assert "\ud83d" not in message and "x \ufffd" in message


def test_a_snapshot_keeps_nul_characters_as_text_and_a_large_one_as_its_start():
    kept = storable_json({"name": "a\x00b", "tags": ["x\x00"], "n": 1, "k\x00": None})
    large = storable_json({"text": "x" * (SNAPSHOT_MAX_CHARS + 10)})

    assert kept == {"name": "a\\x00b", "tags": ["x\\x00"], "n": 1, "k\\x00": None}
    assert large["truncated"] is True and len(large["text"]) == SNAPSHOT_MAX_CHARS
    assert storable_json(None) is None
