"""Stock: locations, adjustments, reservations for orders, low-stock thresholds and alerts.

Every stock change is one atomic conditional UPDATE (`... WHERE on_hand >= reserved + n`) whose row
count says whether it happened; a count is the one absolute change and takes a row lock first.
Nothing here reads a level, computes in Python and writes it back. The database CHECK constraints
(on hand >= 0, 0 <= reserved <= on hand) are the last line behind these conditions.

Lock order inside a stock transaction: the stock level row, then the variant row (low-stock check),
then the shop's audit chain head (`record`, last). Callers changing several variants in one
transaction (orders) should go through them in a stable order (by variant id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.urls import NoReverseMatch, reverse

from sellsafe.audit.services import record
from sellsafe.catalog.models import Variant
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.inventory import events
from sellsafe.inventory.models import (
    Location,
    LocationKind,
    MovementReason,
    StockLevel,
    StockMovement,
)
from sellsafe.notifications.services import notify
from sellsafe.shops import access
from sellsafe.shops.models import Membership, Shop
from sellsafe.shops.services.refusals import refuse

# Far below the 32-bit column limit, far above any real shelf.
MAX_QUANTITY = 1_000_000_000
NOTE_MAX = 500
NAME_MAX = 100
MAX_THRESHOLD = 1_000_000
ADJUST_REASONS = frozenset(
    {
        MovementReason.RECEIVED,
        MovementReason.COUNTED,
        MovementReason.DAMAGED,
        MovementReason.RETURNED,
        MovementReason.CORRECTION,
    }
)
LOW_STOCK_KIND = "low_stock"


def _require(actor: Membership, shop: Shop, code: str, target: tuple[str, str]) -> None:
    if not access.has_permission(actor, code):
        refuse(actor=actor, shop=shop, reason=code, target=target, action=events.INVENTORY_REFUSED)


def _same_shop(shop: Shop, *objects: Any) -> None:
    """Objects passed in must belong to the shop acted on (the views fetch them scoped)."""
    for obj in objects:
        if obj.shop_id != shop.pk:
            raise DomainError("That was not found in this shop.")


# --- Locations ---------------------------------------------------------------------------------


def _clean_location(name: str, kind: str) -> tuple[str, str]:
    name = " ".join(str(name).split())
    if not 1 <= len(name) <= NAME_MAX:
        raise DomainError(f"Use a name of 1 to {NAME_MAX} characters.", field="name")
    if kind not in LocationKind.values:
        raise DomainError("Choose a kind of location from the list.", field="kind")
    return name, kind


def _name_taken(name: str, *, exclude: Any = None) -> bool:
    others = Location.objects.filter(name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    return others.exists()


@tenancy.shop_service
def location_create(*, actor: Membership, shop: Shop, name: str, kind: str) -> Location:
    _require(actor, shop, "inventory.adjust", ("shop", str(shop.pk)))
    name, kind = _clean_location(name, kind)
    with transaction.atomic():
        if _name_taken(name):
            raise DomainError("A location with this name exists already.", field="name")
        try:
            with transaction.atomic():
                location = Location.objects.create(shop=shop, name=name, kind=kind)
        except IntegrityError as exc:
            raise DomainError("A location with this name exists already.", field="name") from exc
        record(
            shop=shop,
            action=events.LOCATION_CREATED,
            actor=actor.user,
            target_type="location",
            target_id=str(location.pk),
            changes={"name": name, "kind": kind},
        )
    return location


@tenancy.shop_service
def location_update(
    *, actor: Membership, shop: Shop, location: Location, name: str, kind: str, is_active: bool
) -> Location:
    _require(actor, shop, "inventory.adjust", ("location", str(location.pk)))
    _same_shop(shop, location)
    name, kind = _clean_location(name, kind)
    new = {"name": name, "kind": kind, "is_active": bool(is_active)}
    changes = {
        key: {"before": getattr(location, key), "after": value}
        for key, value in new.items()
        if getattr(location, key) != value
    }
    if not changes:
        return location
    with transaction.atomic():
        if "name" in changes and _name_taken(name, exclude=location.pk):
            raise DomainError("A location with this name exists already.", field="name")
        for key in changes:
            setattr(location, key, new[key])
        try:
            with transaction.atomic():
                location.save(update_fields=list(changes))
        except IntegrityError as exc:
            raise DomainError("A location with this name exists already.", field="name") from exc
        record(
            shop=shop,
            action=events.LOCATION_UPDATED,
            actor=actor.user,
            target_type="location",
            target_id=str(location.pk),
            changes=changes,
        )
    return location


# --- The one way stock changes ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Change:
    on_hand: int = 0
    reserved: int = 0


def _level_for_increase(*, shop: Shop, variant: Variant, location: Location) -> None:
    """Make sure the level row exists. `get_or_create` creates inside a savepoint and, when a
    concurrent transaction created the row first (unique variant+location), reads theirs."""
    StockLevel.objects.get_or_create(variant=variant, location=location, defaults={"shop": shop})


def _current(variant: Variant, location: Location) -> tuple[int, int]:
    row = (
        StockLevel.objects.filter(variant=variant, location=location)
        .values_list("on_hand", "reserved")
        .first()
    )
    return (row[0], row[1]) if row else (0, 0)


def _apply(
    *,
    shop: Shop,
    variant: Variant,
    location: Location,
    change: _Change,
    condition: Q,
    refusal: Callable[[int, int], str],
    reason: str,
    note: str,
    actor_user: Any,
    action: str,
) -> StockMovement:
    """Apply `change` to the level if `condition` holds, as one UPDATE; then the movement, the
    low-stock check and the audit event, in the caller's transaction."""
    updated = StockLevel.objects.filter(variant=variant, location=location).filter(condition)
    count = updated.update(
        on_hand=F("on_hand") + change.on_hand, reserved=F("reserved") + change.reserved
    )
    if count != 1:
        on_hand, reserved = _current(variant, location)
        raise DomainError(refusal(on_hand, reserved), field="quantity")
    # Our UPDATE holds the row lock until commit: this read sees exactly our result.
    on_hand, reserved = _current(variant, location)
    movement = StockMovement.objects.create(
        shop=shop,
        variant=variant,
        location=location,
        reason=reason,
        note=note,
        on_hand_change=change.on_hand,
        reserved_change=change.reserved,
        on_hand_after=on_hand,
        reserved_after=reserved,
        actor=actor_user,
    )
    _check_low_stock(shop=shop, variant=variant)
    record(
        shop=shop,
        action=action,
        actor=actor_user,
        target_type="variant",
        target_id=str(variant.pk),
        changes={
            "sku": variant.sku,
            "location": location.name,
            "reason": reason,
            "note": note,
            "on_hand": {"before": on_hand - change.on_hand, "after": on_hand},
            "reserved": {"before": reserved - change.reserved, "after": reserved},
        },
    )
    return movement


