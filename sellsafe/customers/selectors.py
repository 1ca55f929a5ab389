"""Reading customers for the console: the list (newest buyers first, keyset-paged, searchable by
exact email or phone through their blind indexes) and one customer with their orders. Personal
data leaves here masked; plaintext only through the audited reveal service."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import phonenumbers
from django.core.paginator import Page, Paginator
from django.db.models import Q

from sellsafe.customers.models import Customer
from sellsafe.customers.services.reveal import addresses_of
from sellsafe.orders import pii
from sellsafe.orders.models import Order

PAGE_SIZE = 50
ORDERS_PAGE_SIZE = 20
QUERY_MAX = 254


@dataclass(frozen=True)
class CustomerRow:
    id: UUID
    email: str
    name: str
    phone: str
    places: list[str]
    orders_count: int
    total_spent_minor: int
    first_order_at: datetime | None
    last_order_at: datetime | None
    erased: bool


@dataclass(frozen=True)
class CustomerPage:
    rows: list[CustomerRow]
    next_cursor: str  # "" on the last page
    searched: bool
    search_error: str


def masked(customer: Customer) -> CustomerRow:
    places = [pii.masked_place(address) for address in addresses_of(customer.addresses)]
    return CustomerRow(
        id=customer.pk,
        email=pii.mask_email_full(customer.email) if customer.email else "",
        name=pii.mask_name(customer.name),
        phone=pii.mask_phone(customer.phone),
        places=[place for place in places if place],
        orders_count=customer.orders_count,
        total_spent_minor=customer.total_spent_minor,
        first_order_at=customer.first_order_at,
        last_order_at=customer.last_order_at,
        erased=customer.erased_at is not None,
    )


def _encode(customer: Customer) -> str:
    when = customer.last_order_at.isoformat() if customer.last_order_at else ""
    return base64.urlsafe_b64encode(f"{when}|{customer.pk}".encode()).decode()


def _decode(cursor: str) -> tuple[datetime, UUID] | None:
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")[:200]).decode()
        when, _, pk = text.partition("|")
        moment = datetime.fromisoformat(when)
        return (moment, UUID(pk)) if moment.tzinfo is not None else None
    except (ValueError, UnicodeError, binascii.Error):
        return None


def _after(cursor: str) -> Q | None:
    """Rows after the cursor in (last_order_at desc, id desc) order."""
    decoded = _decode(cursor) if cursor else None
    if decoded is None:
        return None
    when, pk = decoded
    return Q(last_order_at__lt=when) | Q(last_order_at=when, id__lt=pk)


def _search(query: str, *, country: str) -> tuple[Q | None, str]:
    """A filter for an exact email or phone number, or an error to show."""
    if "@" in query:
        return Q(email_index=pii.email_index(query)), ""
    try:
        number = phonenumbers.parse(query, country or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        return None, "Search by a full email address or phone number."
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Q(phone_index=pii.phone_index(e164)), ""


def customer_list(*, country: str, query: Any = "", cursor: Any = "") -> CustomerPage:
    """One page of the shop's customers, most recent buyers first (index customer_list_recent)."""
    text = query.strip()[:QUERY_MAX] if isinstance(query, str) else ""
    # Customers are made at checkout, so each has a last order; the filter keeps the keyset
    # simple and lets the ordering use customer_list_recent on every database.
    queryset = Customer.objects.filter(last_order_at__isnull=False)
    if text:
        condition, error = _search(text, country=country)
        if condition is None:
            return CustomerPage(rows=[], next_cursor="", searched=True, search_error=error)
        queryset = queryset.filter(condition)
    after = _after(cursor) if isinstance(cursor, str) else None
    if after is not None:
        queryset = queryset.filter(after)
    found = list(queryset.order_by("-last_order_at", "-id")[: PAGE_SIZE + 1])
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    return CustomerPage(
        rows=[masked(c) for c in found],
        next_cursor=_encode(found[-1]) if more and found else "",
        searched=bool(text),
        search_error="",
    )


def customer_by_id(customer_id: Any) -> Customer | None:
    """The shop's customer with this id, or None (also for another shop's id)."""
    try:
        pk = UUID(str(customer_id))
    except ValueError:
        return None
    return Customer.objects.filter(pk=pk).first()


def order_by_id(order_id: Any) -> Order | None:
    try:
        pk = UUID(str(order_id))
    except ValueError:
        return None
    return Order.objects.filter(pk=pk).first()


def customer_orders(*, customer: Customer, page: Any = 1) -> Page[Order]:
    """The customer's orders, newest first, one page (index order_by_customer)."""
    queryset = Order.objects.filter(customer=customer).order_by("-placed_at", "-id")
    return Paginator(queryset, ORDERS_PAGE_SIZE).get_page(page if isinstance(page, str) else 1)


def masked_order_buyer(order: Order) -> dict[str, str]:
    """The order's buyer as staff see it by default."""
    address = pii.address_loads(order.shipping_address) if order.shipping_address else {}
    return {
        "email": pii.mask_email_full(order.buyer_email) if order.buyer_email else "",
        "name": pii.mask_name(order.buyer_name),
        "phone": pii.mask_phone(order.buyer_phone),
        "place": pii.masked_place(address) if address else order.ship_country,
    }
