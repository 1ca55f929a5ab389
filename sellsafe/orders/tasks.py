"""Periodic order work: unpaid orders whose time ran out give their stock back.

`expire_unpaid_orders` runs from `sellsafe orders expire` (cron, every few minutes) or as a
django-tasks task. It finds due orders in every shop, then handles each inside its own shop's
scope through `status.order_expire`, whose conditional UPDATE makes a second run, or a payment
arriving at the same moment, change nothing: stock is released exactly once.
"""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.orders.models import Order, OrderStatus, PaymentMethod
from sellsafe.orders.services.status import order_expire
from sellsafe.shops.models import Shop

BATCH = 500


def due_orders(*, limit: int = BATCH) -> list[tuple[str, str]]:
    """(shop id, order id) of unpaid orders past their expiry, oldest first (index order_expiry)."""
    with tenancy.unscoped():
        rows = (
            Order.objects.filter(
                status=OrderStatus.PENDING_PAYMENT,
                expires_at__lte=timezone.now(),
                paid_minor=0,
            )
            .exclude(payment_method=PaymentMethod.COD)
            .order_by("expires_at")
            .values_list("shop_id", "pk")[:limit]
        )
        return [(str(shop_id), str(pk)) for shop_id, pk in rows]


def expire_due(*, limit: int = BATCH) -> int:
    """Expire what is due now; returns how many orders were expired by this run."""
    expired = 0
    shops: dict[str, Shop | None] = {}
    for shop_id, order_id in due_orders(limit=limit):
        if shop_id not in shops:
            shops[shop_id] = Shop.objects.filter(pk=shop_id).first()
        shop = shops[shop_id]
        if shop is None:
            continue
        with tenancy.scope(shop):
            order = Order.objects.filter(pk=order_id).first()
            if order is None:
                continue
            try:
                order_expire(shop=shop, order=order)
            except DomainError:
                continue  # paid or cancelled meanwhile: nothing to do
            expired += 1
    return expired


@task()
def expire_unpaid_orders() -> int:
    return expire_due()
