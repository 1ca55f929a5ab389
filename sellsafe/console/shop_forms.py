"""Forms for the shop pages: parse and bound the input; the services decide what is allowed.

Fields that name an object of the shop (a role, a member) look it up through the scoped managers,
so an id from another shop is simply "not found in this shop". Role fields accept any role of the
shop, not only the ones offered: asking for a role you may not grant reaches the service, which
refuses it clearly and audits the attempt.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from sellsafe.audit import events as audit_events
from sellsafe.audit.activity import ActivityFilters
from sellsafe.audit.exports import LABELS as EXPORT_LABELS
from sellsafe.catalog import csv_export, csv_import
from sellsafe.catalog import events as catalog_events
from sellsafe.core import zones
from sellsafe.inventory import events as inventory_events
from sellsafe.shops import events as shop_events
from sellsafe.shops import roles
from sellsafe.shops.models import Membership, Role, Shop
from sellsafe.shops.permissions import PERMISSIONS

# Every action code a shop's log can hold, with its label (each app declares its own).
ACTION_LABELS: dict[str, str] = {
    **audit_events.LABELS,
    **shop_events.LABELS,
    **catalog_events.LABELS,
    **csv_export.LABELS,
    **csv_import.LABELS,
    **inventory_events.LABELS,
    **EXPORT_LABELS,
}
MAX_ACCESS_END_DAYS = 5 * 366
TEXT_LIMIT = 254
IP_ALLOWLIST_LIMIT = 5000


@functools.cache
def _timezones() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class ShopRoleField(forms.ModelChoiceField):
    """A role of the current shop. The form sets the queryset inside the request's shop scope,
    so another shop's role is "not found"; the select may offer fewer roles than it accepts."""

    default_error_messages = {
        "invalid_choice": "That role was not found in this shop. Choose one from the list.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=None, empty_label="Choose a role", **kwargs)

    def use(self, offered: list[Role] | None = None) -> None:
        self.queryset = Role.objects.all()
        if offered is not None:
            self.widget.choices = [("", "Choose a role"), *((r.pk, r.name) for r in offered)]


class ShopMemberField(forms.ModelChoiceField):
    """A member of the current shop (queryset set inside the shop scope, like ShopRoleField)."""

    default_error_messages = {
        "invalid_choice": "That person was not found in this shop. Choose one from the list.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=None, **kwargs)

    def use(self, offered: list[Membership] | None = None) -> None:
        self.queryset = Membership.objects.select_related("user", "role").order_by("user__email")
        if offered is not None:
            self.widget.choices = [
                ("", self.empty_label or ""),
                *((m.pk, self.label_from_instance(m)) for m in offered),
            ]

    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user} ({obj.role.name})"


def ends_at_from_date(day: date | None, shop: Shop) -> datetime | None:
    """Access ends at 00:00 on the chosen day, in the shop's time zone."""
    return None if day is None else zones.day_start(day, shop.timezone)


def _clean_access_end(day: date | None) -> date | None:
    if day is None:
        return None
    today = timezone.localdate()  # the shop's day: console views run in the shop's zone
    if day <= today:
        raise forms.ValidationError("Choose a date after today.")
    if day > today + timedelta(days=MAX_ACCESS_END_DAYS):
        raise forms.ValidationError("Choose a date within the next five years.")
    return day


# --- Shop details --------------------------------------------------------------------------------
class ShopDetailsForm(forms.Form):
    name = forms.CharField(label="Shop name", max_length=120, min_length=2)
    country = forms.CharField(
        label="Country", max_length=2, min_length=2, help_text="Two-letter code, like GB or US."
    )
    currency = forms.CharField(
        label="Currency", max_length=3, min_length=3, help_text="Three-letter code, like EUR."
    )
    timezone = forms.ChoiceField(label="Time zone", choices=_timezones, initial="UTC")
    contact_email = forms.EmailField(
        label="Contact email", max_length=254, help_text="Where buyers and Sellsafe reach you."
    )


class ShopCreateForm(ShopDetailsForm):
    slug = forms.SlugField(
        label="Web address",
        max_length=50,
        min_length=3,
        help_text="Lowercase letters, digits and hyphens: your shop's address will be /s/<this>/.",
    )
    phishing_resistant_roles = forms.MultipleChoiceField(
        label="Require a passkey or security key for",
        required=False,
        choices=[(role.key, role.name) for role in roles.BUILTIN_ROLES],
        initial=list(roles.PHISHING_RESISTANT_DEFAULT),
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "People with these roles must sign in with a passkey or security key, which a fake "
            "sign-in page cannot steal. Recommended for Owner and Finance."
        ),
    )

    field_order = ["name", "slug", "country", "currency", "timezone", "contact_email"]


