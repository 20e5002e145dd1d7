"""Upstream timestamps, read one way (``dashboard/upstream/values.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dashboard.upstream.values import parse_timestamp


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05.123456+00:00", datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        ("2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),  # naive: UTC
        ("2024-01-02 03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("  2024-01-02T03:04:05Z\n", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02", datetime(2024, 1, 2, tzinfo=UTC)),  # a day: its midnight, UTC
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
        (1_700_000_000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        (1.5, datetime(1970, 1, 1, 0, 0, 1, 500000, tzinfo=UTC)),
        (-86_400, datetime(1969, 12, 31, tzinfo=UTC)),
    ],
)
def test_iso_text_and_epoch_seconds_are_read_as_aware_datetimes(value, expected):
    moment = parse_timestamp(value)

    assert moment == expected
    assert moment.tzinfo is not None


def test_an_offset_is_kept_as_the_same_instant():
    moment = parse_timestamp("2024-01-02T09:00:00+09:00")

    assert moment == datetime(2024, 1, 2, tzinfo=UTC)
    assert moment.utcoffset() == timedelta(hours=9)
    assert moment.tzinfo == timezone(timedelta(hours=9))


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        True,
        False,
        "yesterday",
        "2024-13-01",
        "2024-02-30",
        "2024-02-30T00:00:00",
        "01/02/2024",
        1e20,  # beyond any calendar
        1_700_000_000_000,  # milliseconds: not epoch seconds
        float("nan"),
        float("inf"),
        ["2024-01-02"],
        {"at": 0},
    ],
)
def test_anything_else_is_no_timestamp(value):
    assert parse_timestamp(value) is None
