"""The buyer cancels their own order from the private order link, before anything happened to it.

Allowed only while the order waits for payment, nothing was paid and nothing shipped (cash on
delivery included, as long as it has not shipped). It mirrors `order_cancel`: one conditional
UPDATE decides (a second click or a racing payment or shipment loses), the reserved stock goes
back exactly once, one audit event (no actor: the link is the buyer's only credential), and the
shop is told with an in-app notification.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.notifications.services import notify
from sellsafe.orders import events
from sellsafe.orders.models import FulfilmentStatus, Order, OrderStatus
from sellsafe.orders.services.common import cancel_releasing, same_shop
from sellsafe.shops.models import Shop

S = OrderStatus
CANCEL_REASON = "Cancelled by the buyer"
NOTIFY_KIND = "order_cancelled_by_buyer"


def buyer_can_cancel(order: Order) -> bool:
    """What the order page asks before offering the button (the service checks again, atomically)."""
    return (
        order.status == S.PENDING_PAYMENT
        and order.paid_minor == 0
        and order.fulfilment_status == FulfilmentStatus.UNFULFILLED
    )


def _refusal(order: Order) -> str:
    if order.status == S.CANCELLED:
        return f"Order #{order.number} is already cancelled."
    if order.fulfilment_status != FulfilmentStatus.UNFULFILLED or order.status in (
        S.FULFILLED,
        S.DELIVERED,
        S.COMPLETED,
    ):
        return f"Order #{order.number} has already shipped, so it can no longer be cancelled here."
    if order.paid_minor or order.status == S.PAID:
        return (
            f"Order #{order.number} is already paid, so it cannot be cancelled here. "
            "Please contact the shop."
        )
    return f"Order #{order.number} can no longer be cancelled here. Please contact the shop."


def _console_link(shop: Shop, order: Order) -> str:
    try:
        return reverse("console:order", args=[shop.slug, order.pk])
    except NoReverseMatch:
        return ""


@tenancy.shop_service
def order_cancel_by_buyer(*, shop: Shop, order: Order) -> Order:
    """Cancel an unpaid, unshipped order for its buyer; refuse with a plain message otherwise."""
    same_shop(shop, order)
    if not buyer_can_cancel(order):
        raise DomainError(_refusal(order))
    with transaction.atomic():
        try:
            released = cancel_releasing(
                shop=shop,
                order=order,
                from_=[S.PENDING_PAYMENT],
                reason=CANCEL_REASON,
                where={"paid_minor": 0, "fulfilment_status": FulfilmentStatus.UNFULFILLED},
                action=events.ORDER_CANCELLED_BY_BUYER,
                actor=None,
                at=timezone.now(),
                changes={"by_buyer": True, "reason": CANCEL_REASON},
            )
        except DomainError:
            # Someone (a payment, a shipment, the shop, a second click) got there first.
            order.refresh_from_db()
            raise DomainError(_refusal(order)) from None
        notify(
            shop=shop,
            kind=NOTIFY_KIND,
            permission="orders.view",
            title=f"Order #{order.number} cancelled by the buyer",
            body=(
                "The buyer cancelled this unpaid order from their order link. "
                f"{released} reserved unit(s) went back to stock."
            ),
            link=_console_link(shop, order),
        )
    return order
