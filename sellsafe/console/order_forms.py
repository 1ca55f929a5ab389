"""Forms of the console's order pages: they check shapes; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from sellsafe.orders.models import FulfilmentStatus, OrderLine, OrderStatus, PaymentMethod
from sellsafe.orders.selectors import SEARCH_MAX
from sellsafe.orders.services.fulfilment import CARRIER_MAX, TRACKING_MAX
from sellsafe.orders.services.notes import NOTE_MAX
from sellsafe.orders.services.status import CANCEL_REASON_MAX

ANY = [("", "Any")]


class OrderFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX,
        help_text="Exact order number, buyer email or phone number.",
    )
    status = forms.ChoiceField(label="Status", required=False, choices=ANY + OrderStatus.choices)
    fulfilment = forms.ChoiceField(
        label="Shipping", required=False, choices=ANY + FulfilmentStatus.choices
    )
    method = forms.ChoiceField(label="Payment", required=False, choices=ANY + PaymentMethod.choices)
    since = forms.DateField(
        label="Placed from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Placed until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data


class BulkShipForm(forms.Form):
    file = forms.FileField(
        label="Tracking numbers (CSV)",
        help_text="Columns: order number, carrier, tracking number.",
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason", required=False, max_length=CANCEL_REASON_MAX, strip=True
    )


class MarkPaidForm(forms.Form):
    reference = forms.CharField(label="Bank reference", required=False, max_length=100, strip=True)


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Note",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Seen by staff only; stored encrypted.",
    )


class ShipmentForm(forms.Form):
    """Carrier, tracking number and one quantity per line still to ship."""

    carrier = forms.CharField(label="Carrier", max_length=CARRIER_MAX)
    tracking_number = forms.CharField(
        label="Tracking number", required=False, max_length=TRACKING_MAX
    )

    def __init__(self, *args: Any, lines: list[OrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_lines = [line for line in lines if line.quantity > line.quantity_shipped]
        for line in self.open_lines:
            left = line.quantity - line.quantity_shipped
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.sku} · {line.title} ({left} to ship)",
                min_value=0,
                max_value=left,
                initial=left,
                required=False,
            )

    def chosen(self) -> list[tuple[OrderLine, int]]:
        return [(line, self.cleaned_data.get(f"line_{line.pk}") or 0) for line in self.open_lines]
