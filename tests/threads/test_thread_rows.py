"""The threads list's rows, and the titles and latest messages its previews fragment swaps in,
are built in Python: byte for byte what the templates they replaced rendered (kept below as
the reference), for every state a row can be in and text full of markup, quotes and odd
characters, none of it reaching the page unescaped."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils.safestring import mark_safe
from django.utils.timezone import override

from dashboard.threads.previews import Preview
from dashboard.threads.selectors import ListedThread
from dashboard.upstream.errors import ForbiddenError, UpstreamError
from dashboard.upstream.fanout import Outcome
from dashboard.upstream.threads import Thread

# The markup as the templates wrote it before (threads.html: the list's rows, between <rows>
# and </rows>, and the partials the previews fragment uses, after them).
REFERENCE = (Path(__file__).parent / "reference_rows.html").read_text(encoding="utf-8")

HOSTILE = '<script>alert("x")</script> & \'quoted\''
IDS = [
    "thread-0123456789abcdef",
    "thread-" + "f" * 40,
    'thread-"<b>&\'',
    "thread-a/b",  # cannot be a path segment: no link
    "thréad-ü",
    "",
]
MOMENTS = [
    None,
    datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=UTC),
    datetime(2024, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2024, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=-8))),
    datetime(999, 5, 6, 7, 8, 9, tzinfo=UTC),
]
STATUSES = ["available", "running", "", HOSTILE, "ÿes FAILED"]
TITLES = ["", "Plain title", HOSTILE, "x" * 300]
PREVIEWS = [
    None,
    Outcome(value=None),
    Outcome(value=Preview("user", "Hello")),
    Outcome(value=Preview("assistant", "")),
    Outcome(value=Preview(HOSTILE, HOSTILE * 10)),
    Outcome(value=Preview("tool", "é" * 119 + "ab")),
    Outcome(value=Preview("user", "a" * 120)),
    Outcome(error=UpstreamError("failed <b>")),
    Outcome(error=ForbiddenError()),
]


def rows() -> list[ListedThread]:
    """Threads in every state a row can show, each part cycled against the others."""
    made = []
    parts = zip(
        itertools.cycle(IDS),
        itertools.cycle(MOMENTS),
        itertools.cycle(STATUSES),
        itertools.cycle(TITLES),
        PREVIEWS * 6,
        strict=False,
    )
    for number, (thread_id, moment, status, title, preview) in enumerate(parts):
        made.append(
            ListedThread(
                Thread(f"{thread_id}{number}" if thread_id else "", moment, status),
                title,
                preview,
            )
        )
    return made


def rendered(template: str, **context) -> str:
    request = RequestFactory().get("/threads/")
    return engines["django"].from_string(template).render(context, request)


def reference_rows(listed: list[ListedThread]) -> str:
    return rendered(REFERENCE, rows=listed).split("<rows>", 1)[1].split("</rows>")[0]


def thread_rows(listed: list[ListedThread]) -> str:
    """The rows as ``threads.html`` has them built now."""
    return rendered("{% load thread_tags %}{% thread_rows rows %}", rows=listed)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/New_York"])
def test_a_row_is_the_reference_markup_for_every_state(zone):
    listed = rows()
    assert len(listed) == len(PREVIEWS) * 6
    with override(zone):  # times are shown in the current time zone
        for start in range(0, len(listed), 7):
            chunk = listed[start : start + 7]
            assert thread_rows(chunk) == reference_rows(chunk), start
        assert thread_rows([]) == reference_rows([])


def test_the_fragment_is_the_reference_markup_for_every_state():
    listed = rows()
    previews = [(row.thread.id, row.preview) for row in listed if row.preview is not None]
    titles = [(row.thread.id, row.title) for row in listed]
    expected = rendered(REFERENCE, rows=[], previews=previews, titles=titles)
    expected = expected.split("</rows>", 1)[1]
    fragment = engines["django"].get_template("threads/threads.html#previews")
    request = RequestFactory().get("/threads/previews/")
    assert fragment.render({"previews": previews, "titles": titles}, request) == expected


def test_nothing_from_the_upstream_is_markup():
    html = thread_rows(rows())
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("safe", [False, True])
def test_a_title_already_safe_html_is_shown_as_it_is(safe):
    title = mark_safe("<em>given</em>") if safe else "<em>given</em>"  # noqa: S308 - the test
    row = ListedThread(Thread("thread-1", None, "available"), title, None)
    assert thread_rows([row]) == reference_rows([row])
