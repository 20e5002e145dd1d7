"""Values as the upstream writes them, read the one way the dashboard reads them."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


def parse_timestamp(value: Any) -> datetime | None:
    """An upstream timestamp (ISO-8601 text or epoch seconds) as an aware datetime."""
    if type(value) is str:
        return _parsed(value)
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    return _parsed(str(value))


@lru_cache(maxsize=16384)
def _parsed(value: str) -> datetime | None:
    """A timestamp written as text, parsed once: pages show and sort the same lists' times
    again and again (a datetime cannot be changed, so one can be handed out many times)."""
    if not value:
        return None
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        moment = None
    if moment is None:
        try:
            day = parse_date(value.strip())
        except ValueError:
            day = None
        if day is None:
            return None
        moment = datetime(day.year, day.month, day.day)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment


def mended(text: str) -> str:
    """``text`` with any half of a UTF-16 pair left alone (valid JSON can write ``"\\ud800"``,
    but no page or database can take it) made U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
