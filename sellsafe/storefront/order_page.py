"""The buyer's order page, opened with the private signed link from the confirmation, and the
buyer's own cancel of an unpaid, unshipped order from that page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_POST

from sellsafe.core.errors import DomainError
from sellsafe.orders import pii
from sellsafe.orders.models import Order, OrderStatus, PaymentMethod, Shipment
from sellsafe.orders.services import buyer_cancel
from sellsafe.shops.models import Shop
from sellsafe.storefront import limits, state
from sellsafe.storefront.access import order_from_link, private, storefront_view
from sellsafe.storefront.checkout import JUST_PLACED, METHOD_LABELS

RETURNABLE = (OrderStatus.FULFILLED, OrderStatus.DELIVERED)
CANCEL_POSTS_PER_HOUR = 10
CANCEL_DONE = "cancelled"


def _page(
    request: HttpRequest,
    shop: Shop,
    found: Order,
    token: str,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    just_placed = state.of(request).get(JUST_PLACED) == str(found.pk)
    if just_placed:
        state.of(request).pop(JUST_PLACED)
    address = pii.address_loads(found.shipping_address)
    pending = found.status == OrderStatus.PENDING_PAYMENT
    response = render(
        request,
        "storefront/order.html",
        {
            "shop": shop,
            "order": found,
            "token": token,
            "lines": list(found.lines.all()),
            "shipments": list(Shipment.objects.filter(order=found).prefetch_related("lines")),
            "just_placed": just_placed,
            "method_label": METHOD_LABELS.get(found.payment_method, found.payment_method),
            "awaiting_transfer": pending and found.payment_method == PaymentMethod.BANK_TRANSFER,
            "bank_transfer_details": shop.bank_transfer_details,
            "ship_to": ", ".join(p for p in (address["city"], address["country"]) if p),
            "can_return": found.status in RETURNABLE,
            "can_cancel": buyer_cancel.buyer_can_cancel(found),
            "cancelled": found.status == OrderStatus.CANCELLED,
            "cancelled_now": request.GET.get("cancel") == CANCEL_DONE
            and found.status == OrderStatus.CANCELLED,
            "cancel_error": error,
        },
        status=status,
    )
    return private(response)


@require_GET
@storefront_view
def order(request: HttpRequest, shop: Shop, token: str) -> HttpResponse:
    found = order_from_link(shop, token)
    return _page(request, shop, found, token)


@require_POST
@csrf_protect
@storefront_view
def cancel(request: HttpRequest, shop: Shop, token: str) -> HttpResponse:
    found = order_from_link(shop, token)
    if not limits.order_posts_allowed("cancel", found.pk, per_hour=CANCEL_POSTS_PER_HOUR):
        return _page(
            request,
            shop,
            found,
            token,
            error=limits.TOO_MANY_POSTS,
            status=429,
        )
    try:
        buyer_cancel.order_cancel_by_buyer(shop=shop, order=found)
    except DomainError as error:
        found.refresh_from_db()
        return _page(request, shop, found, token, error=error.message, status=400)
    response = redirect("storefront:order", shop_slug=shop.slug, token=token)
    response["Location"] += f"?cancel={CANCEL_DONE}"
    return private(response)
