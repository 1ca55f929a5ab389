"""Account forms: sign-up asks for a display name besides email and password."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest

from sellsafe.accounts.models import User


class SignupForm(forms.Form):
    """Extra fields for allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS: allauth's form derives
    from this one)."""

    display_name = forms.CharField(
        max_length=150,
        required=False,
        label="Your name",
        help_text="Shown to your staff and in the activity log.",
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data.get("display_name", "")
        user.save(update_fields=["display_name"])
