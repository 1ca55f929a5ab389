"""The customer behind each order: found by the email's blind index, created on the first order,
kept up to date (name, phone, addresses, order count, spend) by later ones."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from sellsafe.core import tenancy
from sellsafe.core.inserts import insert_rows
from sellsafe.customers.models import Customer
from sellsafe.orders import pii
from sellsafe.shops.models import Shop

MAX_ADDRESSES = 10


@dataclass(frozen=True, slots=True)
class Purchase:
    """One order's buyer data, already cleaned (what `customer_record_purchase` counts)."""

    email: str
    email_index: str
    name: str
    phone: str
    phone_index: str
    address: dict[str, str]
    total_minor: int
    at: datetime


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


def _count(customer: Customer, purchase: Purchase) -> None:
    customer.email = pii.normalise_email(purchase.email)
    customer.name = purchase.name
    if purchase.phone:
        customer.phone = purchase.phone
        customer.phone_index = purchase.phone_index or pii.phone_index(purchase.phone)
    if any(purchase.address.values()):
        customer.addresses = _addresses_with(customer.addresses, purchase.address)
    customer.orders_count += 1
    customer.total_spent_minor += purchase.total_minor
    if customer.first_order_at is None:
        customer.first_order_at = purchase.at
    customer.last_order_at = purchase.at


@tenancy.shop_service
def customer_record_purchase(*, shop: Shop, purchase: Purchase) -> Customer:
    """Create the buyer's customer, or count the purchase on the one that exists, in the caller's
    transaction. Most orders come from first-time buyers, so the INSERT comes first: one
    statement for a new customer (INSERT ... ON CONFLICT DO NOTHING), three for a returning one
    (that INSERT writes nothing; SELECT ... FOR UPDATE, UPDATE). Two first orders at once: one
    INSERT wins the unique constraint, the other waits for its commit, writes nothing, then
    locks and updates the winner's row."""
    index = purchase.email_index or pii.email_index(purchase.email)
    with transaction.atomic(savepoint=False):
        new = Customer(shop=shop, email_index=index)
        _count(new, purchase)
        if insert_rows([new], ignore_conflicts=True):
            return new
        found = Customer.objects.select_for_update().filter(email_index=index).first()
        if found is None:  # pragma: no cover - the winner cannot disappear
            raise IntegrityError("customer_unique_email: the other row vanished")
        _count(found, purchase)
        found.save(update_fields=[*_COUNTED])
    return found


_COUNTED = (
    "email",
    "name",
    "phone",
    "phone_index",
    "addresses",
    "orders_count",
    "total_spent_minor",
    "first_order_at",
    "last_order_at",
)
