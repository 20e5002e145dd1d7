"""Ids in upstream paths: always exactly one segment.

Every path the dashboard asks of the upstream that names a resource comes through
:func:`expand`, so an id can never reach another path, a query or a fragment (see
``docs/upstream.md``, "Ids").
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

from dashboard.upstream import errors


def can_name_a_resource(value: Any) -> bool:
    """Whether an id can name anything: not empty, not a dot segment that would climb a path,
    and free of control characters (NUL, CR, LF…) and of halves of UTF-16 pairs."""
    text = str(value)
    if text in ("", ".", ".."):
        return False
    # Printable text holds no character of the "Other" categories (controls and surrogates
    # among them), so the usual id is answered without looking at each of its characters.
    return text.isprintable() or not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text)


def segment(value: Any) -> str:
    """An id as exactly one URL path segment of an upstream path.

    Everything is percent-encoded (``/``, ``?``, ``#``, ``%`` included). An id that cannot
    name a resource at all is not found, before any call is made.
    """
    text = str(value)
    if not can_name_a_resource(text):
        raise errors.NotFoundError(
            "There is no resource with such an ID (404): it is empty, a dot path or holds "
            "control characters."
        )
    return quote(text, safe="")


def expand(template: str, resource_id: Any) -> str:
    """A catalog path (``…/{id}…``) for one resource, its id quoted as one segment."""
    return template.format(id=segment(resource_id))
