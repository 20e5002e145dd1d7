"""What a person is told when the upstream refuses or fails (``dashboard/upstream/errors.py``)."""

from __future__ import annotations

import json

import pytest

from dashboard.upstream import errors
from dashboard.upstream.errors import DETAIL_MAX_CHARS, error_for_status, extract_detail

# --- extract_detail ------------------------------------------------------------------------------


def body(value) -> bytes:
    return json.dumps(value).encode()


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"detail": "Not enough credits"}, "Not enough credits"),
        ({"message": "Name taken"}, "Name taken"),
        ({"error": "  padded  "}, "padded"),
        ({"detail": "", "message": "second choice"}, "second choice"),
        ({"detail": "   ", "error": "third"}, "third"),
        ({"detail": 42, "message": "not a number"}, "not a number"),
        ({"detail": "first", "message": "second"}, "first"),
        ({"error": {"message": "nested", "code": 7}}, "nested"),
        ({"detail": {"code": 7}}, ""),
        ({"status": "error"}, ""),
        ({}, ""),
    ],
)
def test_a_json_body_gives_its_detail_message_or_error(payload, detail):
    assert extract_detail(body(payload)) == detail


def test_fastapi_validation_errors_are_joined():
    payload = {
        "detail": [
            {"loc": ["body", "name"], "msg": "field required", "type": "missing"},
            {"loc": ["query", "limit"], "msg": "must be at most 100"},
            "a plain entry",
            {"loc": ["x"]},
        ]
    }

    assert extract_detail(body(payload)) == (
        "field required; must be at most 100; a plain entry; {'loc': ['x']}"
    )


def test_only_the_first_five_validation_errors_are_kept():
    payload = {"detail": [{"msg": f"error {n}"} for n in range(8)]}

    assert extract_detail(body(payload)) == "; ".join(f"error {n}" for n in range(5))


def test_an_empty_validation_list_falls_through():
    assert extract_detail(body({"detail": [], "message": "fallback"})) == "fallback"


@pytest.mark.parametrize(
    "page",
    [
        b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
        b"\n  <html><title>Error</title></html>",
        b"<?xml version='1.0'?><error>no</error>",
    ],
)
def test_an_html_page_says_nothing(page):
    assert extract_detail(page) == ""


def test_plain_text_is_kept_stripped():
    assert extract_detail(b"  upstream overloaded\n") == "upstream overloaded"


@pytest.mark.parametrize("empty", [b"", None])
def test_no_body_no_detail(empty):
    assert extract_detail(empty) == ""


def test_a_long_detail_is_cut():
    assert extract_detail(body({"detail": "x" * 1000})) == "x" * DETAIL_MAX_CHARS
    assert extract_detail(b"y" * 1000) == "y" * DETAIL_MAX_CHARS


def test_bad_utf8_is_replaced_not_raised():
    detail = extract_detail(b"caf\xe9 \xff\xfe closed")

    assert detail == "caf\ufffd \ufffd\ufffd closed"


def test_bad_utf8_inside_json_is_replaced():
    assert extract_detail(b'{"detail": "bad \xff byte"}') == "bad \ufffd byte"


def test_a_json_value_that_is_not_an_object_is_read_as_text():
    assert extract_detail(b'"quota exceeded"') == '"quota exceeded"'
    assert extract_detail(b"[1, 2]") == "[1, 2]"


def test_a_long_json_error_body_still_gives_its_message():
    # FastAPI echoes the offending input back in each validation error.
    payload = {
        "detail": [{"msg": "String should have at most 100 characters", "input": "x" * 5000}]
    }

    assert extract_detail(body(payload)) == "String should have at most 100 characters"


