"""Bulk actions on a selection of products: activate, archive, delete drafts, change prices.

A selection is a list of product ids; ids of another shop are simply not found (the scoped
manager). Each action writes one audit event listing the affected ids (capped) and the counts.
A large or steep price change needs a recent re-authentication: a hijacked account selling
everything for nothing is a known attack.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from sellsafe.audit.services import record
from sellsafe.catalog import events
from sellsafe.catalog.models import Product, ProductStatus, Variant
from sellsafe.catalog.selectors import bulk_affected
from sellsafe.catalog.services.common import AUDIT_LIST_MAX, require_edit
from sellsafe.catalog.services.price_range import refresh_price_range
from sellsafe.core import money, tenancy
from sellsafe.core.errors import DomainError, ReauthenticationRequired
from sellsafe.shops.models import Membership, Shop

REAUTH_PRODUCTS = 50  # more products than this in one price change needs re-authentication
REAUTH_DROP = Decimal("0.5")  # so does any price falling by more than half
PERCENT_MAX = Decimal("1000")


def _audit(
    *, shop: Shop, actor: Membership, action: str, ids: list[Any], extra: dict[str, Any]
) -> None:
    record(
        shop=shop,
        action=action,
        actor=actor.user,
        target_type="product",
        target_id="",
        changes={
            "products": [str(pk) for pk in ids[:AUDIT_LIST_MAX]],
            "product_count": len(ids),
            "listed": min(len(ids), AUDIT_LIST_MAX),
            **extra,
        },
    )


def _set_status(*, actor: Membership, shop: Shop, ids: Iterable[Any], status: str) -> int:
    action = "activate" if status == ProductStatus.ACTIVE else "archive"
    require_edit(actor=actor, shop=shop, target=("product", ""))
    with transaction.atomic():
        chosen = list(
            bulk_affected(action, ids)
            .select_for_update()
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not chosen:
            return 0
        Product.objects.filter(pk__in=chosen).update(status=status, updated_at=timezone.now())
        _audit(
            shop=shop,
            actor=actor,
            action=events.BULK_STATUS_CHANGED,
            ids=chosen,
            extra={"status": status},
        )
    return len(chosen)


@tenancy.shop_service
def bulk_activate(*, actor: Membership, shop: Shop, product_ids: list[Any]) -> int:
    return _set_status(actor=actor, shop=shop, ids=product_ids, status=ProductStatus.ACTIVE)


@tenancy.shop_service
def bulk_archive(*, actor: Membership, shop: Shop, product_ids: list[Any]) -> int:
    return _set_status(actor=actor, shop=shop, ids=product_ids, status=ProductStatus.ARCHIVED)


@tenancy.shop_service
def bulk_delete_drafts(*, actor: Membership, shop: Shop, product_ids: list[Any]) -> int:
    """Delete the drafts in the selection; active and archived products are left alone."""
    require_edit(actor=actor, shop=shop, target=("product", ""))
    with transaction.atomic():
        drafts = bulk_affected("delete_drafts", product_ids).select_for_update().order_by("pk")
        rows = list(drafts.values_list("pk", "title"))
        if not rows:
            return 0
        chosen = [pk for pk, _ in rows]
        Product.objects.filter(pk__in=chosen, status=ProductStatus.DRAFT).delete()
        _audit(
            shop=shop,
            actor=actor,
            action=events.BULK_DELETED,
            ids=chosen,
            extra={"titles": [title for _, title in rows[:AUDIT_LIST_MAX]]},
        )
    return len(chosen)


def _parse_change(*, mode: Any, direction: Any, amount: Any, currency: str) -> tuple[str, str, Any]:
    """Check a price change: ("amount", "down", 150) or ("percent", "up", Decimal("12.5"))."""
    if mode not in ("amount", "percent"):
        raise DomainError("Choose an amount or a percentage.", field="mode")
    if direction not in ("up", "down"):
        raise DomainError("Choose whether prices go up or down.", field="direction")
    if mode == "amount":
        try:
            minor = money.parse(amount, currency)
        except money.MoneyError as error:
            raise DomainError(str(error), field="amount") from error
        if minor == 0:
            raise DomainError("Enter an amount above zero.", field="amount")
        return mode, direction, minor
    text = str(amount).strip() if isinstance(amount, str | int) else ""
    try:
        percent = Decimal(text)
    except InvalidOperation:
        percent = Decimal("NaN")
    if (
        not percent.is_finite()
        or percent <= 0
        or len(text) > 10
        or percent != percent.quantize(Decimal("0.01"))
    ):
        raise DomainError(
            "Enter a percentage above zero with at most two decimals, e.g. 10 or 12.5.",
            field="amount",
        )
    if (direction == "down" and percent > 100) or percent > PERCENT_MAX:
        limit = 100 if direction == "down" else PERCENT_MAX
        raise DomainError(f"The percentage can be at most {limit}.", field="amount")
    return mode, direction, percent


def _new_price(old: int, *, mode: str, direction: str, value: Any) -> int:
    """The price after the change: never below zero, never above the money limit."""
    if mode == "amount":
        delta = int(value)
    else:
        delta = int((Decimal(old) * Decimal(value) / 100).quantize(Decimal(1), ROUND_HALF_UP))
    result = old + delta if direction == "up" else old - delta
    return max(0, min(result, money.MAX_MINOR - 1))


def _needs_reauthentication(product_count: int, changes: Iterable[tuple[int, int]]) -> bool:
    if product_count > REAUTH_PRODUCTS:
        return True
    return any(old > 0 and Decimal(new) < Decimal(old) * REAUTH_DROP for old, new in changes)


@tenancy.shop_service
def bulk_price_change(
    *,
    actor: Membership,
    shop: Shop,
    product_ids: list[Any],
    mode: str,
    direction: str,
    amount: Any,
    reauthenticated: bool,
) -> int:
    """Change every variant price of the selected products by an amount or a percentage.
    Returns how many products changed. Raises ReauthenticationRequired past the threshold."""
    require_edit(actor=actor, shop=shop, target=("product", ""))
    mode, direction, value = _parse_change(
        mode=mode, direction=direction, amount=amount, currency=shop.currency
    )
    with transaction.atomic():
        chosen = list(
            bulk_affected("price", product_ids)
            .select_for_update()
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not chosen:
            return 0
        variants = list(
            Variant.objects.select_for_update().filter(product_id__in=chosen).order_by("pk")
        )
        plan = [
            (
                v,
                v.price_minor,
                _new_price(v.price_minor, mode=mode, direction=direction, value=value),
            )
            for v in variants
        ]
        if not reauthenticated and _needs_reauthentication(
            len(chosen), ((old, new) for _, old, new in plan)
        ):
            raise ReauthenticationRequired(
                f"Changing prices of {len(chosen)} products this much needs you to confirm "
                "your password again."
            )
        changed = [(v, old, new) for v, old, new in plan if old != new]
        for v, _old, new in changed:
            v.price_minor = new
        Variant.objects.bulk_update([v for v, _, _ in changed], ["price_minor"], batch_size=500)
        refresh_price_range(product_ids=sorted({v.product_id for v, _, _ in changed}))
        Product.objects.filter(pk__in=chosen).update(updated_at=timezone.now())
        _audit(
            shop=shop,
            actor=actor,
            action=events.BULK_PRICE_CHANGED,
            ids=chosen,
            extra={
                "change": {"mode": mode, "direction": direction, "value": str(value)},
                "variant_count": len(changed),
                "prices": [
                    {"variant": str(v.pk), "sku": v.sku, "before": old, "after": new}
                    for v, old, new in changed[:AUDIT_LIST_MAX]
                ],
                "reauthenticated": reauthenticated,
            },
        )
    return len(chosen)
