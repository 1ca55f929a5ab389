"""Forms for the inventory pages: parse and bound the input; the services decide what happens.

The location field looks locations up through the scoped manager, so another shop's location id
is "not found in this shop".
"""

from __future__ import annotations

from typing import Any

from django import forms

from sellsafe.inventory.models import Location, LocationKind, MovementReason
from sellsafe.inventory.services import MAX_QUANTITY, MAX_THRESHOLD, NOTE_MAX

ADJUST_REASON_CHOICES = [
    (MovementReason.RECEIVED.value, "Received (units added)"),
    (MovementReason.RETURNED.value, "Returned (units added)"),
    (MovementReason.DAMAGED.value, "Damaged (units removed)"),
    (MovementReason.CORRECTION.value, "Correction (+ adds, - removes)"),
    (MovementReason.COUNTED.value, "Counted (sets the number on hand)"),
]
_ADDS = {MovementReason.RECEIVED.value, MovementReason.RETURNED.value}
_REMOVES = {MovementReason.DAMAGED.value}


class LocationForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    kind = forms.ChoiceField(label="Kind", choices=LocationKind.choices)


class LocationEditForm(LocationForm):
    is_active = forms.BooleanField(
        label="Active",
        required=False,
        help_text="Closed locations are hidden from stock pages unless they still hold stock.",
    )


class ShopLocationField(forms.ModelChoiceField):
    default_error_messages = {
        "invalid_choice": "That location was not found in this shop. Choose one from the list.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=None, empty_label="Choose a location", **kwargs)

    def use(self) -> None:
        self.queryset = Location.objects.order_by("name")
        self.widget.choices = [
            ("", "Choose a location"),
            *((loc.pk, loc.name) for loc in Location.objects.filter(is_active=True)),
        ]


class AdjustForm(forms.Form):
    location = ShopLocationField(label="Location")
    reason = forms.ChoiceField(label="Reason", choices=ADJUST_REASON_CHOICES)
    quantity = forms.IntegerField(
        label="Quantity",
        min_value=-MAX_QUANTITY,
        max_value=MAX_QUANTITY,
        help_text="Units received, returned or damaged; for a count, the number now on hand.",
    )
    note = forms.CharField(label="Note", max_length=NOTE_MAX, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        location = self.fields["location"]
        assert isinstance(location, ShopLocationField)
        location.use()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reason, quantity = data.get("reason"), data.get("quantity")
        if reason is None or quantity is None:
            return data
        data["change"], data["set_to"] = None, None
        if reason == MovementReason.COUNTED.value:
            if quantity < 0:
                self.add_error("quantity", "A count cannot be negative.")
            data["set_to"] = quantity
        elif reason in _ADDS or reason in _REMOVES:
            if quantity <= 0:
                self.add_error("quantity", "Enter a positive number of units.")
            data["change"] = quantity if reason in _ADDS else -quantity
        else:
            if quantity == 0:
                self.add_error("quantity", "Enter a change other than 0.")
            data["change"] = quantity
        return data


class ThresholdForm(forms.Form):
    threshold = forms.IntegerField(
        label="Low-stock threshold",
        required=False,
        min_value=0,
        max_value=MAX_THRESHOLD,
        help_text="Warn when fewer units than this are available in total. "
        "Leave empty to use the shop's default.",
    )


class ShopThresholdForm(forms.Form):
    threshold = forms.IntegerField(
        label="Default low-stock threshold",
        min_value=0,
        max_value=MAX_THRESHOLD,
        help_text="For every variant without its own threshold.",
    )
