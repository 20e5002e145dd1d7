"""Naming a creator: one line of visible text, seen by everyone."""

from __future__ import annotations

import unicodedata

from django import forms

# Embeddings, overrides and isolates: they could make a name read differently from what it is.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS for ch in text)


class CreatorNameForm(forms.Form):
    """A name everyone sees, so it is one line of visible text (PostgreSQL refuses NUL too)."""

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

    def clean_creator_id(self):
        value = self.cleaned_data["creator_id"]
        if not value.isprintable():
            raise forms.ValidationError("A creator ID is visible text, without control characters.")
        return value

    def clean_display_name(self):
        value = self.cleaned_data["display_name"]
        if _has_control(value):
            raise forms.ValidationError("A display name is one line, without control characters.")
        return value
