"""What every order service shares: the permission check (refused and audited), the conditional
status change, the audit line for an order, and releasing an order's reserved stock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import F

from sellsafe.audit.services import record
from sellsafe.core.errors import DomainError
from sellsafe.inventory.services import stock_release
from sellsafe.orders import events
from sellsafe.orders.models import Order, OrderLine, OrderStatus
from sellsafe.shops import access
from sellsafe.shops.models import Membership, Shop
from sellsafe.shops.services.refusals import refuse


def require(actor: Membership, shop: Shop, code: str, order: Order | None = None) -> None:
    """Refuse (and audit the refusal) unless the actor holds `code` in this shop."""
    if actor.shop_id != shop.pk or not access.has_permission(actor, code):
        refuse(
            actor=actor,
            shop=shop,
            reason=f"missing {code}",
            target=("order", str(order.pk)) if order is not None else ("shop", str(shop.pk)),
            action=events.ORDER_REFUSED,
        )


def same_shop(shop: Shop, order: Order) -> None:
    if order.shop_id != shop.pk:
        raise DomainError("That order was not found in this shop.")


def user_of(actor: Membership | None) -> Any:
    return actor.user if actor is not None else None


def audit(
    *, shop: Shop, order: Order, action: str, actor: Membership | None, changes: dict[str, Any]
) -> None:
    record(
        shop=shop,
        action=action,
        actor=user_of(actor),
        target_type="order",
        target_id=str(order.pk),
        changes={"number": order.number, **changes},
    )


def move(
    order: Order,
    *,
    from_: Iterable[str],
    to: str,
    where: dict[str, Any] | None = None,
    **fields: Any,
) -> None:
    """Change the status with one conditional UPDATE; refuse if another request moved it first.

    The row count is the proof: two concurrent cancels (or an expiry racing a payment) cannot
    both pass, so whatever follows a successful move (releasing stock) happens exactly once.
    `where` adds conditions to that UPDATE; `fields` are the other columns it sets.
    """
    allowed = list(from_)
    count = Order.objects.filter(pk=order.pk, status__in=allowed, **(where or {})).update(
        status=to, **fields
    )
    if count != 1:
        current = Order.objects.filter(pk=order.pk).values_list("status", flat=True).first()
        label = OrderStatus(current).label.lower() if current else "gone"
        raise DomainError(
            f"Order #{order.number} is {label} now, so it cannot become "
            f"{OrderStatus(to).label.lower()}."
        )
    order.refresh_from_db()


def lines_by_variant(order: Order) -> list[OrderLine]:
    """Lines in variant-id order: the lock order every multi-variant stock change uses."""
    return list(
        OrderLine.objects.filter(order=order)
        .select_related("variant", "location")
        .order_by("variant_id", "position")
    )


def release_reserved(*, shop: Shop, order: Order, actor: Membership | None) -> int:
    """Give back every unit the order still holds (ordered minus shipped). Call only after a
    successful `move` out of an open status, so it runs once per order."""
    released = 0
    for line in lines_by_variant(order):
        open_units = line.quantity - line.quantity_shipped
        if open_units <= 0 or line.variant is None or line.location is None:
            continue
        stock_release(
            shop=shop,
            variant=line.variant,
            location=line.location,
            quantity=open_units,
            order_ref=f"#{order.number}",
            actor=user_of(actor),
        )
        released += open_units
    return released


def cancel_releasing(
    *,
    shop: Shop,
    order: Order,
    from_: Iterable[str],
    reason: str,
    where: dict[str, Any],
    action: str,
    actor: Membership | None,
    at: datetime,
    changes: dict[str, Any] | None = None,
) -> int:
    """The one way an order becomes cancelled (by the shop, by its buyer, by expiry): the
    conditional move, the stock it still holds back once, one audit line. In the caller's
    transaction; returns the units released."""
    before = order.status
    move(
        order,
        from_=from_,
        to=OrderStatus.CANCELLED,
        cancelled_at=at,
        cancel_reason=reason,
        expires_at=None,
        where=where,
    )
    released = release_reserved(shop=shop, order=order, actor=actor)
    audit(
        shop=shop,
        order=order,
        action=action,
        actor=actor,
        changes={
            "status": {"before": before, "after": OrderStatus.CANCELLED},
            **(changes or {}),
            "units_released": released,
        },
    )
    return released


def add_paid(order: Order, amount: int) -> bool:
    """paid_minor += amount, only if it stays within the total (conditional UPDATE)."""
    return (
        Order.objects.filter(pk=order.pk, paid_minor__lte=F("total_minor") - amount).update(
            paid_minor=F("paid_minor") + amount
        )
        == 1
    )
