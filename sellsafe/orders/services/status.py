"""The order status pipeline and the moves along it that are not shipping or refunds.

pending payment -> paid -> fulfilled (shipped) -> delivered -> completed; pending payment or paid
-> cancelled (before anything shipped: reserved stock goes back). Cash on delivery ships before it
is paid: pending payment -> fulfilled, and the cash is recorded when it is delivered. Unpaid
orders of the other methods expire at `expires_at` (a periodic task) like a cancel.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.orders import events
from sellsafe.orders.models import (
    FulfilmentStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
)
from sellsafe.orders.services.common import (
    add_paid,
    audit,
    cancel_releasing,
    move,
    require,
    same_shop,
    user_of,
)
from sellsafe.shops.models import Membership, Shop

S = OrderStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED, S.FULFILLED}),  # fulfilled: COD only
    S.PAID: frozenset({S.FULFILLED, S.CANCELLED}),
    S.FULFILLED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}
CANCEL_REASON_MAX = 200


def can_move(order: Order, to: str) -> bool:
    if to not in TRANSITIONS.get(order.status, frozenset()):
        return False
    if order.status == S.PENDING_PAYMENT and to == S.FULFILLED:
        return order.payment_method == PaymentMethod.COD
    if to == S.CANCELLED:
        return order.fulfilment_status == FulfilmentStatus.UNFULFILLED
    return True


@tenancy.shop_service
def record_payment(
    *,
    shop: Shop,
    order: Order,
    amount: int,
    method: str,
    reference: str,
    actor: Membership | None,
) -> Payment:
    """Add a payment within the order's total; no status change (callers decide)."""
    if amount <= 0 or not add_paid(order, amount):
        raise DomainError(
            f"Order #{order.number} is already paid in full; nothing was recorded.",
            field="amount",
        )
    return Payment.objects.create(
        shop=shop,
        order=order,
        amount_minor=amount,
        method=method,
        reference=reference[:100],
        recorded_by=user_of(actor),
    )


@tenancy.shop_service
def order_mark_paid(
    *,
    shop: Shop,
    order: Order,
    actor: Membership | None,
    reference: str = "",
    method: str | None = None,
) -> Order:
    """The full amount arrived (bank transfer seen by staff, or a provider's webhook with
    `actor=None`): record it and move pending payment -> paid."""
    if actor is not None:
        require(actor, shop, "orders.refund", order)
    same_shop(shop, order)
    if order.payment_method == PaymentMethod.COD and actor is not None:
        raise DomainError("Cash on delivery is recorded when the order is delivered.")
    with transaction.atomic():
        move(order, from_=[S.PENDING_PAYMENT], to=S.PAID, paid_at=timezone.now(), expires_at=None)
        due = order.total_minor - order.paid_minor
        if due > 0:
            record_payment(
                shop=shop,
                order=order,
                amount=due,
                method=method or order.payment_method,
                reference=reference,
                actor=actor,
            )
        audit(
            shop=shop,
            order=order,
            action=events.ORDER_PAID,
            actor=actor,
            changes={"status": {"before": S.PENDING_PAYMENT, "after": S.PAID}, "amount": due},
        )
    order.refresh_from_db()
    return order


def _clean_reason(reason: Any) -> str:
    reason = " ".join(str(reason or "").split())
    if len(reason) > CANCEL_REASON_MAX:
        raise DomainError(f"Keep the reason under {CANCEL_REASON_MAX} characters.", field="reason")
    return reason


@tenancy.shop_service
def order_cancel(*, shop: Shop, order: Order, actor: Membership, reason: str = "") -> Order:
    """Cancel an order before anything shipped; its reserved stock goes back once. A paid order
    keeps its payment: refund it separately (refunds are their own, audited, step)."""
    require(actor, shop, "orders.refund", order)
    same_shop(shop, order)
    reason = _clean_reason(reason)
    with transaction.atomic():
        cancel_releasing(
            shop=shop,
            order=order,
            from_=[S.PENDING_PAYMENT, S.PAID],
            reason=reason or "Cancelled by the shop",
            where={"fulfilment_status": FulfilmentStatus.UNFULFILLED},
            action=events.ORDER_CANCELLED,
            actor=actor,
            at=timezone.now(),
            changes={"reason": reason or "Cancelled by the shop"},
        )
    return order


@tenancy.shop_service
def order_expire(*, shop: Shop, order: Order) -> Order:
    """The system cancels an unpaid order whose time ran out (not cash on delivery)."""
    same_shop(shop, order)
    now = timezone.now()
    with transaction.atomic():
        cancel_releasing(
            shop=shop,
            order=order,
            from_=[S.PENDING_PAYMENT],
            reason="Not paid in time",
            where={"expires_at__lte": now, "paid_minor": 0},
            action=events.ORDER_EXPIRED,
            actor=None,
            at=now,
        )
    return order


@tenancy.shop_service
def order_mark_delivered(*, shop: Shop, order: Order, actor: Membership) -> Order:
    """Shipped -> delivered. For cash on delivery the courier collected the total: recorded."""
    require(actor, shop, "orders.fulfil", order)
    same_shop(shop, order)
    with transaction.atomic():
        move(order, from_=[S.FULFILLED], to=S.DELIVERED)
        cash = 0
        if order.payment_method == PaymentMethod.COD and order.paid_minor < order.total_minor:
            cash = order.total_minor - order.paid_minor
            record_payment(
                shop=shop,
                order=order,
                amount=cash,
                method=PaymentMethod.COD,
                reference="Cash collected on delivery",
                actor=actor,
            )
            Order.objects.filter(pk=order.pk).update(paid_at=timezone.now())
        audit(
            shop=shop,
            order=order,
            action=events.ORDER_DELIVERED,
            actor=actor,
            changes={"status": {"before": S.FULFILLED, "after": S.DELIVERED}, "cash": cash},
        )
    order.refresh_from_db()
    return order


@tenancy.shop_service
def order_complete(*, shop: Shop, order: Order, actor: Membership) -> Order:
    """Delivered -> completed (nothing left to do; the retention clock starts)."""
    require(actor, shop, "orders.fulfil", order)
    same_shop(shop, order)
    with transaction.atomic():
        move(order, from_=[S.DELIVERED], to=S.COMPLETED, completed_at=timezone.now())
        audit(
            shop=shop,
            order=order,
            action=events.ORDER_COMPLETED,
            actor=actor,
            changes={"status": {"before": S.DELIVERED, "after": S.COMPLETED}},
        )
    return order
