"""Counting many variants at one location at once (catalog CSV imports, stock takes).

    changed = stock_count_bulk(actor=member, shop=shop, location=loc, counts=[(variant, 12), ...])

The same rules as a single count through `stock_adjust(set_to=..., reason="counted")`, in set
operations instead of ~10 statements per variant:

* the existing levels are locked (`SELECT ... FOR UPDATE`) in variant-id order, so concurrent
  counts and adjustments queue behind the lock instead of reading and writing back; the missing
  ones are created in one INSERT ... ON CONFLICT DO NOTHING (on PostgreSQL with their count
  already: a row this transaction inserted is invisible to others until commit), and any that
  another transaction created meanwhile are then locked too;
* a count below the units reserved for orders is refused (naming the SKU) and nothing is written;
* the changed levels are set with bulk UPDATEs under those locks (absolute values are safe here:
  nothing else can change a locked row), with one movement row each (reason "counted");
* low stock: the variants whose level changed are locked in id order, their totals summed in one
  query; the alert flag is set or re-armed with conditional UPDATEs, and each crossing alerts once
  (the same `_alert` as a single adjustment; more than ALERTS_ONE_BY_ONE crossings in one call are
  summarised in one notification and one `stock.low` event listing them all, without emails);
* one `stock.counted` audit event per call with every variant's before/after (in parts of
  AUDIT_LINES_PER_EVENT lines, so no event grows without bound).

Lock order is the one of inventory.services: stock levels, then variants, then the audit chain.
Runs in the caller's transaction (in its own if there is none).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any
from uuid import UUID, uuid4

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from sellsafe.audit.services import record
from sellsafe.catalog.models import Variant
from sellsafe.core import tenancy
from sellsafe.core.copying import copy_rows, copy_text
from sellsafe.core.errors import DomainError
from sellsafe.core.inserts import insert_many
from sellsafe.inventory import events
from sellsafe.inventory.models import Location, MovementReason, StockLevel, StockMovement
from sellsafe.inventory.services import (
    LOW_STOCK_KIND,
    MAX_QUANTITY,
    NOTE_MAX,
    _alert,
    _require,
    _same_shop,
    _whole,
)
from sellsafe.notifications.services import notify
from sellsafe.shops.models import Membership, Shop

AUDIT_LINES_PER_EVENT = 500
# Up to this many low-stock crossings in one call alert one by one (notification, event, email
# each, as a single adjustment does); more are summarised in one notification and one event.
ALERTS_ONE_BY_ONE = 10
_CHUNK = 1000  # rows per IN (...) list / bulk statement


def uuid_array(ids: Iterable[Any]) -> str:
    """A uuid[] parameter as its text literal ('{...}'): psycopg dumps a list of UUIDs element by
    element in Python, at about twice the CPU of formatting them here. Anything that is not a
    UUID goes through UUID() first, which refuses what is not one: the text needs no quoting."""
    texts = [str(pk if isinstance(pk, UUID) else UUID(str(pk))) for pk in ids]
    return "{" + ",".join(texts) + "}"


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> list[Sequence[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _clean(
    shop: Shop, location: Location, counts: list[tuple[Variant, int]]
) -> list[tuple[Variant, int]]:
    _same_shop(shop, location)
    keyed: dict[str, tuple[Variant, int]] = {}  # by str(id): that sorts in id order
    for variant, set_to in counts:
        _same_shop(shop, variant)
        set_to = _whole(set_to)
        if not 0 <= set_to <= MAX_QUANTITY:
            raise DomainError(
                f"{variant.sku}: enter a count from 0 to {MAX_QUANTITY:,}.", field="quantity"
            )
        key = str(variant.pk)
        if key in keyed:
            raise DomainError(f"{variant.sku} is counted twice.", field="quantity")
        keyed[key] = (variant, set_to)
    return [keyed[key] for key in sorted(keyed)]


def _create_missing(
    shop: Shop, location: Location, cleaned: list[tuple[Variant, int]]
) -> dict[Any, Any]:
    """Create the level rows that do not exist yet, skipping those that do, also when a
    concurrent transaction creates one meanwhile (ON CONFLICT DO NOTHING). On PostgreSQL the new
    rows start at their count (ours alone until commit: no lock or UPDATE needed) and
    {variant id: level id} of the rows inserted is returned; elsewhere they start at 0 and {}."""
    if connection.vendor == "postgresql":
        created: dict[Any, Any] = {}
        with connection.cursor() as cursor:
            for part in _chunks(cleaned):
                cursor.execute(
                    "INSERT INTO inventory_stock_level "
                    "(id, shop_id, variant_id, location_id, on_hand, reserved) "
                    "SELECT gen_random_uuid(), %s, t.v, %s, t.c, 0 "
                    "FROM unnest(%s::uuid[], %s::integer[]) AS t(v, c) "
                    "ORDER BY t.v ON CONFLICT (variant_id, location_id) DO NOTHING "
                    "RETURNING variant_id, id",
                    [shop.pk, location.pk, uuid_array(v.pk for v, _ in part), [c for _, c in part]],
                )
                created.update(cursor.fetchall())
        return created
    StockLevel.objects.bulk_create(
        [StockLevel(shop=shop, variant_id=v.pk, location=location) for v, _ in cleaned],
        batch_size=_CHUNK,
        ignore_conflicts=True,
    )
    return {}


def _fresh_ids(fresh: list[tuple[Variant, int]]) -> dict[Any, Any]:
    """PostgreSQL: {variant id: new level id} for the variants created in this transaction and
    counted nowhere yet; their levels are written by `_copy_fresh` (COPY: cheaper than INSERT ...
    ON CONFLICT for an import's ~100,000). Elsewhere {}: the caller's INSERT ... ON CONFLICT
    creates them."""
    if connection.vendor != "postgresql":
        return {}
    return {variant.pk: uuid4() for variant, _ in fresh}


def _copy_fresh(
    shop: Shop, location: Location, fresh: list[tuple[Variant, int]], ids: dict[Any, Any]
) -> None:
    """The fresh variants' levels, with their count, by COPY. No level of theirs can exist:
    other transactions cannot see the variants. Should one exist all the same (a caller's
    mistake), the unique constraint refuses the COPY (IntegrityError) rather than a count being
    skipped."""
    if not ids:
        return
    shop_id, location_id = copy_text(shop.pk), copy_text(location.pk)
    copy_rows(
        "COPY inventory_stock_level (id, shop_id, variant_id, location_id, on_hand, reserved) "
        "FROM STDIN",
        [
            f"{ids[variant.pk]}\t{shop_id}\t{variant.pk}\t{location_id}\t{count}\t0\n"
            for variant, count in fresh
        ],
    )


def _set_on_hand(changed: list[tuple[Any, int]]) -> None:
    """Set on_hand of locked levels (id, value): one UPDATE ... FROM unnest(...) per chunk on
    PostgreSQL, one UPDATE per level elsewhere (SQLite: development and tests)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for part in _chunks(changed):
                cursor.execute(
                    "UPDATE inventory_stock_level AS l SET on_hand = v.on_hand "
                    "FROM unnest(%s::uuid[], %s::integer[]) AS v(id, on_hand) WHERE l.id = v.id",
                    [uuid_array(level_id for level_id, _ in part), [value for _, value in part]],
                )
        return
    # Elsewhere (SQLite): one statement text for every level, bound to the shop as the scoped
    # manager would bind it, through the driver's executemany (no ORM query per level).
    shop = tenancy.current_shop()
    shop_id = type(shop)._meta.pk.get_db_prep_value(shop.pk, connection)
    prep = StockLevel._meta.pk.get_db_prep_value
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE inventory_stock_level SET on_hand = %s WHERE id = %s AND shop_id = %s",
            [(value, prep(level_id, connection), shop_id) for level_id, value in changed],
        )


