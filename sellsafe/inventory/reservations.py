"""Reserving stock for a whole order in one pass, in the caller's transaction.

Per item (in variant-id order, the stock lock order): ONE conditional UPDATE picks the first active
location (by name, then id) with enough available and reserves there (`on_hand >= reserved + n`
is checked again on the row it locks, so nothing is ever oversold), RETURNING the level's new
numbers so nothing is read back. Then one bulk INSERT of the movements. The low-stock check (which
locks the variant row) runs only when this level's available-after is below the threshold: if one
level alone is still at or above it, so is the variant's total, and no crossing is possible.

No audit event per line: the caller (order placement) records one event for the order that lists
the reserved units (sku, location, quantity). A refusal raises DomainError; the caller's
transaction then rolls back every reservation made before it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from sellsafe.catalog.models import Variant
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.core.inserts import insert_rows
from sellsafe.core.statements import fetch
from sellsafe.inventory.models import MovementReason, StockLevel, StockMovement
from sellsafe.inventory.services import (
    NOTE_MAX,
    _check_low_stock,
    _order_quantity,
    _same_shop,
    threshold_of,
)
from sellsafe.shops.models import Shop


@dataclass(frozen=True, slots=True)
class Reservation:
    variant: Variant
    location_id: uuid.UUID
    location_name: str
    quantity: int
    on_hand_after: int
    reserved_after: int


# Raw SQL (the one place in inventory): Django's update() cannot pick the location in the same
# statement nor return the new row. RETURNING needs PostgreSQL or SQLite >= 3.35. Every statement
# is bound to the shop explicitly, as the scoped manager would.
_PICK_AND_RESERVE = (
    "UPDATE inventory_stock_level SET reserved = reserved + %s"
    " WHERE id = (SELECT sl.id FROM inventory_stock_level sl"
    " JOIN inventory_location l ON l.id = sl.location_id"
    " WHERE sl.shop_id = %s AND sl.variant_id = %s AND l.is_active = %s"
    " AND sl.on_hand >= sl.reserved + %s ORDER BY l.name, l.id LIMIT 1)"
    " AND on_hand >= reserved + %s"
    " RETURNING location_id, on_hand, reserved, (SELECT loc.name FROM inventory_location loc"
    " WHERE loc.id = inventory_stock_level.location_id)"
)
_RESERVE_AT = (
    "UPDATE inventory_stock_level SET reserved = reserved + %s"
    " WHERE shop_id = %s AND variant_id = %s AND location_id = %s"
    " AND on_hand >= reserved + %s"
    " RETURNING location_id, on_hand, reserved, (SELECT loc.name FROM inventory_location loc"
    " WHERE loc.id = inventory_stock_level.location_id)"
)


def _db(value: Any) -> Any:
    return Variant._meta.pk.get_db_prep_value(value, connection)


def _reserved(sql: str, params: list[Any]) -> tuple[uuid.UUID, int, int, str] | None:
    """(location, on hand, reserved, location name) of the level the statement reserved at."""
    rows = fetch(sql, params)
    if not rows:
        return None
    row = rows[0]
    return uuid.UUID(str(row[0])), int(row[1]), int(row[2]), str(row[3] or "")


def _reserve_one(shop: Shop, variant: Variant, quantity: int) -> tuple[uuid.UUID, int, int, str]:
    shop_id, variant_id = _db(shop.pk), _db(variant.pk)
    got = _reserved(_PICK_AND_RESERVE, [quantity, shop_id, variant_id, True, quantity, quantity])
    if got is not None:
        return got
    # The level we picked was taken by a concurrent checkout since our snapshot (or none had
    # enough): try each active location again, in the same order, on fresh reads.
    for location_id in _active_levels(variant):
        got = _reserved(_RESERVE_AT, [quantity, shop_id, variant_id, _db(location_id), quantity])
        if got is not None:
            return got
    best = max(
        (
            on_hand - reserved
            for on_hand, reserved in StockLevel.objects.filter(
                variant=variant, location__is_active=True
            ).values_list("on_hand", "reserved")
        ),
        default=0,
    )
    title = variant.product.title
    if best <= 0:
        raise DomainError(f"Sorry, {title} is sold out.", field="cart")
    raise DomainError(f"Sorry, only {best} of {title} left.", field="cart")


def _active_levels(variant: Variant) -> list[uuid.UUID]:
    return list(
        StockLevel.objects.filter(variant=variant, location__is_active=True)
        .order_by("location__name", "location_id")
        .values_list("location_id", flat=True)
    )


@tenancy.shop_service
def stock_reserve_for_order(
    *,
    shop: Shop,
    items: list[tuple[Variant, int]],
    order_ref: str | None,
    actor: Any = None,
) -> list[Reservation]:
    """Hold each item's units at one active location, or refuse ("sold out" / "only N left").

    With `order_ref=None` no stock movements are written yet: the caller must then call
    `reservation_movements_write` in the same transaction."""
    merged: dict[uuid.UUID, tuple[Variant, int]] = {}
    for variant, quantity in items:
        _same_shop(shop, variant)
        held = merged[variant.pk][1] if variant.pk in merged else 0
        merged[variant.pk] = (variant, held + _order_quantity(quantity))
    reservations: list[Reservation] = []
    with transaction.atomic(savepoint=False):
        for _pk, (variant, quantity) in sorted(merged.items(), key=lambda item: str(item[0])):
            location_id, on_hand, reserved, name = _reserve_one(shop, variant, quantity)
            reservations.append(
                Reservation(variant, location_id, name, quantity, on_hand, reserved)
            )
            if on_hand - reserved < threshold_of(shop=shop, variant=variant):
                _check_low_stock(shop=shop, variant=variant)
        if order_ref is not None:
            reservation_movements_write(
                shop=shop, reservations=reservations, order_ref=order_ref, actor=actor
            )
    return reservations


@tenancy.shop_service
def reservation_movements_write(
    *, shop: Shop, reservations: list[Reservation], order_ref: str, actor: Any = None
) -> None:
    """The stock history rows of these reservations, in one INSERT."""
    insert_rows(reservation_movements(reservations=reservations, order_ref=order_ref, actor=actor))


def reservation_note(order_ref: str) -> str:
    """The note on an order's reservation movements."""
    return f"Order {order_ref}"[:NOTE_MAX]


def reservation_movements(
    *, reservations: list[Reservation], order_ref: str, actor: Any = None
) -> list[StockMovement]:
    """The stock history rows of these reservations, not yet written: order placement writes
    them itself, with the order, once it has the order number (it reserves before taking it)."""
    note = reservation_note(order_ref)
    return [
        StockMovement(
            shop_id=r.variant.shop_id,
            variant=r.variant,
            location_id=r.location_id,
            reason=MovementReason.RESERVED,
            note=note,
            on_hand_change=0,
            reserved_change=r.quantity,
            on_hand_after=r.on_hand_after,
            reserved_after=r.reserved_after,
            actor=actor,
        )
        for r in reservations
    ]
