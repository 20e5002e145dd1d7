"""The filters of the ownership audit's combined table (a plain GET form; exports take the same
query)."""

from __future__ import annotations

from django import forms

from dashboard.audit.forms import ANY, TEAM_FILTER, DateRangeMixin, FilterDayField
from dashboard.ownership.presentation import DEFAULT_SORT, SORT_FIELDS, Filters


class OwnershipFilterForm(DateRangeMixin, forms.Form):
    """The filters of the combined table (a plain GET form); exports take the same query."""

    in_team = forms.ChoiceField(label="Team", required=False)
    kind = forms.ChoiceField(required=False)
    creator = forms.ChoiceField(required=False)
    created_from = FilterDayField("Created from")
    created_to = FilterDayField("Created until")
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
        if self.is_bound and self.data.get("sort") not in dict(self.fields["sort"].choices):
            # An order it does not know (an old or edited link) is the usual one, as on the
            # lists, and shown as such: the other filters still apply.
            self.data = self.data.copy()
            self.data["sort"] = DEFAULT_SORT

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
