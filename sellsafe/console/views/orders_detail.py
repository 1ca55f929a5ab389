"""One order: lines, totals, payments, shipments, returns, refunds, notes, its timeline, and the
actions on it (each a POST to a service; a refusal comes back as a message on the page).

The buyer is masked here (the customers app's block: city and country only); the full details
are one audited "Reveal" away (console:order_reveal swaps the block), and on the packing slip
(audited too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_http_methods

from sellsafe.console.order_forms import CancelForm, MarkPaidForm, NoteForm, ShipmentForm
from sellsafe.console.shop_access import shop_view
from sellsafe.console.views.orders import pdf_response
from sellsafe.console.views.shop_common import (
    NOT_FOUND,
    found_or_404,
    membership_of,
    shop_of,
    shop_redirect,
    shop_render,
    show_error,
)
from sellsafe.core.errors import DomainError, NotAllowed
from sellsafe.core.money import format_minor
from sellsafe.customers.selectors import masked_order_buyer
from sellsafe.orders import packing_slip, selectors
from sellsafe.orders.models import Order, OrderStatus, PaymentMethod
from sellsafe.orders.services import fulfilment, notes, status


def order_or_404(order_id: Any) -> Order:
    return found_or_404(selectors.order_by_id(order_id))


def _money(order: Order, minor: int) -> str:
    return f"{format_minor(minor, order.currency)} {order.currency}"


def _page(
    request: HttpRequest,
    order: Order,
    *,
    note_form: NoteForm | None = None,
    cancel_form: CancelForm | None = None,
    status_code: int = 200,
) -> HttpResponse:
    detail = selectors.order_detail(order)
    perms = membership_of(request).role.code_set
    return shop_render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "detail": detail,
            "lines": [
                (
                    line,
                    format_minor(line.unit_price_minor, order.currency),
                    _money(order, line.total_minor),
                )
                for line in detail.lines
            ],
            "totals": {
                "subtotal": _money(order, order.subtotal_minor),
                "shipping": _money(order, order.shipping_minor),
                "total": _money(order, order.total_minor),
                "paid": _money(order, order.paid_minor),
                "refunded": _money(order, order.refunded_minor),
            },
            "payments": [(p, _money(order, p.amount_minor)) for p in detail.payments],
            "refunds": [(r, _money(order, r.amount_minor)) for r in detail.refunds],
            "masked": masked_order_buyer(order),  # the reveal fragment swaps this block
            "timeline": selectors.order_timeline(shop=shop_of(request), order=order),
            "can": {
                "ship": "orders.fulfil" in perms and fulfilment.shippable(order),
                "mark_paid": "orders.refund" in perms
                and order.status == OrderStatus.PENDING_PAYMENT
                and order.payment_method != PaymentMethod.COD,
                "cancel": "orders.refund" in perms
                and status.can_move(order, OrderStatus.CANCELLED),
                "deliver": "orders.fulfil" in perms
                and status.can_move(order, OrderStatus.DELIVERED),
                "complete": "orders.fulfil" in perms
                and status.can_move(order, OrderStatus.COMPLETED),
                "note": notes.can_add_note(actor=membership_of(request)),
                "slip": "orders.fulfil" in perms,
                "refund": "orders.refund" in perms,
            },
            "note_form": note_form or NoteForm(),
            "cancel_form": cancel_form or CancelForm(),
            "mark_paid_form": MarkPaidForm(),
        },
        status=status_code,
    )


@shop_view("orders.view")
@require_http_methods(["GET"])
def order_detail(request: HttpRequest, order_id: UUID) -> HttpResponse:
    return _page(request, order_or_404(order_id))


def _act(
    request: HttpRequest, order_id: UUID, action: Callable[[Order], Any], done: str
) -> HttpResponse:
    """Run one status action; success and refusal both land back on the order page."""
    order = order_or_404(order_id)
    try:
        action(order)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, done.format(number=order.number))
    return shop_redirect(request, "order", order.pk)


@shop_view("orders.refund")
@require_http_methods(["POST"])
def order_cancel(request: HttpRequest, order_id: UUID) -> HttpResponse:
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _page(request, order_or_404(order_id), cancel_form=form, status_code=400)
    return _act(
        request,
        order_id,
        lambda order: status.order_cancel(
            actor=membership_of(request),
            shop=shop_of(request),
            order=order,
            reason=form.cleaned_data["reason"],
        ),
        "Order #{number} cancelled; its reserved stock is available again.",
    )


@shop_view("orders.refund")
@require_http_methods(["POST"])
def order_mark_paid(request: HttpRequest, order_id: UUID) -> HttpResponse:
    form = MarkPaidForm(request.POST)
    reference = form.cleaned_data["reference"] if form.is_valid() else ""
    return _act(
        request,
        order_id,
        lambda order: status.order_mark_paid(
            actor=membership_of(request), shop=shop_of(request), order=order, reference=reference
        ),
        "Order #{number} marked paid.",
    )


@shop_view("orders.fulfil")
@require_http_methods(["POST"])
def order_mark_delivered(request: HttpRequest, order_id: UUID) -> HttpResponse:
    return _act(
        request,
        order_id,
        lambda order: status.order_mark_delivered(
            actor=membership_of(request), shop=shop_of(request), order=order
        ),
        "Order #{number} marked delivered.",
    )


@shop_view("orders.fulfil")
@require_http_methods(["POST"])
def order_complete(request: HttpRequest, order_id: UUID) -> HttpResponse:
    return _act(
        request,
        order_id,
        lambda order: status.order_complete(
            actor=membership_of(request), shop=shop_of(request), order=order
        ),
        "Order #{number} completed.",
    )


@shop_view("orders.view")
@require_http_methods(["POST"])
def order_note_add(request: HttpRequest, order_id: UUID) -> HttpResponse:
    """Anyone who packs or answers buyers may write a note: the service checks which."""
    order = order_or_404(order_id)
    form = NoteForm(request.POST)
    form.is_valid()  # for showing what was typed; the service checks the right and the text
    try:
        notes.order_note_add(
            actor=membership_of(request),
            shop=shop_of(request),
            order=order,
            text=str(request.POST.get("text", "")),
        )
    except NotAllowed:
        raise Http404(NOT_FOUND) from None  # refused and audited by the service
    except DomainError as error:
        show_error(request, error, form)
    else:
        messages.success(request, "Note added.")
        return shop_redirect(request, "order", order.pk)
    return _page(request, order, note_form=form, status_code=400)


@shop_view("orders.fulfil")
@require_http_methods(["GET", "POST"])
def order_ship(request: HttpRequest, order_id: UUID) -> HttpResponse:
    order = order_or_404(order_id)
    lines = selectors.order_lines(order)
    form = ShipmentForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            fulfilment.shipment_create(
                actor=membership_of(request),
                shop=shop_of(request),
                order=order,
                carrier=form.cleaned_data["carrier"],
                tracking_number=form.cleaned_data["tracking_number"],
                lines=form.chosen(),
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, f"Shipment of order #{order.number} recorded.")
            return shop_redirect(request, "order", order.pk)
    return shop_render(
        request,
        "orders/ship.html",
        {"order": order, "form": form, "shippable": fulfilment.shippable(order)},
        status=200 if request.method == "GET" else 400,
    )


@shop_view("orders.fulfil")
@require_http_methods(["POST"])
def order_packing_slip(request: HttpRequest, order_id: UUID) -> HttpResponseBase:
    order = order_or_404(order_id)
    try:
        pdf = packing_slip.packing_slips_print(
            actor=membership_of(request), shop=shop_of(request), orders=[order]
        )
    except DomainError as error:
        show_error(request, error)
        return shop_redirect(request, "order", order.pk)
    return pdf_response(pdf, f"packing-slip-{order.number}.pdf")
