"""The shortcuts tables take to render cheaply give what the general ways give, for any input:
a link built from a URL reversed once (``link_maker``) is the link ``reverse`` builds, a time
formatted by hand is what Django's ``date`` formats give, and ``esc`` is ``conditional_escape``.
The stored pages of ``tests/resources/test_render_identical.py`` check whole pages; these check
the values those pages do not hold (other offsets, other ids)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.template.defaultfilters import date
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from dashboard.converters import REMEMBERED_ARGS_LENGTH, link_maker, link_to, url_for
from dashboard.resources.templatetags.resources import esc, timestamp_html

TEAM = "7e57a11c-0000-4000-8000-000000000001"
IDS = [
    "file-3f2a",
    "q\"uote'<b>&amp;",
    "50%-off",
    "x?a=b#frag",
    "semi;colon,comma=eq+plus",
    "ünï cödé",
    "emoji-🙂",
    "tilde~colon:at@",
    "evil\u202egpj",
    "ends.",
    "...",
    # none of these can be a path segment: no link at all
    "a/b",
    "",
    ".",
    "..",
    "nul\x00",
    "line\nbreak",
    "half\ud800",
]


@pytest.mark.parametrize("resource_id", IDS)
def test_a_link_made_once_per_table_is_the_link_reverse_makes(resource_id):
    detail = link_maker("resource-detail", TEAM, "files")
    removal = link_maker("resource-sub-remove", TEAM, "vector-dbs", "vdb-1", "0")

    assert detail(resource_id) == link_to("resource-detail", TEAM, "files", resource_id)
    assert removal(resource_id) == link_to(
        "resource-sub-remove", TEAM, "vector-dbs", "vdb-1", "0", resource_id
    )


def test_a_link_to_no_page_is_no_link():
    assert link_maker("resource-detail", TEAM, "no/such kind")("file-1") == ""


def outcome(make, *args):
    """What ``make(*args)`` gives, or the type of what it raises."""
    try:
        return make(*args)
    except Exception as exc:  # noqa: BLE001 - refusals compared, whatever they are
        return type(exc)


@pytest.mark.parametrize("resource_id", [*IDS, "long-" + "x" * REMEMBERED_ARGS_LENGTH])
def test_a_remembered_url_is_the_url_reverse_makes(resource_id):
    """Asked twice (the second time remembered), the same as ``reverse``, refusals included."""
    for name, args in [
        ("resource-detail", (TEAM, "files", resource_id)),
        ("resource-list", (TEAM, resource_id)),  # a slug, not an id: most of these are refused
        ("overview", (resource_id,)),
    ]:
        expected = outcome(lambda *a, name=name: reverse(name, args=a), *args)
        assert outcome(url_for, name, *args) == expected
        assert outcome(url_for, name, *args) == expected
        linked = "" if expected is NoReverseMatch else expected
        assert outcome(link_to, name, *args) == linked


def test_a_remembered_url_follows_the_script_prefix():
    before = url_for("resource-list", TEAM, "files")
    set_script_prefix("/dashboard/")
    try:
        assert url_for("resource-list", TEAM, "files") == f"/dashboard/t/{TEAM}/r/files/"
        assert link_to("resource-list", TEAM, "files") == f"/dashboard/t/{TEAM}/r/files/"
    finally:
        set_script_prefix("/")
    assert url_for("resource-list", TEAM, "files") == before == f"/t/{TEAM}/r/files/"


def test_a_remembered_url_follows_the_url_configuration():
    assert link_to("resource-list", TEAM, "files") == f"/t/{TEAM}/r/files/"
    with override_settings(ROOT_URLCONF="dashboard.sandbox.urls"):  # no dashboard pages
        assert link_to("resource-list", TEAM, "files") == ""
        with pytest.raises(NoReverseMatch):
            url_for("resource-list", TEAM, "files")
    assert url_for("resource-list", TEAM, "files") == f"/t/{TEAM}/r/files/"


def django_timestamp(moment) -> str:
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        date(moment, "c"),
        date(moment, "Y-m-d H:i:s e"),
        date(moment, "Y-m-d H:i"),
    )


MOMENTS = [
    datetime(2024, 3, 1, 9, 30, 15, tzinfo=UTC),
    datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=UTC),
    datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(2024, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2024, 7, 1, 0, 0, tzinfo=timezone(timedelta(hours=-8))),
    datetime(2024, 7, 1, 0, 0, tzinfo=timezone(timedelta(hours=2), "+0200")),
    # not at a fixed offset, or not aware: Django's own formats are used
    datetime(2024, 10, 27, 2, 30, tzinfo=ZoneInfo("Europe/Paris")),
    datetime(2024, 7, 1, 12, 0),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_a_time_reads_as_djangos_date_formats_give_it(moment):
    assert timestamp_html(moment) == django_timestamp(moment)


def test_a_time_the_upstream_sent_unreadable_is_shown_as_sent():
    assert timestamp_html(None, '<b>"soon"</b>') == conditional_escape('<b>"soon"</b>')
    assert timestamp_html(None) == '<span class="muted">—</span>'


@pytest.mark.parametrize(
    "value",
    [
        "<script>\"x\" & 'y'</script>",
        "",
        42,
        1.5,
        None,
        mark_safe("<b>safe</b>"),
        gettext_lazy("Files & <folders>"),
    ],
)
def test_esc_is_conditional_escape(value):
    assert esc(value) == conditional_escape(value)
