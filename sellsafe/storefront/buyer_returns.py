"""The buyer's return request, from their private order link: which shipped items come back and
why. The link is the only credential, so the page is rate-limited per order and every unknown,
altered or foreign token is the same 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from sellsafe.core.errors import DomainError
from sellsafe.orders.models import Order, OrderLine
from sellsafe.orders.services import returns
from sellsafe.shops.models import Shop
from sellsafe.storefront import limits
from sellsafe.storefront.access import order_from_link, private, storefront_view

TEMPLATE = "returns/buyer_request.html"
POSTS_PER_HOUR = 10
QUANTITY_MAX_DIGITS = 6


def _rows(order: Order, typed: dict[str, str]) -> list[dict[str, Any]]:
    left = returns.returnable_quantities(order)
    return [
        {"line": line, "max": left.get(line.pk, 0), "typed": typed.get(str(line.pk), "")}
        for line in OrderLine.objects.filter(order=order).order_by("position")
    ]


def _page(
    request: HttpRequest,
    shop: Shop,
    order: Order,
    token: str,
    *,
    typed: dict[str, str] | None = None,
    reason: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    rows = _rows(order, typed or {})
    context = {
        "shop": shop,
        "order": order,
        "token": token,
        "rows": rows,
        "any_returnable": any(row["max"] for row in rows),
        "reason": reason,
        "reason_max": returns.REASON_MAX,
        "error": error,
        "returnable_order": order.status in returns.RETURNABLE_ORDER,
    }
    return private(render(request, TEMPLATE, context, status=status))


def _wanted(
    request: HttpRequest, order: Order
) -> tuple[dict[str, str], list[tuple[OrderLine, int]]]:
    typed: dict[str, str] = {}
    wanted: list[tuple[OrderLine, int]] = []
    for line in OrderLine.objects.filter(order=order).order_by("position"):
        text = str(request.POST.get(f"qty-{line.pk}", "")).strip()[: QUANTITY_MAX_DIGITS + 1]
        typed[str(line.pk)] = text
        if not text:
            continue
        if not text.isdigit() or len(text) > QUANTITY_MAX_DIGITS:
            raise DomainError("Enter a whole number of items.", field="lines")
        wanted.append((line, int(text)))
    return typed, wanted


@require_http_methods(["GET", "POST"])
@storefront_view
def request_return(request: HttpRequest, shop: Shop, token: str) -> HttpResponse:
    order = order_from_link(shop, token)
    if request.method == "GET":
        return _page(request, shop, order, token)
    reason = str(request.POST.get("reason", ""))[: returns.REASON_MAX + 1]
    if not limits.order_posts_allowed("return", order.pk, per_hour=POSTS_PER_HOUR):
        return _page(
            request,
            shop,
            order,
            token,
            reason=reason,
            error=limits.TOO_MANY_POSTS,
            status=429,
        )
    typed: dict[str, str] = {}
    try:
        typed, wanted = _wanted(request, order)
        returns.return_request(shop=shop, order=order, lines=wanted, reason=reason, actor=None)
    except DomainError as error:
        return _page(
            request, shop, order, token, typed=typed, reason=reason, error=error.message, status=400
        )
    response = redirect("storefront:order", shop_slug=shop.slug, token=token)
    response["Location"] += "?return=requested"
    return private(response)