# --- Staff ---------------------------------------------------------------------------------------
class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = ShopRoleField(label="Role")
    access_ends_on = forms.DateField(
        label="Access ends on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional, for agencies and seasonal staff: access stops at 00:00 that day.",
    )

    def __init__(self, *args: Any, offered_roles: list[Role], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].use(offered_roles)  # type: ignore[attr-defined]

    def clean_access_ends_on(self) -> date | None:
        return _clean_access_end(self.cleaned_data.get("access_ends_on"))


class MemberRoleForm(forms.Form):
    role = ShopRoleField(label="New role")

    def __init__(self, *args: Any, offered_roles: list[Role], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].use(offered_roles)  # type: ignore[attr-defined]


class AccessEndForm(forms.Form):
    ends_on = forms.DateField(
        label="Access ends on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Access stops at 00:00 that day (shop time). Leave empty for no end date.",
    )

    def clean_ends_on(self) -> date | None:
        return _clean_access_end(self.cleaned_data.get("ends_on"))


class RoleForm(forms.Form):
    name = forms.CharField(label="Role name", max_length=80, min_length=2)
    codes = forms.MultipleChoiceField(
        label="Permissions",
        required=False,
        choices=[
            (p.code, f"{p.label}{' (sensitive)' if p.sensitive else ''}") for p in PERMISSIONS
        ],
        widget=forms.CheckboxSelectMultiple,
        help_text="Every role can open the shop's console.",
    )


# --- Security ------------------------------------------------------------------------------------
class PolicyForm(forms.Form):
    phishing_resistant_roles = forms.MultipleChoiceField(
        label="Require a passkey or security key for",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    session_max_minutes = forms.IntegerField(
        label="Session length in this shop (minutes)",
        required=False,
        min_value=5,
        max_value=720,
        help_text="Between 5 and 720. Leave empty to use the account's normal session length.",
    )
    ip_allowlist = forms.CharField(
        label="Allowed networks",
        required=False,
        max_length=IP_ALLOWLIST_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            "One IP address or range per line, like 203.0.113.0/24. Leave empty to allow any "
            "network."
        ),
    )

    def __init__(self, *args: Any, role_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phishing_resistant_roles"].choices = role_choices  # type: ignore[attr-defined]


class OwnershipForm(forms.Form):
    new_owner = ShopMemberField(label="New owner", empty_label="Choose a member")
    stay_owner = forms.BooleanField(
        label="Stay an owner too",
        required=False,
        initial=True,
        help_text="Untick to become an Admin once the transfer is done.",
    )

    def __init__(self, *args: Any, candidates: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_owner"].use(candidates)  # type: ignore[attr-defined]


# --- Activity log --------------------------------------------------------------------------------
class ActivityFilterForm(forms.Form):
    """Filters for the activity log (GET). Invalid input shows an error and no events."""

    actor = ShopMemberField(label="Person", required=False, empty_label="Anyone")
    action = forms.ChoiceField(label="Action", required=False)
    target_type = forms.CharField(label="Target type", required=False, max_length=64)
    target_id = forms.CharField(label="Target id", required=False, max_length=64)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    after = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)
    size = forms.IntegerField(required=False, min_value=1, max_value=100, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["actor"].use()  # type: ignore[attr-defined]
        self.fields["action"].choices = [  # type: ignore[attr-defined]
            ("", "Any action"),
            *sorted(ACTION_LABELS.items(), key=lambda item: item[1]),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        for day in (since, until):
            if day is not None and not date(2000, 1, 1) <= day <= date(2999, 12, 31):
                raise forms.ValidationError("Choose dates between the years 2000 and 2999.")
        if since and until and since > until:
            raise forms.ValidationError("The start date is after the end date.")
        return data

    def filters(self) -> ActivityFilters:
        data = self.cleaned_data
        member = data.get("actor")
        return ActivityFilters(
            actor=member.user if member is not None else None,
            action=data.get("action") or "",
            target_type=(data.get("target_type") or "").strip(),
            target_id=(data.get("target_id") or "").strip(),
            since=data.get("since"),
            until=data.get("until"),
            zone=timezone.get_current_timezone_name(),  # console views run in the shop's zone
        )
