"""Forms for the customer pages and the order settings page: parse and bound the input; the
services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from sellsafe.core.money import MoneyError, parse
from sellsafe.orders.models import PaymentMethod
from sellsafe.orders.services.settings import (
    BANK_DETAILS_MAX,
    EXPIRY_MAX,
    EXPIRY_MIN,
    RETENTION_MAX,
    RETENTION_MIN,
)


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label="Email or phone number",
        required=False,
        max_length=254,
        help_text="The full address or number: personal data is searched by exact match only.",
    )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand what this does",
        required=True,
        error_messages={"required": "Tick the box to confirm."},
    )


class MoneyField(forms.CharField):
    """An amount typed as "12.34", cleaned to minor units of the shop's currency."""

    def __init__(self, *, currency: str, **kwargs: Any) -> None:
        self.currency = currency
        super().__init__(max_length=20, **kwargs)

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        try:
            return parse(text, self.currency)
        except MoneyError as error:
            raise forms.ValidationError(str(error)) from None


class OrderSettingsForm(forms.Form):
    payment_methods = forms.MultipleChoiceField(
        label="Payment methods buyers can choose",
        choices=PaymentMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Offer at least one payment method."},
    )
    bank_transfer_details = forms.CharField(
        label="New bank transfer details",
        required=False,
        max_length=BANK_DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text="Leave empty to keep the current details. Changing them asks for your "
        "password again and emails every owner.",
    )
    order_expiry_minutes = forms.IntegerField(
        label="Cancel unpaid orders after (minutes)",
        min_value=EXPIRY_MIN,
        max_value=EXPIRY_MAX,
        help_text=f"Between {EXPIRY_MIN} and {EXPIRY_MAX:,} (30 days). Releases the reserved stock.",
    )
    retention_days = forms.IntegerField(
        label="Anonymise buyers of orders completed more than (days) ago",
        required=False,
        min_value=RETENTION_MIN,
        max_value=RETENTION_MAX,
        help_text=f"Between {RETENTION_MIN} and {RETENTION_MAX:,}; leave empty to keep buyer data.",
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shipping_flat_minor"] = MoneyField(
            currency=currency, label=f"Flat shipping price ({currency})"
        )
        self.fields["refund_reauth_minor"] = MoneyField(
            currency=currency,
            label=f"Ask for the password again for refunds above ({currency})",
        )
        self.order_fields(
            [
                "payment_methods",
                "bank_transfer_details",
                "shipping_flat_minor",
                "order_expiry_minutes",
                "refund_reauth_minor",
                "retention_days",
            ]
        )
