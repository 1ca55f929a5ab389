"""Forms of the console's order pages: they check shapes; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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

    def as_filter_fields(self) -> SafeString:
        """The six fields as console/shop/_field.html renders them (label, control, errors,
        help), built with `format_html` (every value escaped): the field and widget templates,
        one option template per choice, cost more than the page's query. The attributes come
        from Django's own `build_widget_attrs`, so aria-invalid / aria-describedby match."""
        return format_html_join("", "{}", ((_field_html(self[name]),) for name in self.fields))


_FIELD = '<div class="field{}"><label for="{}">{}{}</label>{}{}{}</div>\n'


_OPTIONAL = SafeString(' <span class="optional">(optional)</span>')

_SELECTED = SafeString(" selected")


def _field_html(field: BoundField) -> SafeString:
    widget = field.field.widget
    attrs = {**widget.attrs, **field.build_widget_attrs({})}
    attrs.setdefault("id", field.auto_id)
    value = widget.format_value(field.value())
    if isinstance(widget, forms.Select):
        chosen = str(value[0]) if value else ""
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, _SELECTED if str(key) == chosen else "", label)
                for key, label in field.field.choices  # type: ignore[attr-defined]
            ),
        )
        control = format_html(
            '<select name="{}"{}>{}</select>', field.html_name, _flat(attrs), options
        )
    else:
        control = format_html(
            '<input type="{}" name="{}"{}{}>',
            widget.input_type,
            field.html_name,
            format_html(' value="{}"', value) if value not in (None, "") else "",
            _flat(attrs),
        )
    errors = (
        format_html(
            '<ul class="errorlist" id="{}_error">{}</ul>',
            field.auto_id,
            format_html_join("", "<li>{}</li>", ((e,) for e in field.errors)),
        )
        if field.errors
        else ""
    )
    help_text = (
        format_html('<p class="help" id="{}_helptext">{}</p>', field.auto_id, field.help_text)
        if field.help_text
        else ""
    )
    invalid = " field-invalid" if field.errors else ""
    optional = "" if field.field.required else _OPTIONAL
    return format_html(
        _FIELD, invalid, field.id_for_label, field.label, optional, control, errors, help_text
    )


def _flat(attrs: dict[str, Any]) -> SafeString:
    """Attributes as Django's attrs.html writes them: True as a bare name, False left out."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False and value is not None
        ),
    )


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
