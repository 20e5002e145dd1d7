"""Names that disguise themselves (a right-to-left override, zero-width characters) are shown so
that a person sees them, and never reach a download's file name."""

from __future__ import annotations

import re

import pytest

from dashboard.sandbox import factories
from dashboard.text import pretty_json, reveal, without_hidden
from tests.conftest import team_url

pytestmark = pytest.mark.django_db(transaction=True)

DISGUISED = "evil\u202egpj.exe\u200b.jsonl"  # reads as "evil.jsonl‮exe.jpg" in a browser
SHOWN = "evil[U+202E]gpj.exe[U+200B].jsonl"


def test_reveal_marks_every_invisible_character_and_nothing_else():
    assert reveal(DISGUISED) == SHOWN
    assert reveal("plain name – ünïcode 名前 🙂") == "plain name – ünïcode 名前 🙂"
    assert reveal("a\u2066b\u2069c\ufeffd\x00") == "a[U+2066]b[U+2069]c[U+FEFF]d[U+0000]"
    assert without_hidden(DISGUISED) == "evilgpj.exe.jsonl"


def test_pretty_json_escapes_them_and_stays_json():
    import json

    shown = pretty_json({"name": DISGUISED, "tag": "\U000e0041"})
    assert "\u202e" not in shown and "\\u202e" in shown and "\\udb40\\udc41" in shown
    assert json.loads(shown) == {"name": DISGUISED, "tag": "\U000e0041"}


def test_pages_show_the_marks_and_downloads_drop_them(org, alice_web):
    made = factories.create_file(org.team_a, org.alice.sandbox_user, filename=DISGUISED)
    pages = {
        "overview": alice_web.get(team_url(org.team_a)).text,
        "list": alice_web.get(team_url(org.team_a, "r/files/")).text,
        "detail": alice_web.get(team_url(org.team_a, f"r/files/{made.pk}/")).text,
        "confirm": alice_web.get(team_url(org.team_a, f"r/files/{made.pk}/delete/")).text,
        "audit": alice_web.get("/audit/?wait=1").text,
    }
    for name, html in pages.items():
        assert "\u202e" not in html and "\u200b" not in html, name
        assert SHOWN in html, name
    assert re.search(r"<title>[^<]*evil\[U\+202E\]", pages["detail"])

    download = alice_web.get(team_url(org.team_a, f"r/files/{made.pk}/content/"))
    disposition = download.headers["Content-Disposition"]
    assert "evilgpj.exe.jsonl" in disposition
    assert "%E2%80%AE" not in disposition.upper() and "\u202e" not in disposition
