"""Placing an order from the storefront's checkout.

One transaction, in lock order: reserve stock for every line in one pass (one conditional UPDATE
per line, in variant-id order: never more than is available), count the order for its customer
(row lock on that customer), build the order, its lines and the confirmation email's task row,
and only then take the shop's order number and its audit chain's head together (one round trip
locking the shop row, then the chain head). From there to COMMIT the shop's other checkouts wait,
so that stretch is one more round trip (the stock history, the order with the buyer's data
encrypted, its lines, its audit event and the chain's new head) and the COMMIT. Any refusal rolls
all of it back. The order's audit event lists the reserved units (sku, location, quantity):
reservations have no audit event of their own.

Idempotency: the checkout's key is unique per shop. A retry with a known key returns that order
and changes nothing: its INSERT fails on the key (or it is refused earlier, say for an empty
cart), everything it did rolls back, and the order the key placed is returned. Two requests racing
with the same key meet the same way (the loser waits for the winner's commit at the shop row).
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from sellsafe.audit.chain import chain_key, lock_head, lock_statement
from sellsafe.audit.services import pending_event, record_locked
from sellsafe.catalog.models import Product, ProductStatus, Variant
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.core.inserts import PreparedRows, ride_along, run_statements
from sellsafe.core.statements import fetch
from sellsafe.customers.services.records import Purchase, customer_record_purchase
from sellsafe.inventory.reservations import (
    Reservation,
    reservation_movements,
    reservation_note,
    stock_reserve_for_order,
)
from sellsafe.orders import address as checks
from sellsafe.orders import events, pii
from sellsafe.orders.emails import queue_buyer_email
from sellsafe.orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    WebhookEndpoint,
)
from sellsafe.shops.models import Shop

MAX_LINES = 50
MAX_QUANTITY = 99
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


@dataclass(frozen=True, slots=True)
class CartLine:
    variant_id: Any
    quantity: Any


@dataclass(frozen=True, slots=True)
class Buyer:
    email: Any
    name: Any
    phone: Any  # as typed; stored in E.164
    address: Any = field(default_factory=dict)  # line1, line2, city, region, postcode, country


@dataclass(frozen=True, slots=True)
class PlaceResult:
    order: Order
    created: bool


@dataclass(frozen=True, slots=True)
class _Clean:
    email: str
    name: str
    phone: str
    address: dict[str, str]
    note: str
    method: str
    key: str
    lines: list[tuple[uuid.UUID, int]]


@tenancy.shop_service
def payment_methods_for(*, shop: Shop) -> list[str]:
    """The methods a buyer may choose: the shop's list, "provider" only with an active
    webhook endpoint (otherwise nobody would ever learn the payment arrived)."""
    configured = shop.payment_methods if isinstance(shop.payment_methods, list) else []
    allowed = [m for m in PaymentMethod.values if m in configured]
    if PaymentMethod.PROVIDER in allowed:
        with tenancy.scope(shop):
            if not WebhookEndpoint.objects.filter(is_active=True).exists():
                allowed.remove(PaymentMethod.PROVIDER)
    return allowed


def _clean_key(value: Any) -> str:
    if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
        raise DomainError("Your checkout form expired. Please check and send it again.")
    return value


def _clean_quantity(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 3:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("Enter a whole number of items.", field="cart")
    if not 1 <= value <= MAX_QUANTITY:
        raise DomainError(f"Choose between 1 and {MAX_QUANTITY} of each item.", field="cart")
    return value


def _clean_lines(lines: Any) -> list[tuple[uuid.UUID, int]]:
    """(variant id, quantity) in variant-id order (the stock lock order), duplicates merged."""
    if not isinstance(lines, list | tuple) or not lines:
        raise DomainError("Your cart is empty.", field="cart")
    if len(lines) > MAX_LINES:
        raise DomainError(f"A cart holds at most {MAX_LINES} different items.", field="cart")
    merged: dict[uuid.UUID, int] = {}
    for line in lines:
        if not isinstance(line, CartLine):
            raise DomainError("That item is not available.", field="cart")
        try:
            variant_id = uuid.UUID(str(line.variant_id))
        except ValueError:
            raise DomainError("That item is not available.", field="cart") from None
        merged[variant_id] = merged.get(variant_id, 0) + _clean_quantity(line.quantity)
        if merged[variant_id] > MAX_QUANTITY:
            raise DomainError(f"Choose between 1 and {MAX_QUANTITY} of each item.", field="cart")
    return sorted(merged.items(), key=lambda item: str(item[0]))


def _clean(shop: Shop, buyer: Any, payment_method: Any, key: str, note: Any, lines: Any) -> _Clean:
    if not isinstance(buyer, Buyer):
        raise DomainError("Enter your details.", field="email")
    email = checks.clean_email(buyer.email)
    name = checks.clean_name(buyer.name)
    address = checks.clean_address(buyer.address)
    phone = checks.clean_phone(buyer.phone, country=address["country"])
    clean_note = checks.clean_note(note)
    if not isinstance(payment_method, str) or payment_method not in payment_methods_for(shop=shop):
        raise DomainError("Choose how you want to pay.", field="payment_method")
    return _Clean(
        email=email,
        name=name,
        phone=phone,
        address=address,
        note=clean_note,
        method=payment_method,
        key=key,
        lines=_clean_lines(lines),
    )


# Raw SQL (read once per checkout, hot path): the ORM's select_related query cost more CPU than
# the rest of the read. Bound to the shop explicitly, as the scoped manager would.
_VARIANTS = (
    "SELECT v.id, v.product_id, v.sku, v.price_minor, v.option_values, v.low_stock_threshold,"
    " p.title FROM catalog_variant v JOIN catalog_product p ON p.id = v.product_id"
    " WHERE v.shop_id = %s AND p.shop_id = %s AND p.status = %s AND v.id IN ({})"
)


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _variants(shop: Shop, wanted: list[tuple[uuid.UUID, int]]) -> dict[uuid.UUID, Variant]:
    """This shop's variants of active products, with their product's title (nothing else of
    either is read here)."""
    pk = Variant._meta.pk
    shop_id = Shop._meta.pk.get_db_prep_value(shop.pk, connection)
    ids = [pk.get_db_prep_value(variant_id, connection) for variant_id, _ in wanted]
    options = Variant._meta.get_field("option_values")
    found: dict[uuid.UUID, Variant] = {}
    sql = _VARIANTS.format(", ".join(["%s"] * len(ids)))
    rows = fetch(sql, [shop_id, shop_id, ProductStatus.ACTIVE, *ids])
    for variant_id, product_id, sku, price, option_values, threshold, title in rows:
        variant = Variant(
            id=_uuid(variant_id),
            shop_id=shop.pk,
            sku=sku,
            price_minor=int(price),
            option_values=options.from_db_value(option_values, None, connection),  # type: ignore[arg-type]
            low_stock_threshold=threshold,
        )
        variant.product = Product(id=_uuid(product_id), shop_id=shop.pk, title=title)
        for row in (variant, variant.product):  # loaded, as if through the ORM
            row._state.adding, row._state.db = False, connection.alias
        found[variant.pk] = variant
    if len(found) != len(wanted):
        raise DomainError(
            "An item in your cart is no longer available. Please remove it and try again.",
            field="cart",
        )
    return found


def _number_and_chain(shop: Shop, chain: str) -> tuple[int, tuple[int, str]]:
    """The shop's next order number and its audit chain's head, both locked until COMMIT, in
    one round trip (the shop's row first, as every checkout takes them). Raw SQL because
    Django's update() cannot return the new value."""
    pk = Shop._meta.pk.get_db_prep_value(shop.pk, connection)
    counter = (
        "UPDATE shops_shop SET order_counter = order_counter + 1 WHERE id = %s"
        " RETURNING order_counter"
    )
    numbers, heads = run_statements([(counter, [pk]), lock_statement(chain)])
    head = (int(heads[0][0]), str(heads[0][1])) if heads else lock_head(chain)  # a new chain
    return int(numbers[0][0]), head


def _payment_reference(number: int) -> str:
    suffix = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(4))
    return f"SS-{number}-{suffix}"


