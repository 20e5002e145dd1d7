from django import forms

from dashboard.teams.services import TeamError, normalise_team_id


class AddTeamForm(forms.Form):
    team_id = forms.CharField(
        label="Team ID",
        max_length=64,
        help_text=(
            "From the team's settings page on the upstream, "
            "e.g. 124cb1bb-d8d3-4e9b-9c96-2039fba43e78."
        ),
    )
    label = forms.CharField(
        max_length=100, required=False, help_text="A name for the team, shown in the switcher."
    )

    def clean_team_id(self):
        try:
            return normalise_team_id(self.cleaned_data["team_id"])
        except TeamError as exc:
            raise forms.ValidationError(str(exc)) from exc


class RenameTeamForm(forms.Form):
    label = forms.CharField(max_length=100)

    def clean_label(self):
        label = self.cleaned_data["label"].strip()
        if not label:
            raise forms.ValidationError("Give the team a name.")
        return label
