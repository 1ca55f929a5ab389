"""Order reads for the console: the list (filters, exact search, keyset pages), one order with
what its page shows, and its timeline from the audit log.

Run inside a shop scope. The list never counts the table and never uses OFFSET: a page starts
after the last (placed_at, id) of the previous one, walking the `order_list_recent` index (or
`order_list_status` with a status filter), so page 20,000 of a million orders costs what page 1
costs. Search is exact: an order number, or an email / phone through its blind index (the
plain values are encrypted and never scanned). Only the page's rows are decrypted, and the list
shows them masked.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import phonenumbers
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from sellsafe.audit import activity
from sellsafe.core import zones
from sellsafe.orders import events, pii
from sellsafe.orders.models import (
    FulfilmentStatus,
    Order,
    OrderLine,
    OrderNote,
    OrderStatus,
    Payment,
    PaymentMethod,
    Refund,
    ReturnRequest,
    Shipment,
)

PAGE_SIZE = 50
SEARCH_MAX = 254
SELECTION_MAX = 200
_NUMBER_DIGITS = 9  # order numbers up to 999,999,999; longer digit strings are phone numbers
_CURSOR_MAX = 300


@dataclass(frozen=True)
class OrderFilters:
    q: str = ""
    status: str = ""
    method: str = ""
    fulfilment: str = ""
    since: date | None = None
    until: date | None = None
    # The days above are calendar days in this zone (the shop's), not UTC days.
    zone: str = "UTC"


@dataclass
class OrderRow:
    id: UUID
    number: int
    status: str
    status_label: str
    fulfilment_status: str
    fulfilment_label: str
    method_label: str
    total_minor: int
    currency: str
    placed_at: datetime
    buyer_name: str  # masked
    buyer_email: str  # masked


@dataclass
class OrderPage:
    rows: list[OrderRow] = field(default_factory=list)
    next_cursor: str = ""
    previous_cursor: str = ""


def encode_cursor(*, placed_at: datetime, pk: Any, direction: str) -> str:
    payload = json.dumps(
        {"k": placed_at.isoformat(), "id": str(pk), "d": direction}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: Any) -> tuple[datetime, UUID, str] | None:
    """(placed_at, id, direction) from a cursor, or None for anything else."""
    if not cursor or not isinstance(cursor, str) or len(cursor) > _CURSOR_MAX:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or data.get("d") not in ("n", "p"):
            return None
        key = parse_datetime(data["k"]) if isinstance(data.get("k"), str) else None
        if key is None or key.tzinfo is None:
            return None
        return key, UUID(str(data["id"])), data["d"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def normalise_phone(text: str, region: str) -> str:
    """What staff typed as E.164, reading it in the shop's country unless it starts with +;
    "" when it is not a possible phone number."""
    try:
        number = phonenumbers.parse(text[:40], (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def search_condition(q: str, *, region: str) -> Q | None:
    """The exact match `q` asks for: order number, email or phone; None when it cannot match."""
    q = " ".join(str(q).split())[:SEARCH_MAX]
    if not q:
        return Q()
    bare = q.removeprefix("#").strip()
    if bare.isdigit() and bare.isascii() and len(bare) <= _NUMBER_DIGITS:
        return Q(number=int(bare))
    if "@" in q:
        return Q(buyer_email_index=pii.email_index(q))
    e164 = normalise_phone(q, region)
    return Q(buyer_phone_index=pii.phone_index(e164)) if e164 else None


def _filtered(filters: OrderFilters, *, region: str) -> QuerySet[Order] | None:
    orders = Order.objects.all()
    condition = search_condition(filters.q, region=region)
    if condition is None:
        return None
    orders = orders.filter(condition)
    if filters.status in OrderStatus.values:
        orders = orders.filter(status=filters.status)
    if filters.method in PaymentMethod.values:
        orders = orders.filter(payment_method=filters.method)
    if filters.fulfilment in FulfilmentStatus.values:
        orders = orders.filter(fulfilment_status=filters.fulfilment)
    if filters.since:
        orders = orders.filter(placed_at__gte=zones.day_start(filters.since, filters.zone))
    if filters.until and filters.until < date.max:
        next_day = filters.until + timedelta(days=1)
        orders = orders.filter(placed_at__lt=zones.day_start(next_day, filters.zone))
    return orders


_ROW_FIELDS = (
    "pk",
    "number",
    "status",
    "fulfilment_status",
    "payment_method",
    "total_minor",
    "currency",
    "placed_at",
    "buyer_name",
    "buyer_email",
)


def order_page(
    *, filters: OrderFilters, region: str = "", cursor: str = "", size: int = PAGE_SIZE
) -> OrderPage:
    """One page of the order list, newest first. A bad cursor gives the first page."""
    size = max(1, min(size, 200))
    orders = _filtered(filters, region=region)
    if orders is None:
        return OrderPage()
    position = decode_cursor(cursor)
    backwards = position is not None and position[2] == "p"
    if position is not None:
        key, pk, _ = position
        op = "gt" if backwards else "lt"
        # The redundant `placed_at <=/>= key` gives the planner an index range to start from;
        # the OR alone makes PostgreSQL walk the index from the top (slow deep in the list).
        orders = orders.filter(
            Q(**{f"placed_at__{op}e": key}),
            Q(**{f"placed_at__{op}": key}) | Q(**{f"pk__{op}": pk}),
        )
    order_by = ("placed_at", "pk") if backwards else ("-placed_at", "-pk")
    found = list(orders.order_by(*order_by).only(*_ROW_FIELDS)[: size + 1])
    more = len(found) > size
    found = found[:size]
    if backwards:
        found.reverse()
    page = OrderPage(rows=[_row(order) for order in found])
    if not found:
        return page
    first, last = found[0], found[-1]
    if more or backwards:
        page.next_cursor = encode_cursor(placed_at=last.placed_at, pk=last.pk, direction="n")
    if (position is not None and not backwards) or (backwards and more):
        page.previous_cursor = encode_cursor(placed_at=first.placed_at, pk=first.pk, direction="p")
    return page


def _row(order: Order) -> OrderRow:
    return OrderRow(
        id=order.pk,
        number=order.number,
        status=order.status,
        status_label=OrderStatus(order.status).label,
        fulfilment_status=order.fulfilment_status,
        fulfilment_label=FulfilmentStatus(order.fulfilment_status).label,
        method_label=PaymentMethod(order.payment_method).label,
        total_minor=order.total_minor,
        currency=order.currency,
        placed_at=order.placed_at,
        buyer_name=pii.mask_name(order.buyer_name),
        buyer_email=pii.mask_email_full(order.buyer_email) if order.buyer_email else "",
    )


def order_by_id(order_id: Any) -> Order | None:
    try:
        return Order.objects.filter(pk=order_id).first()
    except (ValueError, TypeError):
        return None


def orders_by_ids(ids: list[Any]) -> list[Order]:
    """The shop's orders among `ids` (others' and unknown ids are dropped), newest first."""
    clean: list[UUID] = []
    for value in ids[:SELECTION_MAX]:
        try:
            clean.append(UUID(str(value)))
        except ValueError:
            continue
    return list(Order.objects.filter(pk__in=clean).order_by("-placed_at", "-pk"))


def order_by_number(number: int) -> Order | None:
    return Order.objects.filter(number=number).first()


def order_lines(order: Order) -> list[OrderLine]:
    return list(OrderLine.objects.filter(order=order).order_by("position", "pk"))


@dataclass
class OrderDetail:
    order: Order
    lines: list[OrderLine]
    payments: list[Payment]
    shipments: list[Shipment]
    returns: list[ReturnRequest]
    refunds: list[Refund]
    notes: list[OrderNote]
    place: str  # city and country only


def order_detail(order: Order) -> OrderDetail:
    return OrderDetail(
        order=order,
        lines=order_lines(order),
        payments=list(Payment.objects.filter(order=order).order_by("created_at")),
        shipments=list(
            Shipment.objects.filter(order=order)
            .prefetch_related("lines__line")
            .order_by("shipped_at")
        ),
        returns=list(ReturnRequest.objects.filter(order=order).order_by("created_at")),
        refunds=list(Refund.objects.filter(order=order).order_by("created_at")),
        notes=list(OrderNote.objects.filter(order=order).select_related("author")),
        place=pii.masked_place(pii.address_loads(order.shipping_address)),
    )


@dataclass
class TimelineEntry:
    when: datetime
    label: str
    actor: str
    changes: dict[str, Any]


def order_timeline(*, shop: Any, order: Order, limit: int = 50) -> list[TimelineEntry]:
    """What happened to the order, newest first, from the shop's audit log."""
    history = activity.object_history(
        shop=shop, target_type="order", target_id=str(order.pk), limit=limit
    )
    return [
        TimelineEntry(
            when=event.occurred_at,
            label=events.LABELS.get(event.action, event.action),
            actor=str(event.actor_user.email) if event.actor_user else "System",
            changes=event.changes or {},
        )
        for event in history
    ]