def _options(variant: Variant) -> str:
    values = variant.option_values if isinstance(variant.option_values, list) else []
    return " / ".join(str(v) for v in values)[:200]


def _create(shop: Shop, clean: _Clean, variants: dict[uuid.UUID, Variant]) -> Order:
    reservations = stock_reserve_for_order(
        shop=shop,
        items=[(variants[pk], quantity) for pk, quantity in clean.lines],
        order_ref=None,  # the movements are written below, once the number is known
    )
    held: dict[uuid.UUID, Reservation] = {r.variant.pk: r for r in reservations}
    reserved = [
        {"sku": r.variant.sku, "location": r.location_name, "quantity": r.quantity}
        for r in reservations
    ]
    subtotal = sum(variants[pk].price_minor * quantity for pk, quantity in clean.lines)
    shipping = max(0, int(shop.shipping_flat_minor or 0))
    now = timezone.now()
    expires = (
        now + timedelta(minutes=shop.order_expiry_minutes)
        if clean.method in (PaymentMethod.BANK_TRANSFER, PaymentMethod.PROVIDER)
        else None
    )
    email_index, phone_index = pii.email_index(clean.email), pii.phone_index(clean.phone)
    order = Order(
        shop=shop,
        number=0,  # taken last, below
        status=OrderStatus.PENDING_PAYMENT,
        payment_method=clean.method,
        currency=shop.currency,
        subtotal_minor=subtotal,
        shipping_minor=shipping,
        total_minor=subtotal + shipping,
        buyer_email=clean.email,
        buyer_email_index=email_index,
        buyer_name=clean.name,
        buyer_phone=clean.phone,
        buyer_phone_index=phone_index,
        shipping_address=pii.address_dumps(clean.address),
        ship_country=clean.address["country"],
        delivery_note=clean.note,
        idempotency_key=clean.key,
        link_key=secrets.token_hex(16),
        expires_at=expires,
    )
    lines = [
        OrderLine(
            shop=shop,
            order=order,
            variant=variants[pk],
            location_id=held[pk].location_id,
            sku=variants[pk].sku,
            title=variants[pk].product.title[:200],
            options=_options(variants[pk]),
            unit_price_minor=variants[pk].price_minor,
            quantity=quantity,
            total_minor=variants[pk].price_minor * quantity,
            position=position,
        )
        for position, (pk, quantity) in enumerate(clean.lines)
    ]
    # The task row is invisible to workers until COMMIT (or never, on a rollback); it rides
    # along with the customer's INSERT (one round trip on PostgreSQL).
    with ride_along():
        queue_buyer_email(shop=shop, order=order, kind="confirmation")
        customer = customer_record_purchase(
            shop=shop,
            purchase=Purchase(
                email=clean.email,
                email_index=email_index,
                name=clean.name,
                phone=clean.phone,
                phone_index=phone_index,
                address=clean.address,
                total_minor=subtotal + shipping,
                at=now,
            ),
        )
    order.customer = customer
    # Every value computed (the buyer's data encrypted) before the lock, the number set after.
    movements = PreparedRows(reservation_movements(reservations=reservations, order_ref="#"))
    rows, line_rows = PreparedRows([order]), PreparedRows(lines)
    # From here to COMMIT the shop's other checkouts wait: two round trips and a hash.
    number, head = _number_and_chain(shop, chain_key(shop.pk))
    rows.set("number", number)
    rows.set("payment_reference", _payment_reference(number))
    movements.set("note", reservation_note(f"#{number}"))
    pending = pending_event(
        shop=shop,
        action=events.ORDER_PLACED,
        target_type="order",
        target_id=str(order.pk),
        changes={
            "number": number,
            "subtotal_minor": order.subtotal_minor,
            "shipping_minor": order.shipping_minor,
            "total_minor": order.total_minor,
            "currency": order.currency,
            "lines": len(clean.lines),
            "payment_method": order.payment_method,
            # The stock reservations are audited here, as part of the order.
            "reserved": reserved,
        },
    )
    # One round trip on PostgreSQL: the stock history, the order, its lines, its audit event.
    record_locked(pending, head, movements, rows, line_rows)
    return order


