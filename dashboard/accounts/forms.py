from django import forms


class AddKeyForm(forms.Form):
    label = forms.CharField(
        max_length=100,
        help_text="A name you will recognise, e.g. “Work laptop” or “CI”.",
    )
    api_key = forms.CharField(
        label="API key",
        max_length=512,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Checked against the upstream before it is saved; shown only masked afterwards.",
    )
    other_account_confirmed = forms.BooleanField(
        required=False,
        label="Yes, save this key of another person's account (paste it again)",
    )

    def clean_api_key(self):
        value = self.cleaned_data["api_key"]
        if any(ch.isspace() for ch in value) or not value.isprintable():
            raise forms.ValidationError("An API key has no spaces or line breaks.")
        if len(value) < 8:
            raise forms.ValidationError("That is too short to be an API key.")
        return value
