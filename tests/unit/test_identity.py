"""Who the caller is upstream, learnt from the personal workspace
(``dashboard/upstream/identity.py``)."""

from __future__ import annotations

from dashboard.upstream.catalog import AGENTS, FILES, THREADS
from dashboard.upstream.identity import PERSONAL_TEAM_ID, USER_ID, learned_from_personal

ME, MY_TEAM = "user-7", "team-personal-7"


def test_both_ids_are_learnt_when_every_kind_agrees():
    batches = [
        (FILES, [{"id": "f1", "created_by": ME, "team_id": MY_TEAM}]),
        (AGENTS, [{"id": "a1", "user_id": ME, "team_id": MY_TEAM}] * 2),
    ]

    assert learned_from_personal(batches) == {USER_ID: ME, PERSONAL_TEAM_ID: MY_TEAM}


def test_owner_fields_differ_by_kind_and_numbers_read_as_text():
    batches = [
        (FILES, [{"created_by": "7", "team_id": MY_TEAM}]),
        (AGENTS, [{"user_id": 7, "team_id": MY_TEAM}]),
    ]

    assert learned_from_personal(batches)[USER_ID] == "7"


def test_a_disagreement_across_kinds_learns_nothing_of_that_id():
    batches = [
        (FILES, [{"created_by": ME, "team_id": MY_TEAM}]),
        (AGENTS, [{"user_id": "someone-else", "team_id": MY_TEAM}]),
    ]

    assert learned_from_personal(batches) == {PERSONAL_TEAM_ID: MY_TEAM}


def test_a_disagreement_within_a_kind_learns_nothing_of_that_id():
    batches = [
        (FILES, [{"created_by": ME, "team_id": MY_TEAM}, {"created_by": ME, "team_id": "t2"}])
    ]

    assert learned_from_personal(batches) == {USER_ID: ME}


def test_missing_and_empty_values_are_not_votes():
    batches = [
        (FILES, [{"created_by": None, "team_id": ""}, {"created_by": ME}]),
        (AGENTS, [{"team_id": MY_TEAM}]),
    ]

    assert learned_from_personal(batches) == {USER_ID: ME, PERSONAL_TEAM_ID: MY_TEAM}


def test_kinds_that_name_neither_say_nothing():
    assert learned_from_personal([(THREADS, [{"id": "th", "user_id": ME, "team_id": "x"}])]) == {}


def test_no_items_learn_nothing():
    assert learned_from_personal([]) == {}
    assert learned_from_personal([(FILES, []), (AGENTS, [])]) == {}
