"""Returns: requested (by the buyer through their order link, or by staff) -> approved or rejected;
approved -> received (each line restocked or not) -> refunded (by `refund_issue`).

Only shipped units can come back, and never more than were shipped minus those already requested
or returned: the order row is locked while a request is checked, and the received count moves by
a conditional UPDATE (`returned + n <= shipped`) backed by the database CHECK.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.inventory.models import Location, MovementReason
from sellsafe.inventory.services import stock_adjust
from sellsafe.notifications.services import notify
from sellsafe.orders import events
from sellsafe.orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
)
from sellsafe.orders.services.common import audit, require, same_shop
from sellsafe.shops import access
from sellsafe.shops.models import Membership, Shop

R = ReturnStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    R.REQUESTED: frozenset({R.APPROVED, R.REJECTED}),
    R.APPROVED: frozenset({R.RECEIVED}),
    R.RECEIVED: frozenset({R.REFUNDED}),
    R.REJECTED: frozenset(),
    R.REFUNDED: frozenset(),
}
OPEN = (R.REQUESTED, R.APPROVED)
RETURNABLE_ORDER = (OrderStatus.FULFILLED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)
REASON_MAX = 1000

Restock = Mapping[Any, tuple[bool, Location | None]]


# Reads the pages share ----------------------------------------------------------------------


def return_by_id(return_id: Any) -> ReturnRequest | None:
    """In the active scope only: another shop's id is simply not found."""
    try:
        return ReturnRequest.objects.select_related("order").filter(pk=return_id).first()
    except (ValueError, TypeError, ValidationError):
        return None


def open_returns() -> list[ReturnRequest]:
    return list(
        ReturnRequest.objects.select_related("order")
        .filter(status__in=[R.REQUESTED, R.APPROVED, R.RECEIVED])
        .order_by("created_at")[:500]
    )


def returnable_quantities(order: Order) -> dict[Any, int]:
    """Per order line id: shipped, minus received back, minus asked for in open returns."""
    asked = dict(
        ReturnLine.objects.filter(return_request__order=order, return_request__status__in=OPEN)
        .values("line_id")
        .annotate(n=Sum("quantity"))
        .values_list("line_id", "n")
    )
    return {
        line.pk: max(line.quantity_shipped - line.quantity_returned - (asked.get(line.pk) or 0), 0)
        for line in OrderLine.objects.filter(order=order)
    }


def refund_due(return_request: ReturnRequest) -> int:
    """What the returned units cost the buyer: the suggested refund amount."""
    return sum(
        rl.quantity * line.unit_price_minor
        for rl in ReturnLine.objects.filter(return_request=return_request).select_related("line")
        if (line := rl.line) is not None
    )


# Writes ------------------------------------------------------------------------------------


