"""Control characters refused before any view (``dashboard/middleware.py``)."""

from __future__ import annotations

import pytest

from dashboard.audit.services import storable
from dashboard.middleware import has_control_characters


@pytest.mark.parametrize(
    "text", ["", "plain", "tab\there", "new\nline", "cr\r\n", "é 😀", "\u202e", "\x85", "~"]
)
def test_text_tabs_and_line_breaks_are_accepted(text):
    assert not has_control_characters(text)


@pytest.mark.parametrize(
    "text", ["\x00", "nul\x00byte", "\x01", "\x08", "\x0b", "\x1b[31m", "\x1f", "\x7f"]
)
def test_every_other_control_character_is_refused(text):
    assert has_control_characters(text)


def test_what_is_refused_is_what_the_action_log_would_escape():
    disagree = [
        hex(code)
        for code in range(0x100)
        if has_control_characters(chr(code)) != (storable(chr(code), 10) != chr(code))
    ]

    assert disagree == []
