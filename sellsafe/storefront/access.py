"""Public storefront pages: the shop comes from the slug in the address, then its scope opens.

No sign-in: anyone may look. What the storefront remembers of a buyer (the cart) is in a signed
cookie per shop (storefront.state), loaded before the view and sent back after it. Unknown slugs
are a plain 404. Everything the view reads, and the template it renders, happens inside the
shop's scope, so no other shop's rows can appear. Dates are shown in the shop's time zone (the
buyer's order page says which).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from sellsafe.core import tenancy, zones
from sellsafe.core.lookups import row_by
from sellsafe.orders import links
from sellsafe.orders.models import Order
from sellsafe.shops.models import Shop
from sellsafe.storefront import state

View = Callable[..., HttpResponseBase]
NOT_FOUND = "Not found."


def storefront_view(view: View) -> View:
    @wraps(view)
    def wrapper(
        request: HttpRequest, shop_slug: str, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        # Every storefront request reads its shop: one cached statement, not an ORM query.
        shop = row_by(Shop, "slug", shop_slug) if len(shop_slug) <= 50 else None
        if shop is None:
            raise Http404(NOT_FOUND)
        request.shop = shop  # type: ignore[attr-defined]
        request.buyer = buyer = state.load(request, shop.pk)  # type: ignore[attr-defined]
        with tenancy.scope(shop), zones.local_time(shop.timezone):
            response = view(request, shop, *args, **kwargs)
        state.save(request, response, buyer, shop.slug)
        return response

    return wrapper


def private(response: HttpResponse) -> HttpResponse:
    """Pages with a secret in the address (or a person's cart): never cached, and their address
    never sent to another site. `same-origin`, not `no-referrer`: with `no-referrer` browsers send
    `Origin: null` on the page's own form posts, and CSRF protection rightly refuses those."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def order_from_link(shop: Shop, token: str) -> Order:
    """The order a buyer's private link opens in this shop; one 404 for every unknown, altered or
    other shop's token (the link is the buyer's only credential)."""
    found = links.order_from_token(shop=shop, token=token)
    if found is None:
        raise Http404(NOT_FOUND)
    return found
