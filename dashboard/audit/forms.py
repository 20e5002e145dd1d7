"""Filtering by day, in any date filter, and the filters of the action log."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django import forms

from dashboard.audit.models import ActionLog
from dashboard.audit.selectors import PERSONAL_FILTER
from dashboard.upstream import profiles
from dashboard.upstream.profiles import Feature

ANY = [("", "Any")]
# Not "team": ``?team=`` in a link once named the active team, and old links still do.
TEAM_FILTER = "in_team"


# A filter day becomes the start of that day in the current time zone (then UTC, as stored),
# and the last day of a range becomes the start of the day after it. One day's margin inside
# what Python's datetime holds keeps both representable in any time zone; PostgreSQL's date
# and timestamp ranges are wider than Python's, so the database never narrows it further.
EARLIEST_DAY = date.min + timedelta(days=1)
LATEST_DAY = date.max - timedelta(days=1)
OUT_OF_RANGE = f"Give a date from {EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}."
# A year-month-day whose year no calendar here holds (0, 10000, -1…): out of range, not garbled.
DATE_SHAPED = re.compile(r"\s*([+-]?\d{1,20})-\d{1,2}-\d{1,2}\s*")


class FilterDayField(forms.DateField):
    """A day to filter by: optional, and refused with a form error unless filtering by it
    can be done (see ``EARLIEST_DAY``)."""

    widget = forms.DateInput(
        attrs={"type": "date", "min": EARLIEST_DAY.isoformat(), "max": LATEST_DAY.isoformat()}
    )
    default_error_messages = {
        "invalid": "Enter a date as YYYY-MM-DD.",
        "out_of_range": OUT_OF_RANGE,
    }

    def __init__(self, label: str):
        super().__init__(label=label, required=False)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            shaped = DATE_SHAPED.fullmatch(value) if isinstance(value, str) else None
            if shaped and not 1 <= int(shaped.group(1)) <= 9999:
                raise forms.ValidationError(
                    self.error_messages["out_of_range"], code="out_of_range"
                ) from None
            raise

    def validate(self, value):
        super().validate(value)
        if value is not None and not EARLIEST_DAY <= value <= LATEST_DAY:
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")


class DateRangeMixin:
    """``created_from`` / ``created_to`` (or ``date_from`` / ``date_to``) in the right order."""

    range_fields = ("created_from", "created_to")

    def clean(self):
        cleaned = super().clean()
        start, end = (cleaned.get(name) for name in self.range_fields)
        if start and end and start > end:
            raise forms.ValidationError("The start of the date range is after its end.")
        return cleaned


# Actions on parts of the dashboard only some upstreams have room for.
ACTION_FEATURES = {
    ActionLog.Action.FILE_UPLOADED: Feature.UPLOADS,
    ActionLog.Action.THREAD_CREATED: Feature.THREADS,
    ActionLog.Action.THREAD_DELETED: Feature.THREADS,
    ActionLog.Action.MESSAGE_POSTED: Feature.THREADS,
    ActionLog.Action.MESSAGE_DELETED: Feature.THREADS,
    ActionLog.Action.RUN_STARTED: Feature.THREADS,
    ActionLog.Action.RUN_CANCELLED: Feature.THREADS,
}


def _offered(action: str) -> bool:
    """Whether an action can happen with this upstream (a filter for it could find any)."""
    feature = ACTION_FEATURES.get(action)
    return feature is None or profiles.has(feature)


class ActionLogFilterForm(DateRangeMixin, forms.Form):
    """Filters of the action log; the user filter is offered to staff only."""

    range_fields = ("date_from", "date_to")

    action = forms.ChoiceField(required=False, choices=ANY + list(ActionLog.Action.choices))
    outcome = forms.ChoiceField(required=False, choices=ANY + list(ActionLog.Outcome.choices))
    user = forms.CharField(required=False, max_length=150, label="User")
    in_team = forms.ChoiceField(label="Team", required=False)
    date_from = FilterDayField("From")
    date_to = FilterDayField("Until")

    def __init__(self, data, *, teams, staff: bool):
        """``teams``: (team id or "" for personal, label) pairs found in the visible log."""
        super().__init__(data)
        self.fields["action"].choices = ANY + [
            (value, label) for value, label in ActionLog.Action.choices if _offered(value)
        ]
        self.fields[TEAM_FILTER].choices = ANY + [
            (team_id or PERSONAL_FILTER, label or team_id or "Personal workspace")
            for team_id, label in teams
        ]
        if not staff:
            del self.fields["user"]