def _placed(shop: Shop, key: str) -> Order | None:
    """The order this key placed (raw SQL, bound to the shop, as the scoped manager would). Read
    only when placing fails: a new checkout does not look first, the unique key catches a retry."""
    shop_id = Shop._meta.pk.get_db_prep_value(shop.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM orders_order WHERE shop_id = %s AND idempotency_key = %s",
            [shop_id, key],
        )
        found = cursor.fetchone()
    return Order.objects.filter(pk=found[0]).first() if found else None


@tenancy.shop_service
def order_place(
    *,
    shop: Shop,
    lines: list[CartLine],
    buyer: Buyer,
    payment_method: str,
    idempotency_key: str,
    delivery_note: str = "",
) -> PlaceResult:
    """Place the buyer's order, or return the one this idempotency key already placed."""
    key = _clean_key(idempotency_key)
    try:
        clean = _clean(shop, buyer, payment_method, key, delivery_note, lines)
        with transaction.atomic():
            variants = _variants(shop, clean.lines)
            return PlaceResult(order=_create(shop, clean, variants), created=True)
    except (DomainError, IntegrityError):
        # A retry of an order this key placed (a double click: its cart is empty by now, or its
        # last unit sold to itself), or a concurrent request with the same key that committed
        # first (order_unique_idempotency_key): that order. Otherwise the refusal stands.
        existing = _placed(shop, key)
        if existing is None:
            raise
        return PlaceResult(order=existing, created=False)
