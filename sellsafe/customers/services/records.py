"""The customer behind each order: found by the email's blind index, created on the first order,
kept up to date (name, phone, addresses, order count, spend) by later ones."""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError, transaction

from sellsafe.core import tenancy
from sellsafe.customers.models import Customer
from sellsafe.orders import pii
from sellsafe.orders.models import Order
from sellsafe.shops.models import Shop

MAX_ADDRESSES = 10


def _addresses_with(current: str, address: dict[str, str]) -> str:
    """The newest address first, without duplicates, at most MAX_ADDRESSES."""
    try:
        known: Any = json.loads(current) if current else []
    except ValueError:
        known = []
    if not isinstance(known, list):
        known = []
    new = {key: str(address.get(key, "")) for key in pii.ADDRESS_KEYS}
    kept = [new]
    for item in known:
        if isinstance(item, dict):
            old = {key: str(item.get(key, "")) for key in pii.ADDRESS_KEYS}
            if old != new and old not in kept:
                kept.append(old)
    return json.dumps(kept[:MAX_ADDRESSES], sort_keys=True)


def _locked_customer(shop: Shop, email_index: str) -> Customer:
    """The shop's customer with this email index, row-locked; created if missing. Two first
    orders at once: one insert wins the unique constraint, the other reads the winner."""
    for _attempt in range(3):
        found = Customer.objects.select_for_update().filter(email_index=email_index).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                created = Customer.objects.create(shop=shop, email_index=email_index)
            return Customer.objects.select_for_update().get(pk=created.pk)
        except IntegrityError:
            continue
    raise RuntimeError("Could not record the customer.")  # pragma: no cover


@tenancy.shop_service
def customer_record_order(*, shop: Shop, order: Order) -> Customer:
    """Attach the order's buyer as a customer (in the caller's transaction) and count the order."""
    index = order.buyer_email_index or pii.email_index(order.buyer_email)
    with transaction.atomic():
        customer = _locked_customer(shop, index)
        customer.email = pii.normalise_email(order.buyer_email)
        customer.name = order.buyer_name
        if order.buyer_phone:
            customer.phone = order.buyer_phone
            customer.phone_index = order.buyer_phone_index or pii.phone_index(order.buyer_phone)
        address = pii.address_loads(order.shipping_address)
        if any(address.values()):
            customer.addresses = _addresses_with(customer.addresses, address)
        customer.orders_count += 1
        customer.total_spent_minor += order.total_minor
        if customer.first_order_at is None:
            customer.first_order_at = order.placed_at
        customer.last_order_at = order.placed_at
        customer.save(
            update_fields=[
                "email",
                "name",
                "phone",
                "phone_index",
                "addresses",
                "orders_count",
                "total_spent_minor",
                "first_order_at",
                "last_order_at",
            ]
        )
    return customer