def _movements(
    *,
    shop: Shop,
    location: Location,
    actor: Membership,
    note: str,
    changed: list[tuple[Variant, Any, int, int, int]],
) -> None:
    """One "counted" movement per changed level."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        # COPY: the rows' values are sent as they are, instead of being dumped into arrays for an
        # INSERT ... SELECT unnest(...) (most of that statement's time was the arrays' dumping).
        sql = (
            "COPY inventory_stock_movement (id, shop_id, variant_id, location_id, reason, note, "
            "on_hand_change, reserved_change, on_hand_after, reserved_after, actor_id, created_at) "
            "FROM STDIN"
        )
        # Composed as COPY text: every column but the id, the variant and the three counts is
        # the same on each row (escaped once), and psycopg dumps a row value by value.
        shop_id = copy_text(shop.pk)
        middle = "\t".join(copy_text(v) for v in (location.pk, MovementReason.COUNTED.value, note))
        tail = "\t".join(copy_text(v) for v in (actor.user_id, now))
        rows = [
            f"{uuid4()}\t{shop_id}\t{variant.pk}\t{middle}\t{set_to - on_hand}\t0\t{set_to}\t"
            f"{reserved}\t{tail}\n"
            for variant, _, on_hand, reserved, set_to in changed
        ]
        copy_rows(sql, rows)
        return
    insert_many(
        [
            StockMovement(
                shop=shop,
                variant=variant,
                location=location,
                reason=MovementReason.COUNTED,
                note=note,
                on_hand_change=set_to - on_hand,
                reserved_change=0,
                on_hand_after=set_to,
                reserved_after=reserved,
                actor_id=actor.user_id,
                created_at=now,
            )
            for variant, _, on_hand, reserved, set_to in changed
        ]
    )


def _lock_levels(shop: Shop, location: Location, variant_ids: list[Any]) -> list[tuple[Any, ...]]:
    """Lock the location's levels of these variants in variant-id order:
    (level id, variant id, on hand, reserved) each. PostgreSQL: one uuid[] parameter."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, variant_id, on_hand, reserved FROM inventory_stock_level "
                "WHERE variant_id = ANY(%s::uuid[]) AND location_id = %s AND shop_id = %s "
                "ORDER BY variant_id FOR UPDATE",
                [uuid_array(variant_ids), location.pk, shop.pk],
            )
            return list(cursor.fetchall())
    return list(
        StockLevel.objects.select_for_update()
        .filter(location=location, variant_id__in=variant_ids)
        .order_by("variant_id")
        .values_list("id", "variant_id", "on_hand", "reserved")
    )


