"""The buyer's private order link: a signed token naming one order by its id and random link key.

The signature (Django's signer, salted for this purpose, so no other signed value of the project
can pass for it) stops tampering; the link key, compared in constant time with the order's,
makes a token for one order useless for any other, and the scoped lookup keeps it inside the
shop whose address it is used under. Tokens do not expire: the buyer keeps the link.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from sellsafe.orders.models import Order
from sellsafe.shops.models import Shop

SALT = "orders.buyer_link"
TOKEN_MAX = 200


def _signer() -> signing.Signer:
    # No timestamp: the link is stable (the same in every email) and does not expire.
    return signing.Signer(salt=SALT)


def order_token(order: Order) -> str:
    return _signer().sign_object([str(order.pk), order.link_key])


def order_from_token(*, shop: Shop, token: str) -> Order | None:
    """The order the token names, in this shop; None for anything forged, altered or foreign.
    Call inside `tenancy.scope(shop)`."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        return None
    try:
        data: Any = _signer().unsign_object(token)
    except signing.BadSignature:
        return None
    if not (isinstance(data, list) and len(data) == 2 and all(isinstance(x, str) for x in data)):
        return None
    order_id, link_key = data
    try:
        pk = uuid.UUID(order_id)
    except ValueError:
        return None
    order = Order.objects.filter(pk=pk, shop=shop).first()
    if order is None or not order.link_key or not constant_time_compare(order.link_key, link_key):
        return None
    return order


def order_url(order: Order) -> str:
    """The path of the buyer's order page (prefix the site's base URL for emails)."""
    shop_slug = Shop.objects.values_list("slug", flat=True).get(pk=order.shop_id)
    return reverse("storefront:order", kwargs={"shop_slug": shop_slug, "token": order_token(order)})
