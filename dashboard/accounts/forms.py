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
        if not value.isascii():  # an HTTP header carries it, as the upstream issued it
            raise forms.ValidationError(
                "An API key holds only plain letters, digits and punctuation (ASCII): this "
                "one has other characters. Copy it again from where it was issued."
            )
        if len(value) < 8:
            raise forms.ValidationError("That is too short to be an API key.")
        return value
