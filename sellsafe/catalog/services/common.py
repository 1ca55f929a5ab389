"""What every catalog service shares: the permission check (refused and audited) and the limits
of what an audit event lists."""

from __future__ import annotations

from typing import Any

from sellsafe.catalog import events
from sellsafe.shops import access
from sellsafe.shops.models import Membership, Shop
from sellsafe.shops.services.refusals import refuse

EDIT = "catalog.edit"
# An audit event lists at most this many product ids or price lines; counts are always complete.
AUDIT_LIST_MAX = 100


def require_edit(*, actor: Membership, shop: Shop, target: tuple[str, str]) -> None:
    """Refuse (and audit the refusal) unless the actor may edit this shop's catalog."""
    if actor.shop_id != shop.pk or not access.has_permission(actor, EDIT):
        refuse(
            actor=actor,
            shop=shop,
            reason=f"missing {EDIT}",
            target=target,
            action=events.CATALOG_REFUSED,
        )


def price_change(
    old: Any, *, sku: str, price_minor: int, compare_at_minor: int | None
) -> dict[str, Any] | None:
    """The audited before/after of one variant's prices, or None when they did not change."""
    if old.price_minor == price_minor and old.compare_at_minor == compare_at_minor:
        return None
    return {
        "variant": str(old.pk),
        "sku": sku,
        "price": {"before": old.price_minor, "after": price_minor},
        "compare_at": {"before": old.compare_at_minor, "after": compare_at_minor},
    }
