"""The buyer's order page, opened with the private signed link from the confirmation."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sellsafe.orders import links, pii
from sellsafe.orders.models import OrderStatus, PaymentMethod, Shipment
from sellsafe.shops.models import Shop
from sellsafe.storefront.access import NOT_FOUND, private, storefront_view
from sellsafe.storefront.checkout import JUST_PLACED, METHOD_LABELS

RETURNABLE = (OrderStatus.FULFILLED, OrderStatus.DELIVERED)


@require_GET
@storefront_view
def order(request: HttpRequest, shop: Shop, token: str) -> HttpResponse:
    found = links.order_from_token(shop=shop, token=token)
    if found is None:
        raise Http404(NOT_FOUND)
    just_placed = request.session.get(JUST_PLACED) == str(found.pk)
    if just_placed:
        request.session.pop(JUST_PLACED)
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
            "cancelled": found.status == OrderStatus.CANCELLED,
        },
    )
    return private(response)
