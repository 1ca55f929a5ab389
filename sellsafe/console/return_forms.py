"""Forms for the return and refund pages: parse and bound the input; the services decide.

Locations are looked up through the scoped manager, so another shop's location id is "not
found". Money is typed as text ("12.34") and parsed in the order's currency, never as a float.
"""

from __future__ import annotations

from typing import Any

from django import forms

from sellsafe.core.money import MoneyError, parse
from sellsafe.inventory.models import Location
from sellsafe.orders.models import OrderLine, ReturnLine
from sellsafe.orders.services.refunds import REASON_MAX as REFUND_REASON_MAX
from sellsafe.orders.services.returns import REASON_MAX as RETURN_REASON_MAX


class RefundForm(forms.Form):
    amount = forms.CharField(label="Amount", max_length=20)
    reason = forms.CharField(
        label="Reason",
        max_length=REFUND_REASON_MAX,
        help_text="Kept in the activity log. The buyer is told the amount, not the reason.",
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].label = f"Amount ({currency})"

    def clean_amount(self) -> int:
        try:
            return parse(self.cleaned_data["amount"], self.currency)
        except MoneyError as error:
            raise forms.ValidationError(str(error)) from error


class StaffReturnForm(forms.Form):
    """One quantity field per order line that still has units to return, and the reason."""

    reason = forms.CharField(
        label="Reason", max_length=RETURN_REASON_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: Any, lines: list[OrderLine], left: dict[Any, int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lines = {f"qty_{line.pk}": line for line in lines if left.get(line.pk)}
        quantity_fields = {
            name: forms.IntegerField(
                label=f"{line.title} ({line.sku}), up to {left[line.pk]}",
                min_value=0,
                max_value=left[line.pk],
                required=False,
            )
            for name, line in self.lines.items()
        }
        self.fields = {**quantity_fields, **self.fields}

    def wanted(self) -> list[tuple[OrderLine, int]]:
        return [
            (line, self.cleaned_data[name])
            for name, line in self.lines.items()
            if self.cleaned_data.get(name)
        ]


class ReceiveForm(forms.Form):
    """Per return line: back on a shelf (and which) or not."""

    def __init__(self, *args: Any, lines: list[ReturnLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        locations = Location.objects.filter(is_active=True).order_by("name")
        for rl in lines:
            line = rl.line
            self.fields[f"restock_{rl.pk}"] = forms.BooleanField(
                label=f"Put {rl.quantity} of {line.title} ({line.sku}) back in stock",
                required=False,
            )
            self.fields[f"location_{rl.pk}"] = forms.ModelChoiceField(
                label=f"Location for {line.sku}",
                queryset=locations,
                required=False,
                initial=line.location_id,
                empty_label="Choose a location",
                error_messages={"invalid_choice": "Choose a location of this shop."},
            )

    def restock(self) -> dict[Any, tuple[bool, Location | None]]:
        return {
            rl.pk: (
                bool(self.cleaned_data.get(f"restock_{rl.pk}")),
                self.cleaned_data.get(f"location_{rl.pk}"),
            )
            for rl in self.lines
        }
