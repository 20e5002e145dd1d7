"""The path converter of every id in a dashboard URL.

An id is one path segment that can name a resource (see ``can_name_a_resource``): a URL with
``.``, ``..``, a control character or an empty id matches no page, so it is answered 404
before any view runs, and ``reverse`` refuses to build one, so such an id is shown as text.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import quote

from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

from dashboard.upstream.paths import can_name_a_resource

# Arguments longer than this (in all) are reversed each time, not remembered.
REMEMBERED_ARGS_LENGTH = 300


def url_for(name: str, *args: str) -> str:
    """``reverse(name, args=args)``, raising ``NoReverseMatch`` as it does; remembered per
    process for what a URL depends on besides its arguments (the URL configuration in use and
    the script prefix), as the same few links (a team's lists, its overview) are on every page
    and reversing one costs more than many table rows."""
    url = _url(name, args)
    return reverse(name, args=args) if url is None else url  # None: raise as reverse raises


def link_to(name: str, *ids: str) -> str:
    """The URL of a page named by ids, or "" when one of them cannot be a path segment (an
    upstream id holding ``/``, say): such an id is shown as text, never linked."""
    return _url(name, ids) or ""


def _url(name: str, args: tuple) -> str | None:
    """The URL, or None for no such page."""
    args = tuple(str(value) for value in args)
    if sum(map(len, args)) > REMEMBERED_ARGS_LENGTH:
        return _reversed_now(name, args)
    return _reversed(get_resolver(get_urlconf()), get_script_prefix(), name, args)


def _reversed_now(name: str, args: tuple[str, ...]) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@lru_cache(maxsize=4096)
def _reversed(resolver, prefix: str, name: str, args: tuple[str, ...]) -> str | None:
    # ``reverse`` reads the resolver and the prefix from this thread, as the key was just made.
    return _reversed_now(name, args)


# Stands for the last id while a URL is reversed once: one path segment, quoted by ``reverse``
# into something no team key, kind or other id it is reversed with holds.
_LAST_ID = "\ue000"
_LAST_ID_QUOTED = quote(_LAST_ID)


def link_maker(name: str, *ids: str) -> Callable[[str], str]:
    """``link_to(name, *ids, last)`` for many values of ``last`` (the rows of a table), with
    the URL reversed once: each id is checked as ``reverse`` checks it and quoted into the URL
    as ``reverse`` quotes it (what ``reverse`` quotes, it quotes character by character), so
    the links are the same, "" for an id that cannot be a path segment."""
    url = link_to(name, *ids, _LAST_ID)
    if url.count(_LAST_ID_QUOTED) != 1:  # no such page, or the stand-in is not alone in it
        return lambda last: link_to(name, *ids, last)
    before, after = url.split(_LAST_ID_QUOTED)
    converter = ResourceIdConverter()

    def link(last: str) -> str:
        try:
            segment = converter.to_url(last)
        except ValueError:
            return ""
        return f"{before}{quote(segment, safe=RFC3986_SUBDELIMS + '/~:@')}{after}"

    return link


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