# --- error_for_status ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "http_status"),
    [
        (401, errors.BadKeyError, 401),
        (403, errors.ForbiddenError, 403),
        (404, errors.NotFoundError, 404),
        (409, errors.ConflictError, 409),
        (413, errors.TooLargeError, 413),
        (429, errors.RateLimitedError, 429),
        (400, errors.InvalidRequestError, 400),
        (405, errors.InvalidRequestError, 400),
        (422, errors.InvalidRequestError, 400),
        (499, errors.InvalidRequestError, 400),
        (301, errors.BadResponseError, 502),
        (302, errors.BadResponseError, 502),
        (307, errors.BadResponseError, 502),
        (500, errors.UpstreamUnavailableError, 503),
        (502, errors.UpstreamUnavailableError, 503),
        (503, errors.UpstreamUnavailableError, 503),
        (504, errors.UpstreamUnavailableError, 503),
        (599, errors.UpstreamUnavailableError, 503),
    ],
)
def test_each_status_family_maps_to_its_error(status, kind, http_status):
    error = error_for_status(status, b"", None)

    assert type(error) is kind
    assert error.status == status
    assert error.http_status == http_status
    assert error.title and error.message


@pytest.mark.parametrize("status", [409, 413, 400, 422])
def test_refusals_a_person_can_fix_quote_the_upstream(status):
    error = error_for_status(status, body({"detail": "Name already in use"}), None)

    assert error.message.endswith("The upstream said: Name already in use")
    assert error.detail == "Name already in use"


@pytest.mark.parametrize("status", [409, 400])
def test_without_a_detail_the_message_is_the_default(status):
    error = error_for_status(status, b"<html>oops</html>", None)

    assert error.message == type(error).default_message
    assert "said" not in error.message


@pytest.mark.parametrize("status", [401, 403, 404])
def test_auth_and_not_found_keep_their_own_message_and_the_detail_aside(status):
    detail = body({"detail": "token sk-secret-123 invalid"})
    error = error_for_status(status, detail, None, team_sent=True)

    assert error.message == type(error).default_message
    assert error.detail == "token sk-secret-123 invalid"


def test_a_redirect_says_the_address_may_be_wrong():
    error = error_for_status(302, b"", None)

    assert "redirect (302)" in error.message


def test_a_server_error_names_its_status_and_hides_the_body():
    error = error_for_status(500, b"Traceback (most recent call last): secret", None)

    assert "error 500" in error.message
    assert "Traceback" not in error.message


@pytest.mark.parametrize(
    ("retry_after", "says"),
    [(30, "in 30 seconds"), (2.6, "in 3 seconds"), (None, "in a moment")],
)
def test_rate_limits_say_when_to_try_again(retry_after, says):
    error = error_for_status(429, b"", retry_after)

    assert isinstance(error, errors.RateLimitedError)
    assert error.retry_after == retry_after
    assert says in error.message


def test_a_retry_after_under_a_second_is_rounded_up_to_one():
    assert "Try again in 1 second" in error_for_status(429, b"", 0.2).message


def test_a_validation_answer_is_read_per_field_of_the_body():
    body = json.dumps(
        {
            "detail": [
                {"loc": ["body", "training_config", "n_epochs"], "msg": "Too many", "type": "x"},
                {"loc": ["body", "training_files", 0], "msg": "Unknown file", "type": "x"},
                {"loc": ["query", "limit"], "msg": "Too large", "type": "x"},
                {"loc": "body", "msg": "no list"},
                {"loc": ["body", "name"], "msg": "  "},
                "not an object",
            ]
        }
    ).encode()

    assert errors.extract_field_errors(body) == {
        "training_config.n_epochs": "Too many",
        "training_files": "Unknown file",
        "limit": "Too large",
    }


@pytest.mark.parametrize(
    "body", [None, b"", b"<html>", b'{"detail": "just text"}', b"[1, 2]", b'{"detail": {"a": 1}}']
)
def test_an_answer_without_field_errors_has_none(body):
    assert errors.extract_field_errors(body) == {}


def test_only_the_first_field_errors_are_read():
    items = [{"loc": ["body", f"f{n}"], "msg": "bad"} for n in range(100)]

    found = errors.extract_field_errors(json.dumps({"detail": items}).encode())

    assert len(found) == errors.FIELD_ERRORS_MAX
