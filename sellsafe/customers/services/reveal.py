"""Revealing a buyer's personal data to a member who may see it. Each reveal is audited with
which fields were shown, never their values; the console shows them for a limited time only."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from sellsafe.audit.services import record
from sellsafe.core import tenancy
from sellsafe.customers import events
from sellsafe.customers.models import Customer
from sellsafe.customers.services.common import require, same_shop_customer, same_shop_order
from sellsafe.orders.models import Order
from sellsafe.orders.pii import address_loads
from sellsafe.shops.models import Membership, Shop

PERMISSION = "customers.view_pii"


def addresses_of(text: str) -> list[dict[str, str]]:
    if not text:
        return []
    try:
        data: Any = json.loads(text)
    except ValueError:
        return []
    items = data if isinstance(data, list) else [data]
    return [address_loads(json.dumps(item)) for item in items if isinstance(item, dict)]


def _audit(*, shop: Shop, actor: Membership, target: tuple[str, str], shown: list[str]) -> None:
    with transaction.atomic():
        record(
            shop=shop,
            action=events.CUSTOMER_PII_REVEALED,
            actor=actor.user,
            target_type=target[0],
            target_id=target[1],
            changes={"fields": shown},
        )


@tenancy.shop_service
def customer_reveal(*, actor: Membership, shop: Shop, customer: Customer) -> dict[str, Any]:
    """The customer's email, name, phone and addresses in plain text."""
    target = ("customer", str(customer.pk))
    require(actor, shop, PERMISSION, target)
    same_shop_customer(shop, customer)
    fields: dict[str, Any] = {
        "email": customer.email,
        "name": customer.name,
        "phone": customer.phone,
        "addresses": addresses_of(customer.addresses),
    }
    _audit(shop=shop, actor=actor, target=target, shown=[k for k, v in fields.items() if v])
    return fields


@tenancy.shop_service
def order_buyer_reveal(*, actor: Membership, shop: Shop, order: Order) -> dict[str, Any]:
    """The order's buyer email, name, phone, shipping address and delivery note in plain text."""
    target = ("order", str(order.pk))
    require(actor, shop, PERMISSION, target)
    same_shop_order(shop, order)
    fields: dict[str, Any] = {
        "email": order.buyer_email,
        "name": order.buyer_name,
        "phone": order.buyer_phone,
        "address": address_loads(order.shipping_address) if order.shipping_address else {},
        "delivery_note": order.delivery_note,
    }
    _audit(shop=shop, actor=actor, target=target, shown=[k for k, v in fields.items() if v])
    return fields
