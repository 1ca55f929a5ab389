"""Shipping an order, whole or in parts: lines and quantities leave, reserved stock becomes sold.

Every step is a conditional UPDATE, so two people shipping the same order at once cannot ship a
line beyond what was ordered, nor ship an order that is being cancelled (both touch the order
row; whichever commits first wins and the other is refused with a clear message).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.inventory.services import stock_commit_sale
from sellsafe.orders import events
from sellsafe.orders.emails import queue_buyer_email
from sellsafe.orders.models import (
    FulfilmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Shipment,
    ShipmentLine,
)
from sellsafe.orders.services.common import audit, move, require, same_shop, user_of
from sellsafe.shops.models import Membership, Shop

S = OrderStatus
CARRIER_MAX = 60
TRACKING_MAX = 60
_CARRIER = re.compile(r"[\w .&'()/+-]+")
_TRACKING = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/-]*")


def clean_carrier(value: Any) -> str:
    carrier = " ".join(str(value or "").split())
    if not carrier:
        raise DomainError("Name the carrier (for example Royal Mail or DHL).", field="carrier")
    if len(carrier) > CARRIER_MAX:
        raise DomainError(f"Keep the carrier name under {CARRIER_MAX} characters.", field="carrier")
    if not _CARRIER.fullmatch(carrier) or carrier[0] in "=+-@":
        raise DomainError(
            "The carrier name may use letters, digits, spaces and . & ' ( ) / + - only.",
            field="carrier",
        )
    return carrier


def clean_tracking(value: Any) -> str:
    """Optional (a hand delivery has none); letters, digits, spaces and . _ / - only."""
    tracking = " ".join(str(value or "").split())
    if not tracking:
        return ""
    if len(tracking) > TRACKING_MAX:
        raise DomainError(
            f"A tracking number has at most {TRACKING_MAX} characters.", field="tracking_number"
        )
    if not _TRACKING.fullmatch(tracking):
        raise DomainError(
            "A tracking number may use letters, digits, spaces and . _ / - only.",
            field="tracking_number",
        )
    return tracking


def shippable(order: Order) -> bool:
    """Paid, or cash on delivery that has not been paid yet; and something is left to ship."""
    if order.fulfilment_status == FulfilmentStatus.FULFILLED:
        return False
    if order.status == S.PAID:
        return True
    return order.status == S.PENDING_PAYMENT and order.payment_method == PaymentMethod.COD


def _clean_lines(
    order: Order, lines: Iterable[tuple[OrderLine, int]]
) -> list[tuple[OrderLine, int]]:
    """Merge repeated lines, drop zeros, refuse negatives and another order's lines."""
    wanted: dict[Any, tuple[OrderLine, int]] = {}
    for line, quantity in lines:
        if line.order_id != order.pk:
            raise DomainError("That line is not part of this order.")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise DomainError(f"Enter a whole number of units for {line.sku}.", field="lines")
        if quantity == 0:
            continue
        before = wanted.get(line.pk, (line, 0))[1]
        wanted[line.pk] = (line, before + quantity)
    if not wanted:
        raise DomainError("Choose at least one unit to ship.", field="lines")
    # The lock order every multi-variant stock change uses.
    return sorted(
        wanted.values(), key=lambda item: (str(item[0].variant_id or ""), str(item[0].pk))
    )


def _start(order: Order) -> str:
    """Claim the order for shipping with one conditional UPDATE (races a cancel fairly)."""
    open_status = Q(status=S.PAID) | Q(status=S.PENDING_PAYMENT, payment_method=PaymentMethod.COD)
    claimed = (
        Order.objects.filter(open_status, pk=order.pk)
        .exclude(fulfilment_status=FulfilmentStatus.FULFILLED)
        .update(fulfilment_status=FulfilmentStatus.PARTIAL, updated_at=timezone.now())
    )
    current = Order.objects.filter(pk=order.pk).values_list("status", flat=True).first()
    if claimed != 1:
        if current == S.PENDING_PAYMENT:
            raise DomainError(f"Order #{order.number} is not paid yet, so it cannot be shipped.")
        label = OrderStatus(current).label.lower() if current else "gone"
        raise DomainError(f"Order #{order.number} is {label}, so it cannot be shipped.")
    return str(current)


@tenancy.shop_service
def shipment_create(
    *,
    actor: Membership,
    shop: Shop,
    order: Order,
    carrier: str,
    tracking_number: str,
    lines: list[tuple[OrderLine, int]],
) -> Shipment:
    """Ship some (or all) units of an order's lines. When nothing is left to ship the order
    becomes shipped (fulfilled) and the buyer is told by email."""
    require(actor, shop, "orders.fulfil", order)
    same_shop(shop, order)
    carrier = clean_carrier(carrier)
    tracking = clean_tracking(tracking_number)
    wanted = _clean_lines(order, lines)
    with transaction.atomic():
        status_before = _start(order)
        shipment = Shipment.objects.create(
            shop=shop,
            order=order,
            carrier=carrier,
            tracking_number=tracking,
            created_by=user_of(actor),
        )
        shipped: list[dict[str, Any]] = []
        for line, quantity in wanted:
            _ship_line(shop=shop, order=order, line=line, quantity=quantity, actor=actor)
            ShipmentLine.objects.create(shop=shop, shipment=shipment, line=line, quantity=quantity)
            shipped.append({"sku": line.sku, "quantity": quantity})
        everything = not OrderLine.objects.filter(
            order=order, quantity_shipped__lt=F("quantity")
        ).exists()
        changes: dict[str, Any] = {"carrier": carrier, "tracking": tracking, "lines": shipped}
        if everything:
            move(
                order,
                from_=[S.PAID, S.PENDING_PAYMENT],
                to=S.FULFILLED,
                fulfilment_status=FulfilmentStatus.FULFILLED,
            )
            changes["status"] = {"before": status_before, "after": S.FULFILLED}
        else:
            order.refresh_from_db()
        changes["fulfilment"] = order.fulfilment_status
        audit(shop=shop, order=order, action=events.ORDER_SHIPPED, actor=actor, changes=changes)
        queue_buyer_email(  # sent after the commit
            shop=shop, order=order, kind="shipped", extra={"carrier": carrier, "tracking": tracking}
        )
    return shipment


def _ship_line(
    *, shop: Shop, order: Order, line: OrderLine, quantity: int, actor: Membership
) -> None:
    count = OrderLine.objects.filter(
        pk=line.pk, order=order, quantity_shipped__lte=F("quantity") - quantity
    ).update(quantity_shipped=F("quantity_shipped") + quantity)
    if count != 1:
        left = (
            OrderLine.objects.filter(pk=line.pk).values_list("quantity", "quantity_shipped").first()
        )
        open_units = left[0] - left[1] if left else 0
        raise DomainError(
            f"Cannot ship {quantity} of {line.sku}: only {open_units} left to ship.",
            field="lines",
        )
    if line.variant_id is not None and line.location_id is not None:
        assert line.variant is not None and line.location is not None
        stock_commit_sale(
            shop=shop,
            variant=line.variant,
            location=line.location,
            quantity=quantity,
            order_ref=f"#{order.number}",
            actor=user_of(actor),
        )