def _clean_reason(reason: Any) -> str:
    text = str(reason or "").strip()
    if not text:
        raise DomainError("Tell the shop why the items are coming back.", field="reason")
    if len(text) > REASON_MAX:
        raise DomainError(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    return text


def _clean_lines(
    order: Order, lines: Iterable[tuple[OrderLine, int]]
) -> list[tuple[OrderLine, int]]:
    clean: list[tuple[OrderLine, int]] = []
    seen: set[Any] = set()
    for line, quantity in lines:
        if not isinstance(line, OrderLine) or line.order_id != order.pk or line.pk in seen:
            raise DomainError("Choose items from this order.", field="lines")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise DomainError("Enter a whole number of items.", field="lines")
        seen.add(line.pk)
        if quantity:
            clean.append((line, quantity))
    if not clean:
        raise DomainError("Choose at least one item to return.", field="lines")
    return clean


def _email(shop: Shop, order: Order, status: str) -> None:
    from sellsafe.orders.emails import queue_buyer_email

    queue_buyer_email(shop=shop, order=order, kind="return_update", extra={"status": status})


def _audit(
    shop: Shop, ret: ReturnRequest, action: str, actor: Membership | None, **changes: Any
) -> None:
    audit(
        shop=shop,
        order=ret.order,
        action=action,
        actor=actor,
        changes={"return": str(ret.pk), **changes},
    )


@tenancy.shop_service
def return_request(
    *,
    shop: Shop,
    order: Order,
    lines: list[tuple[OrderLine, int]],
    reason: str,
    actor: Membership | None,
) -> ReturnRequest:
    """Ask to send shipped items back. `actor=None` is the buyer, through their order link."""
    if actor is not None:
        require(actor, shop, "orders.refund", order)
    same_shop(shop, order)
    reason = _clean_reason(reason)
    wanted = _clean_lines(order, lines)
    with transaction.atomic():
        # One request at a time per order: the checks below see every earlier request.
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status not in RETURNABLE_ORDER:
            raise DomainError("Items can be returned once the order has been shipped.")
        left = returnable_quantities(locked)
        for line, quantity in wanted:
            if quantity > left.get(line.pk, 0):
                raise DomainError(
                    f"At most {left.get(line.pk, 0)} of {line.title} ({line.sku}) can be returned.",
                    field="lines",
                )
        ret = ReturnRequest.objects.create(
            shop=shop, order=locked, reason=reason, by_buyer=actor is None
        )
        ReturnLine.objects.bulk_create(
            [
                ReturnLine(shop=shop, return_request=ret, line=line, quantity=quantity)
                for line, quantity in wanted
            ]
        )
        _audit(
            shop,
            ret,
            events.RETURN_REQUESTED,
            actor,
            by_buyer=actor is None,
            lines=[{"sku": line.sku, "quantity": quantity} for line, quantity in wanted],
        )
        if actor is None:
            notify(
                shop=shop,
                kind="return_requested",
                permission="orders.view",
                title=f"Return requested for order #{locked.number}",
                body="The buyer asked to send items back. Approve or reject the request.",
                link=_detail_link(shop, ret),
            )
        _email(shop, locked, R.REQUESTED)
    return ret


def _detail_link(shop: Shop, ret: ReturnRequest) -> str:
    try:
        return reverse("console:return_detail", args=[shop.slug, ret.pk])
    except NoReverseMatch:
        return ""


def _move(ret: ReturnRequest, to: str, **fields: Any) -> None:
    """Conditional status UPDATE: a second click or a concurrent request is refused."""
    current = ret.status
    if to not in TRANSITIONS.get(current, frozenset()):
        raise DomainError(
            f"This return is {R(current).label.lower()}, so it cannot be {R(to).label.lower()} now."
        )
    moved = ReturnRequest.objects.filter(pk=ret.pk, status=current).update(
        status=to, updated_at=timezone.now(), **fields
    )
    if moved != 1:
        ret.refresh_from_db()
        raise DomainError(
            f"This return is {R(ret.status).label.lower()} now, so it cannot be "
            f"{R(to).label.lower()}."
        )
    ret.status = to


def _decide(*, actor: Membership, shop: Shop, ret: ReturnRequest, to: str, action: str) -> None:
    require(actor, shop, "orders.refund", ret.order)
    same_shop(shop, ret.order)
    with transaction.atomic():
        before = ret.status
        _move(ret, to)
        _audit(shop, ret, action, actor, status={"before": before, "after": to})
        _email(shop, ret.order, to)


@tenancy.shop_service
def return_approve(
    *, actor: Membership, shop: Shop, return_request: ReturnRequest
) -> ReturnRequest:
    _decide(
        actor=actor, shop=shop, ret=return_request, to=R.APPROVED, action=events.RETURN_APPROVED
    )
    return return_request


@tenancy.shop_service
def return_reject(*, actor: Membership, shop: Shop, return_request: ReturnRequest) -> ReturnRequest:
    _decide(
        actor=actor, shop=shop, ret=return_request, to=R.REJECTED, action=events.RETURN_REJECTED
    )
    return return_request


def _choice(restock: Restock, rl: ReturnLine) -> tuple[bool, Location | None]:
    choice = restock.get(rl.pk, restock.get(str(rl.pk), restock.get(rl.line_id)))
    if choice is None:
        choice = restock.get(str(rl.line_id), (False, None))
    back, location = choice
    return bool(back), location


@tenancy.shop_service
def return_receive(
    *, actor: Membership, shop: Shop, return_request: ReturnRequest, restock: Restock
) -> ReturnRequest:
    """The parcel arrived: count the units back and put the chosen ones on a shelf. Keys of
    `restock` are return line ids (or order line ids); missing lines are not restocked."""
    ret = return_request
    require(actor, shop, "orders.refund", ret.order)
    same_shop(shop, ret.order)
    rlines = sorted(
        ReturnLine.objects.filter(return_request=ret).select_related("line", "line__variant"),
        key=lambda rl: str(rl.line.variant_id or ""),  # the stock lock order
    )
    choices = {rl.pk: _choice(restock, rl) for rl in rlines}
    if any(back for back, _ in choices.values()) and not access.has_permission(
        actor, "inventory.adjust"
    ):
        raise DomainError(
            "Putting items back in stock needs the stock permission: receive them without "
            "restocking, or ask someone who can adjust stock.",
            field="restock",
        )
    with transaction.atomic():
        _move(ret, R.RECEIVED)
        summary = []
        for rl in rlines:
            back, location = choices[rl.pk]
            line = rl.line
            counted = OrderLine.objects.filter(
                pk=line.pk, quantity_returned__lte=F("quantity_shipped") - rl.quantity
            ).update(quantity_returned=F("quantity_returned") + rl.quantity)
            if counted != 1:
                raise DomainError(f"More of {line.sku} would be back than was shipped.")
            if back:
                if location is None or location.shop_id != shop.pk:
                    raise DomainError(f"Choose where {line.sku} goes back.", field="restock")
                if line.variant is None:
                    raise DomainError(
                        f"{line.sku} is no longer in the catalog: receive it without restocking.",
                        field="restock",
                    )
                stock_adjust(
                    actor=actor,
                    shop=shop,
                    variant=line.variant,
                    location=location,
                    change=rl.quantity,
                    reason=MovementReason.RETURNED,
                    note=f"Return for order #{ret.order.number}",
                )
            ReturnLine.objects.filter(pk=rl.pk).update(
                restock=back, location=location if back else None
            )
            summary.append({"sku": line.sku, "quantity": rl.quantity, "restocked": back})
        _audit(
            shop,
            ret,
            events.RETURN_RECEIVED,
            actor,
            status={"before": R.APPROVED, "after": R.RECEIVED},
            lines=summary,
        )
        _email(shop, ret.order, R.RECEIVED)
    return ret
