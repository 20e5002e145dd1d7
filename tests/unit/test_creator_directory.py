"""Who a creator id is (``dashboard/people/directory.py``) and how a page shows them (the
``creator`` template tag). The directory's people and names are given by hand: no database."""

from __future__ import annotations

import pytest

from dashboard.people.directory import NAMED, USER, Creator, CreatorDirectory, user_label
from dashboard.resources.templatetags.resources import creator as creator_tag
from tests.unit.builders import directory

ME = "u-me"
PEOPLE = {ME: "Mia Park", "u-2": "Dana Li", "u-3": "carol / Carol Diaz"}
NAMES = {"u-4": "Xavier"}


def resolve(creator_id, me: str = ME, people=None, names=None) -> Creator:
    people = PEOPLE if people is None else people
    names = NAMES if names is None else names
    return directory(me, names, people).resolve(creator_id)


# --- resolve -------------------------------------------------------------------------------------


def test_my_own_id_is_you_with_my_real_name_kept_for_exports():
    me = resolve(ME)

    assert me == Creator(ME, "you", True, "Mia Park", USER)
    assert me.known
    assert me.export_name == "Mia Park"


def test_my_own_id_named_only_by_staff_is_you_with_that_name():
    me = resolve(ME, people={}, names={ME: "Staff name for me"})

    assert me == Creator(ME, "you", True, "Staff name for me", NAMED)
    assert me.export_name == "Staff name for me"


def test_my_own_id_nobody_named_is_still_you():
    me = resolve(ME, people={}, names={})

    assert (me.id, me.name, me.is_you, me.person, me.source) == (ME, "you", True, "", "")
    assert not me.known


def test_my_own_id_nobody_named_is_not_exported_as_you():
    assert resolve(ME, people={}, names={}).export_name == f"upstream user {ME}"


def test_an_id_a_dashboard_users_key_acts_as_is_that_user():
    dana = resolve("u-2")

    assert dana == Creator("u-2", "Dana Li", False, "Dana Li", USER)
    assert dana.export_name == "Dana Li"


def test_a_name_staff_gave_stands_over_the_dashboard_user_a_key_suggests():
    named = {"u-2": "Dana (Research)", ME: "Mia (Ops)"}

    assert resolve("u-2", names=named) == Creator(
        "u-2", "Dana (Research)", False, "Dana (Research)", NAMED
    )
    assert resolve(ME, names=named) == Creator(ME, "you", True, "Mia (Ops)", NAMED)
    assert resolve("u-2", names={}).name == "Dana Li"


def test_several_dashboard_users_on_one_account_are_all_named():
    # dashboard_people() joins them with " / "; the directory shows what it holds.
    assert resolve("u-3") == Creator("u-3", "carol / Carol Diaz", False, "carol / Carol Diaz", USER)


def test_an_id_staff_named_is_that_name():
    xavier = resolve("u-4")

    assert xavier == Creator("u-4", "Xavier", False, "Xavier", NAMED)
    assert xavier.known and xavier.export_name == "Xavier"


def test_an_id_nobody_knows_is_unknown_user_and_its_id():
    stranger = resolve("u-9")

    assert stranger == Creator("u-9", "unknown user u-9", False, "", "")
    assert not stranger.known
    assert stranger.export_name == "unknown user u-9"


@pytest.mark.parametrize("nothing", [None, ""])
def test_no_creator_at_all_is_unknown(nothing):
    assert resolve(nothing) == Creator("", "unknown")


def test_a_numeric_id_is_read_as_its_text():
    assert resolve(42, people={"42": "Dana Li"}) == Creator("42", "Dana Li", False, "Dana Li", USER)
    assert resolve(7, me="7").is_you


def test_without_my_own_id_nobody_is_you():
    assert not resolve(ME, me="").is_you
    assert resolve(ME, me="").name == "Mia Park"
    assert not resolve("", me="").is_you


def test_the_directory_keeps_the_people_and_names_it_was_given():
    built = CreatorDirectory("u-1", people={"u-2": "Dana"}, names={"u-3": "Xavier"})

    assert (built.me, built.people, built.names) == ("u-1", {"u-2": "Dana"}, {"u-3": "Xavier"})


@pytest.mark.parametrize(
    ("parts", "label"),
    [
        (("dana", "Dana", "Li"), "Dana Li"),
        (("dana", "Dana", ""), "Dana"),
        (("dana", "", "Li"), "Li"),
        (("dana", "", ""), "dana"),
        (("dana",), "dana"),
        (("dana", "  ", " "), "dana"),
    ],
)
def test_a_user_is_labelled_by_their_full_name_else_their_username(parts, label):
    assert user_label(*parts) == label


# --- The creator template tag --------------------------------------------------------------------


def test_you_are_a_badge_linking_to_your_page():
    html = str(creator_tag(resolve(ME)))

    assert html.startswith(f'<a class="creator-link" href="/people/{ME}/">')
    assert 'data-testid="creator-you"' in html
    assert ">you</span>" in html
    assert "Mia Park" not in html


def test_a_known_person_is_their_name_linking_to_their_page():
    html = str(creator_tag(resolve("u-2")))

    assert html == (
        '<a class="creator-link" href="/people/u-2/">'
        '<span title="Upstream user u-2">Dana Li</span></a>'
    )


def test_an_id_nobody_knows_says_so_and_how_to_name_it():
    html = str(creator_tag(resolve("u-9")))

    assert 'href="/people/u-9/"' in html
    assert 'data-testid="creator-unknown"' in html
    assert ">unknown user u-9</span>" in html
    assert "Nobody in the dashboard acts as upstream user u-9 yet" in html
    assert "Creator names page" in html


def test_names_are_escaped():
    html = str(creator_tag(resolve("u-5", people={"u-5": "<b>Eve</b>"})))

    assert "<b>" not in html and "&lt;b&gt;Eve&lt;/b&gt;" in html


@pytest.mark.parametrize("odd", ["a/b", ".."])
def test_an_id_that_cannot_be_a_path_segment_is_shown_unlinked(odd):
    html = str(creator_tag(resolve(odd, people={odd: "Odd One"})))

    assert "<a" not in html
    assert ">Odd One</span>" in html


@pytest.mark.parametrize("nobody", [None, Creator("", "unknown")])
def test_no_creator_is_plain_unknown_text(nobody):
    assert str(creator_tag(nobody)) == '<span class="muted">unknown</span>'