def _lock_into(
    levels: dict[Any, tuple[Any, int, int]], shop: Shop, location: Location, variant_ids: list[Any]
) -> None:
    """Lock these variants' levels at the location (those that exist) into
    {variant id: (level id, on hand, reserved)}, a chunk at a time in variant-id order."""
    for part in _chunks(variant_ids):
        for level_id, variant_id, on_hand, reserved in _lock_levels(shop, location, list(part)):
            levels[variant_id] = (level_id, on_hand, reserved)


def _lock_and_sum(
    shop: Shop, ids: Sequence[Any]
) -> tuple[list[tuple[Any, int | None, bool]], dict[Any, int]]:
    """Lock the variants in id order ((id, threshold, alerted) each) and sum their levels
    ({id: on hand - reserved}). PostgreSQL: two plain statements with one uuid[] parameter
    (the ORM's IN list of a thousand parameters cost more CPU than the queries)."""
    if connection.vendor == "postgresql":
        array = uuid_array(ids)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, low_stock_threshold, low_stock_alerted FROM catalog_variant "
                "WHERE id = ANY(%s::uuid[]) AND shop_id = %s ORDER BY id FOR UPDATE",
                [array, shop.pk],
            )
            locked = [(pk, threshold, alerted) for pk, threshold, alerted in cursor.fetchall()]
            cursor.execute(
                "SELECT variant_id, coalesce(sum(on_hand), 0) - coalesce(sum(reserved), 0) "
                "FROM inventory_stock_level WHERE variant_id = ANY(%s::uuid[]) AND shop_id = %s "
                "GROUP BY variant_id",
                [array, shop.pk],
            )
            return locked, {pk: int(total) for pk, total in cursor.fetchall()}
    rows = (
        Variant.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "low_stock_threshold", "low_stock_alerted")
    )
    totals = {
        row["variant_id"]: (row["on_hand"] or 0) - (row["reserved"] or 0)
        for row in StockLevel.objects.filter(variant_id__in=ids)
        .order_by()
        .values("variant_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    }
    return list(rows), totals


def _check_low_stock_bulk(
    *, shop: Shop, variants: list[Variant], fresh: dict[Any, int] | None = None
) -> int:
    """`_check_low_stock` for many variants: lock them in id order, sum their levels in one query,
    set or re-arm the alert flag with conditional UPDATEs, alert once per crossing. Returns the
    number of alerts. `fresh` {variant id: count}: variants created in this transaction whose
    only stock is that count; nobody else can see them, so they are neither locked nor summed
    (their threshold and flag are the ones the caller just wrote)."""
    fresh = fresh or {}
    by_id = {v.pk: v for v in variants}
    ids = sorted(by_id, key=str)
    # threshold_of's rule, without entering the shop's scope once per variant (a shop service).
    default = int(shop.low_stock_default)
    alert: list[tuple[Variant, int, int]] = []
    rearm: list[Any] = []
    for part in _chunks(ids):
        to_lock = [pk for pk in part if pk not in fresh]
        locked, totals = _lock_and_sum(shop, to_lock) if to_lock else ([], {})
        flags: dict[Any, bool] = {}
        for pk, threshold, alerted in locked:
            by_id[pk].low_stock_threshold = threshold
            flags[pk] = alerted
        for pk in part:  # id order, as the lock returns them
            variant = by_id[pk]
            if pk in fresh:
                alerted, available = variant.low_stock_alerted, fresh[pk]
            elif pk in flags:
                alerted, available = flags[pk], totals.get(pk, 0)
            else:
                continue
            own = variant.low_stock_threshold
            threshold = default if own is None else int(own)
            if available < threshold and not alerted:
                alert.append((variant, available, threshold))
            elif available >= threshold and alerted:
                rearm.append(pk)
    for part in _chunks(rearm):
        Variant.objects.filter(pk__in=part, low_stock_alerted=True).update(low_stock_alerted=False)
    for pk in rearm:
        by_id[pk].low_stock_alerted = False
    for part in _chunks(alert):
        Variant.objects.filter(pk__in=[v.pk for v, _, _ in part], low_stock_alerted=False).update(
            low_stock_alerted=True
        )
    # The rows are locked by us since the read above: every flag we set was ours to set.
    for variant, _, _ in alert:
        variant.low_stock_alerted = True
    if len(alert) <= ALERTS_ONE_BY_ONE:
        for variant, available, threshold in alert:
            _alert(shop=shop, variant=variant, available=available, threshold=threshold)
    else:
        _alert_summary(shop=shop, alert=alert)
    return len(alert)


def _alert_summary(*, shop: Shop, alert: list[tuple[Variant, int, int]]) -> None:
    """Many variants crossed at once (an import, a stock take): one notification and one
    `stock.low` event listing every one of them, instead of one of each (and one email) per
    variant. Each variant's flag is set as for a single alert, so it alerts again only after
    recovering."""
    skus = ", ".join(variant.sku for variant, _, _ in alert[:20])
    more = f" and {len(alert) - 20:,} more" if len(alert) > 20 else ""
    notify(
        shop=shop,
        kind=LOW_STOCK_KIND,
        permission="catalog.view",
        title=f"Low stock: {len(alert):,} variants",
        body=f"Below their low-stock threshold after a count: {skus}{more}.",
    )
    record(
        shop=shop,
        action=events.STOCK_LOW,
        target_type="shop",
        target_id=str(shop.pk),
        changes={
            "variant_count": len(alert),
            "variants": [
                {
                    "variant": str(variant.pk),
                    "sku": variant.sku,
                    "available": available,
                    "threshold": threshold,
                }
                for variant, available, threshold in alert
            ],
        },
    )


@tenancy.shop_service
def stock_count_bulk(
    *,
    actor: Membership,
    shop: Shop,
    location: Location,
    counts: list[tuple[Variant, int]],
    note: str = "",
    new_variants: Collection[Any] = (),
    savepoint: bool = True,
) -> int:
    """Record counts (units on hand) for many variants at one location. All or nothing: a count
    below the reserved units refuses the whole call. Returns how many levels changed.

    new_variants: ids of variants the caller created in this transaction and has counted nowhere
    yet (a catalog import's new rows): their levels are not looked for (on PostgreSQL they are
    written by COPY), and their low-stock check skips the lock and the sum.

    savepoint=False: the caller's transaction is all or nothing for it (an import's batch), so
    no savepoint of its own: its SAVEPOINT and RELEASE would each wait for the COPYs queued by
    `core.copying.copies_behind()`. An error then marks the caller's transaction for rollback."""
    _require(actor, shop, "inventory.adjust", ("location", str(location.pk)))
    note = str(note).strip()
    if len(note) > NOTE_MAX:
        raise DomainError(f"Keep the note under {NOTE_MAX} characters.", field="note")
    cleaned = _clean(shop, location, counts)
    if not cleaned:
        return 0
    with transaction.atomic(savepoint=savepoint):
        # Existing levels are locked first and only the missing ones inserted: an INSERT ... ON
        # CONFLICT per level that exists (most of them, when counting a stocked catalog) costs
        # more than the lock. A new variant has no level yet: straight to the COPY (PostgreSQL).
        levels: dict[Any, tuple[Any, int, int]] = {}
        known: list[Any] = []
        fresh_pairs: list[tuple[Variant, int]] = []
        for pair in cleaned:
            if pair[0].pk in new_variants:
                fresh_pairs.append(pair)
            else:
                known.append(pair[0].pk)
        _lock_into(levels, shop, location, known)
        created = _fresh_ids(fresh_pairs)  # their levels: _copy_fresh, below
        created.update(
            _create_missing(
                shop,
                location,
                [
                    pair
                    for pair in cleaned
                    if pair[0].pk not in levels and pair[0].pk not in created
                ],
            )
        )
        for variant_id, level_id in created.items():
            levels[variant_id] = (level_id, 0, 0)
        # Created meanwhile by another transaction (the INSERT skipped it; SQLite: every row).
        _lock_into(levels, shop, location, [v.pk for v, _ in cleaned if v.pk not in levels])
        changed: list[tuple[Variant, Any, int, int, int]] = []
        for variant, set_to in cleaned:
            level_id, on_hand, reserved = levels[variant.pk]
            if set_to < reserved:
                raise DomainError(
                    f"{variant.sku}: {reserved} units at {location.name} are reserved "
                    f"for orders: the count cannot be below {reserved}.",
                    field="quantity",
                )
            if set_to != on_hand:
                changed.append((variant, level_id, on_hand, reserved, set_to))
        if not changed:
            _copy_fresh(shop, location, fresh_pairs, created)
            return 0
        _set_on_hand(
            [(c[1], c[4]) for c in changed if c[0].pk not in created]  # new rows hold theirs
        )
        lines = [
            {
                "variant": str(variant.pk),
                "sku": variant.sku,
                "on_hand": {"before": on_hand, "after": set_to},
            }
            for variant, _, on_hand, _, set_to in changed
        ]
        # A level this call inserted for a variant created in this transaction is all its stock.
        fresh = {pk: c[4] for c in changed if (pk := c[0].pk) in created and pk in new_variants}
        alerts = _check_low_stock_bulk(shop=shop, variants=[c[0] for c in changed], fresh=fresh)
        parts = _chunks(lines, AUDIT_LINES_PER_EVENT)
        for number, part in enumerate(parts, 1):
            record(
                shop=shop,
                action=events.STOCK_COUNTED,
                actor=actor.user,
                target_type="location",
                target_id=str(location.pk),
                changes={
                    "location": location.name,
                    "reason": MovementReason.COUNTED,
                    "note": note,
                    "changed": len(lines),
                    "low_stock_alerts": alerts,
                    "part": f"{number}/{len(parts)}",
                    "counts": list(part),
                },
            )
        # The COPYs last: inside copies_behind() (an import) they run while the caller goes on.
        _copy_fresh(shop, location, fresh_pairs, created)
        _movements(shop=shop, location=location, actor=actor, note=note, changed=changed)
    return len(changed)
