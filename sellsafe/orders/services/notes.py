"""Staff notes on an order: encrypted at rest (buyers' details end up in them), audited without
their text."""

from __future__ import annotations

from django.db import transaction

from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.orders import events
from sellsafe.orders.models import Order, OrderNote
from sellsafe.orders.services.common import audit, same_shop, user_of
from sellsafe.shops import access
from sellsafe.shops.models import Membership, Shop
from sellsafe.shops.services.refusals import refuse

NOTE_MAX = 2000
NOTE_CODES = ("orders.fulfil", "orders.refund")


def can_add_note(*, actor: Membership) -> bool:
    return any(access.has_permission(actor, code) for code in NOTE_CODES)


@tenancy.shop_service
def order_note_add(*, actor: Membership, shop: Shop, order: Order, text: str) -> OrderNote:
    """Add a note (whoever packs or answers the buyer may write one)."""
    if actor.shop_id != shop.pk or not can_add_note(actor=actor):
        refuse(
            actor=actor,
            shop=shop,
            reason="missing orders.fulfil or orders.refund",
            target=("order", str(order.pk)),
            action=events.ORDER_REFUSED,
        )
    same_shop(shop, order)
    text = str(text or "").strip().replace("\x00", "")
    if not text:
        raise DomainError("Write the note first.", field="text")
    if len(text) > NOTE_MAX:
        raise DomainError(f"Keep a note under {NOTE_MAX:,} characters.", field="text")
    with transaction.atomic():
        note = OrderNote.objects.create(shop=shop, order=order, author=user_of(actor), text=text)
        audit(
            shop=shop,
            order=order,
            action=events.ORDER_NOTE_ADDED,
            actor=actor,
            changes={"note": str(note.pk), "length": len(text)},
        )
    return note
