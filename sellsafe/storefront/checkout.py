"""Checkout: the buyer's details, delivery and payment, then `order_place`.

Before anything is placed: the honeypot must be empty, the form's idempotency key must be one this
buyer was given (storefront.state), and the client address and email must be within their rate
limits. Refusals keep what the buyer typed and say what to fix; nothing personal is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters

from sellsafe.core.errors import DomainError
from sellsafe.orders import address as checks
from sellsafe.orders import links
from sellsafe.orders.services.placing import Buyer, order_place, payment_methods_for
from sellsafe.shops.models import Shop
from sellsafe.storefront import cart as carts
from sellsafe.storefront import limits, state
from sellsafe.storefront.access import private, storefront_view
from sellsafe.storefront.views import cart_rows

logger = logging.getLogger(__name__)

FIELDS = (
    "email",
    "name",
    "phone",
    "line1",
    "line2",
    "city",
    "region",
    "postcode",
    "country",
    "delivery_note",
    "payment_method",
)
HONEYPOT = "website"
SHOWN_MAX = 1000  # what we echo back into the form at most
JUST_PLACED = "just-placed"
METHOD_LABELS = {
    "cod": "Cash on delivery",
    "bank_transfer": "Bank transfer",
    "provider": "Pay online",
}


def _typed(request: HttpRequest) -> dict[str, str]:
    return {name: str(request.POST.get(name, ""))[:SHOWN_MAX] for name in FIELDS}


def _page(
    request: HttpRequest,
    shop: Shop,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    cart = carts.read(request)
    rows, subtotal = cart_rows(cart)
    methods = payment_methods_for(shop=shop)
    response = render(
        request,
        "storefront/checkout.html",
        {
            "shop": shop,
            "rows": rows,
            "subtotal": subtotal,
            "shipping": shop.shipping_flat_minor,
            "total": subtotal + shop.shipping_flat_minor,
            "values": values,
            "errors": errors,
            "methods": [(m, METHOD_LABELS.get(m, m)) for m in methods],
            "countries": checks.country_choices(),
            "idempotency_key": carts.issue_key(request),
            "honeypot": HONEYPOT,
            "cart_count": sum(row.quantity for row in rows),
        },
        status=status,
    )
    return private(response)


def _refuse(
    request: HttpRequest, shop: Shop, message: str, *, field: str | None = None, status: int = 400
) -> HttpResponse:
    return _page(
        request,
        shop,
        values=_typed(request),
        errors={field if field in FIELDS or field == "cart" else "form": message},
        status=status,
    )


@sensitive_post_parameters(*FIELDS)
@storefront_view
def checkout(request: HttpRequest, shop: Shop) -> HttpResponse:
    cart = carts.read(request)
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405)
    if request.method == "GET":
        if not cart:
            return HttpResponseRedirect(reverse("storefront:cart", kwargs={"shop_slug": shop.slug}))
        methods = payment_methods_for(shop=shop)
        values = {"country": shop.country, "payment_method": methods[0] if methods else ""}
        return _page(request, shop, values=values, errors={})
    return _submit(request, shop, cart)


def _submit(request: HttpRequest, shop: Shop, cart: dict[str, int]) -> HttpResponse:
    if request.POST.get(HONEYPOT):
        logger.info("storefront checkout refused: honeypot filled", extra={"shop": shop.slug})
        return _refuse(request, shop, "We could not place your order. Please try again.")
    key = request.POST.get("idempotency_key", "")
    if not carts.key_issued(request, key):
        return _refuse(request, shop, "Your checkout form expired. Please check and send it again.")
    if not limits.checkout_allowed(request, shop_id=str(shop.pk), email=request.POST.get("email")):
        logger.info("storefront checkout rate limited", extra={"shop": shop.slug})
        return _refuse(
            request,
            shop,
            "Too many checkout attempts. Please wait a while and try again.",
            status=429,
        )
    post: Any = request.POST
    buyer = Buyer(
        email=post.get("email", ""),
        name=post.get("name", ""),
        phone=post.get("phone", ""),
        address={
            k: post.get(k, "") for k in ("line1", "line2", "city", "region", "postcode", "country")
        },
    )
    try:
        result = order_place(
            shop=shop,
            lines=carts.lines(cart),
            buyer=buyer,
            payment_method=post.get("payment_method", ""),
            idempotency_key=key,
            delivery_note=post.get("delivery_note", ""),
        )
    except DomainError as error:
        return _refuse(request, shop, error.message, field=error.field)
    carts.write(request, {})
    state.of(request)[JUST_PLACED] = str(result.order.pk)
    # links.order_url would read the shop's slug again; this request already has the shop.
    token = links.order_token(result.order)
    return HttpResponseRedirect(
        reverse("storefront:order", kwargs={"shop_slug": shop.slug, "token": token})
    )
