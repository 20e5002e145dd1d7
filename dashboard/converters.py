"""The path converter of every id in a dashboard URL.

An id is one path segment that can name a resource (see ``can_name_a_resource``): a URL with
``.``, ``..``, a control character or an empty id matches no page, so it is answered 404
before any view runs, and ``reverse`` refuses to build one, so such an id is shown as text.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from dashboard.upstream.paths import can_name_a_resource


def link_to(name: str, *ids: str) -> str:
    """The URL of a page named by ids, or "" when one of them cannot be a path segment (an
    upstream id holding ``/``, say): such an id is shown as text, never linked."""
    try:
        return reverse(name, args=[str(value) for value in ids])
    except NoReverseMatch:
        return ""


class ResourceIdConverter:
    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        if not can_name_a_resource(value):
            raise ValueError("not an id")
        return value

    def to_url(self, value: str) -> str:
        if "/" in str(value) or not can_name_a_resource(value):
            raise ValueError("not an id")
        return str(value)
