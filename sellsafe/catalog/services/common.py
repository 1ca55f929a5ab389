"""What every catalog service shares: the permission check (refused and audited) and the limits
of what an audit event lists."""

from __future__ import annotations

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