def _too_many(_on_hand: int, _reserved: int) -> str:
    return f"That would make more than {MAX_QUANTITY:,} units on hand."


def _not_enough(removing: int, location: Location) -> Callable[[int, int], str]:
    def message(on_hand: int, reserved: int) -> str:
        held = f", {reserved} of them reserved for orders" if reserved else ""
        return f"Cannot remove {removing}: only {on_hand} on hand at {location.name}{held}."

    return message


def _whole(value: Any, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("Enter a whole number of units.", field=field)
    return value


@tenancy.shop_service
def stock_adjust(
    *,
    actor: Membership,
    shop: Shop,
    variant: Variant,
    location: Location,
    change: int | None = None,
    set_to: int | None = None,
    reason: str,
    note: str = "",
) -> StockMovement:
    """Add or remove units (`change`), or record a count (`set_to`, reason "counted")."""
    _require(actor, shop, "inventory.adjust", ("variant", str(variant.pk)))
    _same_shop(shop, variant, location)
    if reason not in ADJUST_REASONS:
        raise DomainError("Choose a reason from the list.", field="reason")
    note = str(note).strip()
    if len(note) > NOTE_MAX:
        raise DomainError(f"Keep the note under {NOTE_MAX} characters.", field="note")
    if (change is None) == (set_to is None):
        raise DomainError("Enter the number of units.", field="quantity")
    if reason == MovementReason.COUNTED:
        if set_to is None:
            raise DomainError("A count sets the number of units on hand.", field="quantity")
        return _count(
            actor=actor, shop=shop, variant=variant, location=location, set_to=set_to, note=note
        )
    if change is None:
        raise DomainError("Only a count sets an absolute number; enter a change.", field="reason")
    change = _whole(change)
    if change == 0:
        raise DomainError("Enter a change other than 0.", field="quantity")
    if abs(change) > MAX_QUANTITY:
        raise DomainError(f"Enter at most {MAX_QUANTITY:,} units at a time.", field="quantity")
    with transaction.atomic():
        if change > 0:
            _level_for_increase(shop=shop, variant=variant, location=location)
            condition = Q(on_hand__lte=MAX_QUANTITY - change)
            refusal: Callable[[int, int], str] = _too_many
        else:
            condition = Q(on_hand__gte=F("reserved") - change)
            refusal = _not_enough(-change, location)

        return _apply(
            shop=shop,
            variant=variant,
            location=location,
            change=_Change(on_hand=change),
            condition=condition,
            refusal=refusal,
            reason=reason,
            note=note,
            actor_user=actor.user,
            action=events.STOCK_ADJUSTED,
        )


def _count(
    *,
    actor: Membership,
    shop: Shop,
    variant: Variant,
    location: Location,
    set_to: int,
    note: str,
) -> StockMovement:
    set_to = _whole(set_to)
    if not 0 <= set_to <= MAX_QUANTITY:
        raise DomainError(f"Enter a count from 0 to {MAX_QUANTITY:,}.", field="quantity")
    with transaction.atomic():
        _level_for_increase(shop=shop, variant=variant, location=location)
        level = StockLevel.objects.select_for_update().get(variant=variant, location=location)
        if set_to < level.reserved:
            raise DomainError(
                f"{level.reserved} units here are reserved for orders: "
                f"the count cannot be below {level.reserved}.",
                field="quantity",
            )
        delta = set_to - level.on_hand
        # Under the row lock: the condition only confirms nothing moved underneath.
        return _apply(
            shop=shop,
            variant=variant,
            location=location,
            change=_Change(on_hand=delta),
            condition=Q(on_hand=level.on_hand, reserved=level.reserved),
            refusal=lambda _on_hand, _reserved: (
                "The stock changed while counting; please count again."
            ),
            reason=MovementReason.COUNTED,
            note=note,
            actor_user=actor.user,
            action=events.STOCK_ADJUSTED,
        )


def _order_quantity(quantity: Any) -> int:
    quantity = _whole(quantity)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise DomainError("Enter a quantity of at least 1.", field="quantity")
    return quantity


@tenancy.shop_service
def stock_reserve(
    *,
    shop: Shop,
    variant: Variant,
    location: Location,
    quantity: int,
    order_ref: str,
    actor: Any = None,
) -> StockMovement:
    """Hold `quantity` units for an order, if that many are available (on hand - reserved)."""
    _same_shop(shop, variant, location)
    quantity = _order_quantity(quantity)
    with transaction.atomic():
        return _apply(
            shop=shop,
            variant=variant,
            location=location,
            change=_Change(reserved=quantity),
            condition=Q(on_hand__gte=F("reserved") + quantity),
            refusal=lambda on_hand, reserved: (
                f"Cannot reserve {quantity} of {variant.sku}: only {on_hand - reserved} available."
            ),
            reason=MovementReason.RESERVED,
            note=f"Order {order_ref}"[:NOTE_MAX],
            actor_user=actor,
            action=events.STOCK_RESERVED,
        )


@tenancy.shop_service
def stock_release(
    *,
    shop: Shop,
    variant: Variant,
    location: Location,
    quantity: int,
    order_ref: str,
    actor: Any = None,
) -> StockMovement:
    """Give back units an order held (cancelled or expired checkout)."""
    _same_shop(shop, variant, location)
    quantity = _order_quantity(quantity)
    with transaction.atomic():
        return _apply(
            shop=shop,
            variant=variant,
            location=location,
            change=_Change(reserved=-quantity),
            condition=Q(reserved__gte=quantity),
            refusal=lambda _on_hand, reserved: (
                f"Cannot release {quantity} of {variant.sku}: only {reserved} reserved."
            ),
            reason=MovementReason.RELEASED,
            note=f"Order {order_ref}"[:NOTE_MAX],
            actor_user=actor,
            action=events.STOCK_RELEASED,
        )


@tenancy.shop_service
def stock_commit_sale(
    *,
    shop: Shop,
    variant: Variant,
    location: Location,
    quantity: int,
    order_ref: str,
    actor: Any = None,
) -> StockMovement:
    """Reserved units leave with the order: reserved and on hand both go down."""
    _same_shop(shop, variant, location)
    quantity = _order_quantity(quantity)
    with transaction.atomic():
        return _apply(
            shop=shop,
            variant=variant,
            location=location,
            change=_Change(on_hand=-quantity, reserved=-quantity),
            condition=Q(reserved__gte=quantity),
            refusal=lambda _on_hand, reserved: (
                f"Cannot sell {quantity} of {variant.sku}: only {reserved} reserved."
            ),
            reason=MovementReason.SOLD,
            note=f"Order {order_ref}"[:NOTE_MAX],
            actor_user=actor,
            action=events.STOCK_SOLD,
        )


# --- Low stock ----------------------------------------------------------------------------------


@tenancy.shop_service
def threshold_of(*, shop: Shop, variant: Variant) -> int:
    if variant.low_stock_threshold is not None:
        return int(variant.low_stock_threshold)
    return int(shop.low_stock_default)


def _variant_link(shop: Shop, variant: Variant) -> str:
    try:
        return reverse("console:inventory_variant", args=[shop.slug, variant.pk])
    except NoReverseMatch:
        return ""


def _check_low_stock(*, shop: Shop, variant: Variant) -> None:
    """Alert once when the variant's total available falls below its threshold; re-arm when it
    is back at or above it.

    The variant row is locked first, so checks for the same variant run one after another and
    each sums the levels as committed by the one before (two adjustments at different locations
    crossing together alert once, not zero times). The flag changes by conditional UPDATE too.
    """
    locked = (
        Variant.objects.select_for_update()
        .filter(pk=variant.pk)
        .values_list("low_stock_threshold", "low_stock_alerted")
        .first()
    )
    if locked is None:
        return
    variant.low_stock_threshold, alerted = locked
    threshold = threshold_of(shop=shop, variant=variant)
    totals = StockLevel.objects.filter(variant=variant).aggregate(
        on_hand=Sum("on_hand"), reserved=Sum("reserved")
    )
    available = (totals["on_hand"] or 0) - (totals["reserved"] or 0)
    if available < threshold and not alerted:
        if Variant.objects.filter(pk=variant.pk, low_stock_alerted=False).update(
            low_stock_alerted=True
        ):
            variant.low_stock_alerted = True
            _alert(shop=shop, variant=variant, available=available, threshold=threshold)
    elif available >= threshold and alerted:
        Variant.objects.filter(pk=variant.pk, low_stock_alerted=True).update(
            low_stock_alerted=False
        )
        variant.low_stock_alerted = False


def _alert(*, shop: Shop, variant: Variant, available: int, threshold: int) -> None:
    title = f"Low stock: {variant.sku}"
    body = f"{available} available in total, below the threshold of {threshold}."
    notify(
        shop=shop,
        kind=LOW_STOCK_KIND,
        permission="catalog.view",
        title=title,
        body=body,
        link=_variant_link(shop, variant),
    )
    record(
        shop=shop,
        action=events.STOCK_LOW,
        target_type="variant",
        target_id=str(variant.pk),
        changes={"sku": variant.sku, "available": available, "threshold": threshold},
    )
    from sellsafe.inventory.tasks import send_low_stock_alert

    shop_id, variant_id = str(shop.pk), str(variant.pk)
    transaction.on_commit(
        lambda: send_low_stock_alert.enqueue(
            shop_id=shop_id, variant_id=variant_id, available=available, threshold=threshold
        )
    )


def _clean_threshold(value: Any, field: str) -> int:
    value = _whole(value, field)
    if not 0 <= value <= MAX_THRESHOLD:
        raise DomainError(f"Enter a threshold from 0 to {MAX_THRESHOLD:,}.", field=field)
    return value


@tenancy.shop_service
def variant_threshold_set(
    *, actor: Membership, shop: Shop, variant: Variant, threshold: int | None
) -> Variant:
    """Set the variant's own low-stock threshold, or None to use the shop's default. The new
    threshold is checked at once (a raised threshold above the stock alerts now)."""
    _require(actor, shop, "inventory.adjust", ("variant", str(variant.pk)))
    _same_shop(shop, variant)
    if threshold is not None:
        threshold = _clean_threshold(threshold, "threshold")
    with transaction.atomic():
        before = (
            Variant.objects.select_for_update()
            .filter(pk=variant.pk)
            .values_list("low_stock_threshold", flat=True)
            .get()
        )
        if before == threshold:
            return variant
        Variant.objects.filter(pk=variant.pk).update(low_stock_threshold=threshold)
        variant.low_stock_threshold = threshold
        _check_low_stock(shop=shop, variant=variant)
        record(
            shop=shop,
            action=events.THRESHOLD_CHANGED,
            actor=actor.user,
            target_type="variant",
            target_id=str(variant.pk),
            changes={"sku": variant.sku, "threshold": {"before": before, "after": threshold}},
        )
    return variant


@tenancy.shop_service
def shop_low_stock_default_set(*, actor: Membership, shop: Shop, threshold: int) -> Shop:
    """The threshold of every variant without its own. Variants are checked again at their next
    stock change."""
    _require(actor, shop, "shop.settings", ("shop", str(shop.pk)))
    threshold = _clean_threshold(threshold, "threshold")
    with transaction.atomic():
        before = (
            Shop.objects.select_for_update()
            .filter(pk=shop.pk)
            .values_list("low_stock_default", flat=True)
            .get()
        )
        if before == threshold:
            return shop
        Shop.objects.filter(pk=shop.pk).update(low_stock_default=threshold)
        shop.low_stock_default = threshold
        record(
            shop=shop,
            action=events.SHOP_DEFAULT_THRESHOLD_CHANGED,
            actor=actor.user,
            target_type="shop",
            target_id=str(shop.pk),
            changes={"low_stock_default": {"before": before, "after": threshold}},
        )
    return shop
