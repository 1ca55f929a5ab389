"""Data requests: export everything held about a customer, or erase their personal data.

Both need customers.export and a fresh re-authentication (an export is the whole file on a
person; an erase cannot be undone). Orders survive an erase with an anonymised buyer: amounts,
lines and numbers are kept for the books.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from sellsafe.audit.services import record
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError, ReauthenticationRequired
from sellsafe.customers import events
from sellsafe.customers.models import Customer
from sellsafe.customers.services.common import (
    anonymise_order,
    erase_customer_fields,
    require,
    same_shop_customer,
)
from sellsafe.customers.services.reveal import addresses_of
from sellsafe.orders.models import (
    Order,
    OrderLine,
    OrderNote,
    Payment,
    Refund,
    ReturnLine,
    ReturnRequest,
    Shipment,
    ShipmentLine,
)
from sellsafe.orders.pii import address_loads
from sellsafe.shops.models import Membership, Shop

PERMISSION = "customers.export"
REAUTH_MESSAGE = "Confirm it is you (enter your password again) before a data request."


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _order(order: Order) -> dict[str, Any]:
    lines = OrderLine.objects.filter(order=order).order_by("position")
    shipments = Shipment.objects.filter(order=order).order_by("shipped_at")
    returns = ReturnRequest.objects.filter(order=order).order_by("created_at")
    return {
        "id": str(order.pk),
        "number": order.number,
        "status": order.status,
        "fulfilment_status": order.fulfilment_status,
        "payment_method": order.payment_method,
        "payment_reference": order.payment_reference,
        "currency": order.currency,
        "subtotal_minor": order.subtotal_minor,
        "shipping_minor": order.shipping_minor,
        "total_minor": order.total_minor,
        "paid_minor": order.paid_minor,
        "refunded_minor": order.refunded_minor,
        "buyer": {
            "email": order.buyer_email,
            "name": order.buyer_name,
            "phone": order.buyer_phone,
            "shipping_address": address_loads(order.shipping_address)
            if order.shipping_address
            else {},
            "delivery_note": order.delivery_note,
        },
        "ship_country": order.ship_country,
        "placed_at": _when(order.placed_at),
        "paid_at": _when(order.paid_at),
        "cancelled_at": _when(order.cancelled_at),
        "cancel_reason": order.cancel_reason,
        "completed_at": _when(order.completed_at),
        "anonymised_at": _when(order.anonymised_at),
        "lines": [
            {
                "sku": line.sku,
                "title": line.title,
                "options": line.options,
                "unit_price_minor": line.unit_price_minor,
                "quantity": line.quantity,
                "total_minor": line.total_minor,
                "quantity_shipped": line.quantity_shipped,
                "quantity_returned": line.quantity_returned,
            }
            for line in lines
        ],
        "payments": [
            {
                "amount_minor": p.amount_minor,
                "method": p.method,
                "reference": p.reference,
                "created_at": _when(p.created_at),
            }
            for p in Payment.objects.filter(order=order).order_by("created_at")
        ],
        "shipments": [
            {
                "carrier": s.carrier,
                "tracking_number": s.tracking_number,
                "shipped_at": _when(s.shipped_at),
                "lines": [
                    {"sku": sl.line.sku, "quantity": sl.quantity}
                    for sl in ShipmentLine.objects.filter(shipment=s).select_related("line")
                ],
            }
            for s in shipments
        ],
        "returns": [
            {
                "status": r.status,
                "reason": r.reason,
                "by_buyer": r.by_buyer,
                "created_at": _when(r.created_at),
                "lines": [
                    {"sku": rl.line.sku, "quantity": rl.quantity}
                    for rl in ReturnLine.objects.filter(return_request=r).select_related("line")
                ],
            }
            for r in returns
        ],
        "refunds": [
            {"amount_minor": f.amount_minor, "reason": f.reason, "created_at": _when(f.created_at)}
            for f in Refund.objects.filter(order=order).order_by("created_at")
        ],
        "notes": [
            {"text": n.text, "created_at": _when(n.created_at)}
            for n in OrderNote.objects.filter(order=order).order_by("created_at")
        ],
    }


@tenancy.shop_service
def customer_export(
    *, actor: Membership, shop: Shop, customer: Customer, reauthenticated: bool
) -> dict[str, Any]:
    """Everything held about the customer, JSON-serialisable. Audited with counts only."""
    target = ("customer", str(customer.pk))
    require(actor, shop, PERMISSION, target)
    same_shop_customer(shop, customer)
    if not reauthenticated:
        raise ReauthenticationRequired(REAUTH_MESSAGE)
    orders = [
        _order(order)
        for order in Order.objects.filter(customer=customer).order_by("placed_at", "id")
    ]
    data: dict[str, Any] = {
        "format": "sellsafe.customer.v1",
        "exported_at": timezone.now().isoformat(),
        "shop": {"name": shop.name, "slug": shop.slug},
        "customer": {
            "id": str(customer.pk),
            "email": customer.email,
            "name": customer.name,
            "phone": customer.phone,
            "addresses": addresses_of(customer.addresses),
            "orders_count": customer.orders_count,
            "total_spent_minor": customer.total_spent_minor,
            "currency": shop.currency,
            "first_order_at": _when(customer.first_order_at),
            "last_order_at": _when(customer.last_order_at),
            "created_at": _when(customer.created_at),
            "erased_at": _when(customer.erased_at),
        },
        "orders": orders,
    }
    with transaction.atomic():
        record(
            shop=shop,
            action=events.CUSTOMER_EXPORTED,
            actor=actor.user,
            target_type="customer",
            target_id=str(customer.pk),
            changes={
                "orders": len(orders),
                "lines": sum(len(o["lines"]) for o in orders),
                "returns": sum(len(o["returns"]) for o in orders),
                "refunds": sum(len(o["refunds"]) for o in orders),
                "notes": sum(len(o["notes"]) for o in orders),
            },
        )
    return data


@tenancy.shop_service
def customer_erase(
    *, actor: Membership, shop: Shop, customer: Customer, reauthenticated: bool
) -> Customer:
    """Replace the customer's personal data and their orders' buyer data with "", in one
    transaction. Orders keep their amounts, lines and numbers. Audited with counts only."""
    target = ("customer", str(customer.pk))
    require(actor, shop, PERMISSION, target)
    same_shop_customer(shop, customer)
    if not reauthenticated:
        raise ReauthenticationRequired(REAUTH_MESSAGE)
    now = timezone.now()
    with transaction.atomic():
        locked = Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if locked is None:
            raise DomainError("That customer was not found in this shop.")
        if locked.erased_at is not None:
            raise DomainError("This customer's personal data was already erased.")
        orders = list(
            Order.objects.select_for_update()
            .filter(customer=locked, anonymised_at__isnull=True)
            .order_by("id")
        )
        for order in orders:
            anonymise_order(order, now=now)
        erase_customer_fields(locked, now=now)
        record(
            shop=shop,
            action=events.CUSTOMER_ERASED,
            actor=actor.user,
            target_type="customer",
            target_id=str(locked.pk),
            changes={"orders_anonymised": len(orders), "reauthenticated": reauthenticated},
        )
    return locked
