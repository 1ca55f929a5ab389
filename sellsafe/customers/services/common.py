"""What the customer services share: the permission check (refused and audited), and wiping a
buyer's personal data from an order and from a customer (erase and retention do the same)."""

from __future__ import annotations

from datetime import datetime

from sellsafe.core.errors import NotFound
from sellsafe.customers import events
from sellsafe.customers.models import Customer
from sellsafe.orders.models import Order, OrderNote, ReturnRequest
from sellsafe.shops import access
from sellsafe.shops.models import Membership, Shop
from sellsafe.shops.services.refusals import refuse

CUSTOMER_NOT_FOUND = "That customer was not found in this shop."
ORDER_NOT_FOUND = "That order was not found in this shop."
ORDER_PII_FIELDS = ("buyer_email", "buyer_name", "buyer_phone", "shipping_address", "delivery_note")
CUSTOMER_PII_FIELDS = ("email", "name", "phone", "addresses")


def require(actor: Membership, shop: Shop, code: str, target: tuple[str, str]) -> None:
    """Refuse (and audit the refusal) unless the actor holds `code` in this shop."""
    if actor.shop_id != shop.pk or not access.has_permission(actor, code):
        refuse(
            actor=actor,
            shop=shop,
            reason=f"missing {code}",
            target=target,
            action=events.CUSTOMER_REFUSED,
        )


def same_shop_customer(shop: Shop, customer: Customer) -> None:
    if customer.shop_id != shop.pk:
        raise NotFound(CUSTOMER_NOT_FOUND)


def same_shop_order(shop: Shop, order: Order) -> None:
    if order.shop_id != shop.pk:
        raise NotFound(ORDER_NOT_FOUND)


def anonymise_order(order: Order, *, now: datetime) -> None:
    """Replace the buyer's personal data on the order (and its notes and return reasons) with "".

    Amounts, lines, the number and the destination country stay: the books need them. Encrypted
    fields are assigned on the instance and saved ("" is stored as "", never a token)."""
    for field in ORDER_PII_FIELDS:
        setattr(order, field, "")
    order.buyer_email_index = ""
    order.buyer_phone_index = ""
    order.anonymised_at = now
    order.save(
        update_fields=[*ORDER_PII_FIELDS, "buyer_email_index", "buyer_phone_index", "anonymised_at"]
    )
    for note in OrderNote.objects.filter(order=order).exclude(text=""):
        note.text = ""
        note.save(update_fields=["text"])
    for request in ReturnRequest.objects.filter(order=order).exclude(reason=""):
        request.reason = ""
        request.save(update_fields=["reason"])


def erase_customer_fields(customer: Customer, *, now: datetime) -> None:
    """Replace the customer's personal data and blind indexes with ""; totals stay."""
    for field in CUSTOMER_PII_FIELDS:
        setattr(customer, field, "")
    customer.email_index = ""
    customer.phone_index = ""
    customer.erased_at = now
    customer.save(update_fields=[*CUSTOMER_PII_FIELDS, "email_index", "phone_index", "erased_at"])
