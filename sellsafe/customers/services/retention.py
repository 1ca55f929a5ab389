"""Retention: a shop may keep buyers' personal data only for N days after an order completes.

`anonymise_completed_orders` is safe to run any number of times (cron, the periodic task): an
order is anonymised once (anonymised_at), and a run that finds nothing writes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from sellsafe.audit.services import record
from sellsafe.core import tenancy
from sellsafe.customers import events
from sellsafe.customers.models import Customer
from sellsafe.customers.services.common import anonymise_order, erase_customer_fields
from sellsafe.orders.models import Order, OrderStatus
from sellsafe.shops.models import Shop


@tenancy.shop_service
def anonymise_completed_orders(*, shop: Shop, now: datetime | None = None) -> int:
    """Anonymise the buyer of every order completed more than shop.retention_days ago; erase
    the customers left with only anonymised orders. Returns how many orders changed."""
    days = shop.retention_days
    if not days:
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    with transaction.atomic():
        orders = list(
            Order.objects.select_for_update()
            .filter(
                status=OrderStatus.COMPLETED,
                completed_at__lt=cutoff,
                anonymised_at__isnull=True,
            )
            .order_by("id")
        )
        customer_ids = {order.customer_id for order in orders if order.customer_id}
        for order in orders:
            anonymise_order(order, now=now)
        open_orders = Order.objects.filter(customer=OuterRef("pk"), anonymised_at__isnull=True)
        customers = list(
            Customer.objects.select_for_update()
            .filter(pk__in=customer_ids, erased_at__isnull=True)
            .exclude(Exists(open_orders))
            .order_by("id")
        )
        for customer in customers:
            erase_customer_fields(customer, now=now)
        if orders:
            record(
                shop=shop,
                action=events.CUSTOMERS_RETENTION_ANONYMISED,
                target_type="shop",
                target_id=str(shop.pk),
                changes={
                    "orders": len(orders),
                    "customers_erased": len(customers),
                    "retention_days": days,
                    "cutoff": cutoff,
                },
            )
    return len(orders)
