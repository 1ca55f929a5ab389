"""Demo orders: one or more in every state, a return and a refund, placed through the real
checkout service and moved along by the real order services (so stock, customers and the audit
log all agree with them)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from sellsafe.catalog.models import ProductStatus, Variant
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.inventory.models import Location
from sellsafe.orders.models import Order, OrderLine
from sellsafe.orders.services.buyer_cancel import order_cancel_by_buyer
from sellsafe.orders.services.fulfilment import shipment_create
from sellsafe.orders.services.placing import Buyer, CartLine, order_place
from sellsafe.orders.services.refunds import refund_issue
from sellsafe.orders.services.returns import return_approve, return_receive, return_request
from sellsafe.orders.services.status import (
    order_cancel,
    order_complete,
    order_mark_delivered,
    order_mark_paid,
)
from sellsafe.shops.models import Membership, Shop


@dataclass(frozen=True)
class _Buyer:
    name: str
    email: str
    phone: str
    line1: str
    city: str
    postcode: str


BUYERS = (
    _Buyer(
        "Amira Haddad",
        "amira.haddad@buyer.example",
        "07911 123123",
        "12 Kiln Lane",
        "Leeds",
        "LS1 4AP",
    ),
    _Buyer(
        "Tom Okafor",
        "tom.okafor@buyer.example",
        "07911 123456",
        "3 Mill Street",
        "Bristol",
        "BS1 5TR",
    ),
    _Buyer(
        "Li Wei", "li.wei@buyer.example", "07911 123789", "88 Harbour Road", "Cardiff", "CF10 1AA"
    ),
    _Buyer(
        "Grace Murphy",
        "grace.murphy@buyer.example",
        "07911 123321",
        "5 Chapel Row",
        "York",
        "YO1 7HH",
    ),
    _Buyer(
        "Priya Nair",
        "priya.nair@buyer.example",
        "07911 123654",
        "41 Quay Street",
        "Manchester",
        "M3 3JE",
    ),
)

# (what happens to the order, payment method)
PLAN = (
    ("pending", "bank_transfer"),
    ("pending", "bank_transfer"),
    ("paid", "bank_transfer"),
    ("paid", "bank_transfer"),
    ("partly_shipped", "bank_transfer"),
    ("shipped", "bank_transfer"),
    ("shipped_cod", "cod"),
    ("delivered_cod", "cod"),
    ("completed", "bank_transfer"),
    ("completed", "cod"),
    ("cancelled", "bank_transfer"),
    ("cancelled_by_buyer", "cod"),
    ("returned_refunded", "bank_transfer"),
)


def _buyer(n: int) -> Buyer:
    b = BUYERS[n % len(BUYERS)]
    return Buyer(
        email=b.email,
        name=b.name,
        phone=b.phone,
        address={"line1": b.line1, "city": b.city, "postcode": b.postcode, "country": "GB"},
    )


def _ship_all(owner: Membership, shop: Shop, order: Order, tracking: str) -> None:
    lines = [(line, line.quantity - line.quantity_shipped) for line in order.lines.all()]
    shipment_create(
        actor=owner,
        shop=shop,
        order=order,
        carrier="Royal Mail",
        tracking_number=tracking,
        lines=[(line, qty) for line, qty in lines if qty > 0],
    )


def seed_orders(*, shop: Shop, owner: Membership) -> int:
    """Create the demo orders once; returns how many the shop has."""
    with tenancy.scope(shop):
        if Order.objects.exists():
            return Order.objects.count()
        rng = random.Random(7)  # noqa: S311 # nosec B311 - repeatable demo data, not security
        variants = list(
            Variant.objects.filter(product__status=ProductStatus.ACTIVE).order_by("sku")
        )
        for n, (fate, method) in enumerate(PLAN):
            picks = rng.sample(variants, k=min(len(variants), 2 if n % 3 else 1))
            placed = None
            for attempt in range(len(variants)):
                try:
                    placed = order_place(
                        shop=shop,
                        lines=[CartLine(variant_id=v.pk, quantity=1) for v in picks],
                        buyer=_buyer(n),
                        payment_method=method,
                        idempotency_key=f"demo-seed-order-{n:02d}-{attempt:03d}",
                        delivery_note="Leave with the neighbour at no. 14" if n % 4 == 0 else "",
                    ).order
                    break
                except DomainError:  # sold out: try other pieces
                    picks = [variants[(n + attempt + 1) % len(variants)]]
            if placed is None:
                continue
            _advance(shop=shop, owner=owner, order=placed, fate=fate, n=n)
            # Spread the demo over the last weeks (placed_at is set on insert).
            Order.objects.filter(pk=placed.pk).update(
                placed_at=timezone.now() - timedelta(days=len(PLAN) - n, hours=rng.randint(0, 20))
            )
        return Order.objects.count()


def _advance(*, shop: Shop, owner: Membership, order: Order, fate: str, n: int) -> None:
    tracking = f"RM{100200300 + n}GB"
    if fate == "pending":
        return
    if fate == "cancelled":
        order_cancel(shop=shop, order=order, actor=owner, reason="Buyer asked to cancel")
        return
    if fate == "cancelled_by_buyer":  # from the order link (an in-app notification too)
        order_cancel_by_buyer(shop=shop, order=order)
        return
    if order.payment_method != "cod":
        order_mark_paid(shop=shop, order=order, actor=owner, reference=f"Bank ref {order.number}")
    if fate == "paid":
        return
    if fate == "partly_shipped":
        first = order.lines.first()
        if first is not None and order.lines.count() > 1:
            shipment_create(
                actor=owner,
                shop=shop,
                order=order,
                carrier="Royal Mail",
                tracking_number=tracking,
                lines=[(first, first.quantity)],
            )
            return
    _ship_all(owner, shop, Order.objects.get(pk=order.pk), tracking)
    if fate in ("shipped", "shipped_cod", "partly_shipped"):
        return
    order = order_mark_delivered(shop=shop, order=Order.objects.get(pk=order.pk), actor=owner)
    if fate == "delivered_cod":
        return
    if fate == "completed":
        order_complete(shop=shop, order=order, actor=owner)
        return
    # returned_refunded: the buyer sends one piece back; it goes back on the shelf; refunded.
    line = OrderLine.objects.filter(order=order).order_by("position").first()
    if line is None:
        return
    ret = return_request(
        shop=shop, order=order, lines=[(line, 1)], reason="Arrived chipped", actor=None
    )
    return_approve(actor=owner, shop=shop, return_request=ret)
    location = line.location or Location.objects.order_by("name").first()
    return_receive(actor=owner, shop=shop, return_request=ret, restock={line.pk: (True, location)})
    refund_issue(
        actor=owner,
        shop=shop,
        order=Order.objects.get(pk=order.pk),
        amount_minor=line.unit_price_minor,
        reason="Chipped on arrival",
        return_request=ret,
        reauthenticated=True,
    )
