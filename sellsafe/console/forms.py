"""Console forms: validate at the edge, keep what the person typed."""

from __future__ import annotations

from django import forms


class AntiPhishingForm(forms.Form):
    phrase = forms.CharField(
        label="Your anti-phishing code",
        max_length=64,
        required=False,
        strip=True,
        help_text=(
            "A short phrase only you know, like 'purple otter 42'. Every email from Sellsafe shows "
            "it near the top: an email without it is not from us. Leave empty to remove it."
        ),
    )

    def clean_phrase(self) -> str:
        phrase: str = self.cleaned_data["phrase"]
        if phrase and len(phrase) < 4:
            raise forms.ValidationError("Use at least 4 characters so that it is hard to guess.")
        if any(not ch.isprintable() for ch in phrase):
            raise forms.ValidationError("Use letters, digits, spaces and punctuation only.")
        return phrase
