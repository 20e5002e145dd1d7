"""The audit's forms: the ownership filters, the action log filters and naming a creator."""

from __future__ import annotations

from django import forms

from dashboard.audit.models import ActionLog
from dashboard.audit.ownership import DEFAULT_SORT, SORT_FIELDS, Filters
from dashboard.teams.active import PERSONAL

ANY = [("", "Any")]
# Not "team": ``?team=`` on any page switches the active team (see the teams middleware).
TEAM_FILTER = "in_team"


class DateRangeMixin:
    """``created_from`` / ``created_to`` (or ``date_from`` / ``date_to``) in the right order."""

    range_fields = ("created_from", "created_to")

    def clean(self):
        cleaned = super().clean()
        start, end = (cleaned.get(name) for name in self.range_fields)
        if start and end and start > end:
            raise forms.ValidationError("The start of the date range is after its end.")
        return cleaned


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class OwnershipFilterForm(DateRangeMixin, forms.Form):
    """The filters of the combined table (a plain GET form); exports take the same query."""

    in_team = forms.ChoiceField(label="Team", required=False)
    kind = forms.ChoiceField(required=False)
    creator = forms.ChoiceField(required=False)
    created_from = _date_field("Created from")
    created_to = _date_field("Created until")
    sort = forms.ChoiceField(required=False)

    def __init__(self, data, *, teams, kinds, creators):
        super().__init__(data)
        self.fields[TEAM_FILTER].choices = ANY + [(t.key, t.label) for t in teams]
        self.fields["kind"].choices = ANY + [(k.slug, k.label) for k in kinds]
        self.fields["creator"].choices = ANY + list(creators)
        self.fields["sort"].choices = [
            (f"{prefix}{key}", f"{label} {arrow}")
            for key, label in SORT_FIELDS.items()
            for prefix, arrow in (("", "↑"), ("-", "↓"))
        ]

    def filters(self) -> Filters:
        """The filters asked for; an invalid form filters nothing."""
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            team=data[TEAM_FILTER],
            kind=data["kind"],
            creator=data["creator"],
            created_from=data["created_from"],
            created_to=data["created_to"],
            sort=data["sort"] or DEFAULT_SORT,
        )


class ActionLogFilterForm(DateRangeMixin, forms.Form):
    """Filters of the action log; the user filter is offered to staff only."""

    range_fields = ("date_from", "date_to")

    action = forms.ChoiceField(required=False, choices=ANY + list(ActionLog.Action.choices))
    outcome = forms.ChoiceField(required=False, choices=ANY + list(ActionLog.Outcome.choices))
    user = forms.CharField(required=False, max_length=150, label="User")
    in_team = forms.ChoiceField(label="Team", required=False)
    date_from = _date_field("From")
    date_to = _date_field("Until")

    def __init__(self, data, *, teams, staff: bool):
        """``teams``: (team id or "" for personal, label) pairs found in the visible log."""
        super().__init__(data)
        self.fields[TEAM_FILTER].choices = ANY + [
            (team_id or PERSONAL, label or team_id or "Personal workspace")
            for team_id, label in teams
        ]
        if not staff:
            del self.fields["user"]


class CreatorNameForm(forms.Form):
    creator_id = forms.CharField(
        label="Creator ID",
        max_length=64,
        help_text="As the upstream shows it in resources (user_id or created_by).",
        error_messages={"required": "Give the creator ID."},
    )
    display_name = forms.CharField(
        label="Display name",
        max_length=100,
        required=False,
        help_text="Seen by everyone in lists and in the audit. Leave empty to remove the name.",
    )
