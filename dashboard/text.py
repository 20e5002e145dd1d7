"""Text from the upstream as a person must see it.

Names can hide what they are with invisible characters: a right-to-left override makes
``evil\u202egpj.exe.jsonl`` read as ``evil…lnosj.exe.jpg``, and zero-width characters make two
different names look the same. Pages show every such character as a visible mark instead.
"""

from __future__ import annotations

import html
import json
import unicodedata

from django.utils.functional import Promise

# Format characters (bidirectional controls, zero-width spaces and joiners, the BOM…), control
# characters, and halves of UTF-16 pairs left alone (valid JSON can write one, but no page can
# be encoded with it): nothing a name needs, and nothing a person can see.
HIDDEN_CATEGORIES = frozenset({"Cf", "Cc", "Cs"})


def is_hidden(ch: str) -> bool:
    return unicodedata.category(ch) in HIDDEN_CATEGORIES


def reveal(text: str) -> str:
    """``text`` with each invisible character shown as a mark such as ``[U+202E]``."""
    text = str(text)
    if text.isprintable() or not any(is_hidden(ch) for ch in text):
        return text  # printable: no character of the "Other" categories, so none hidden
    return "".join(f"[U+{ord(ch):04X}]" if is_hidden(ch) else ch for ch in text)


def without_hidden(text: str) -> str:
    """``text`` with its invisible characters removed (for file names offered for download)."""
    return "".join(ch for ch in str(text) if not is_hidden(ch))


def pretty_json(value: object) -> str:
    """``value`` as indented JSON to read, invisible characters written as ``\\uXXXX``
    escapes (still valid JSON: inside strings is the only place they can be)."""
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    # Printable text holds no character of the "Other" categories, so none hidden: the usual
    # answer, without looking at each of its characters.
    if text.replace("\n", "").isprintable() or not any(
        is_hidden(ch) and ch != "\n" for ch in text
    ):
        return text
    return "".join(
        json.dumps(ch)[1:-1] if is_hidden(ch) and ch != "\n" else ch for ch in text
    )


def esc(value) -> str:
    """``conditional_escape(value)`` without the lazy-text wrappers around each call: what is
    already safe HTML stays as it is, anything else is escaped (``&<>"'``). For markup built
    as plain strings (tables' rows), marked safe once when whole."""
    if type(value) is str:  # the usual value, and never safe HTML already
        return html.escape(value)
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))
