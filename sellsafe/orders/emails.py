"""Emails to buyers about their order: confirmation, shipped, refunded, return update.

`queue_buyer_email` queues the task so that it exists only if the caller's transaction commits:
with the database task queue, in that transaction (one commit, and no order without its email);
with any other queue, after the commit. The task carries ids (never the buyer's data, which would sit in the task queue in plain text), loads the order inside its shop's
scope and sends. Every email carries the buyer's private order link.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.tasks import task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from sellsafe.accounts import mail
from sellsafe.core import tenancy
from sellsafe.core.money import format_minor
from sellsafe.orders import links
from sellsafe.orders.models import Order, OrderStatus, PaymentMethod
from sellsafe.shops.models import Shop

# The kinds of email and the extra values each may carry (anything else is dropped).
KINDS: dict[str, frozenset[str]] = {
    "confirmation": frozenset(),
    "shipped": frozenset({"carrier", "tracking"}),
    "refunded": frozenset({"amount"}),
    "return_update": frozenset({"status"}),
}
EXTRA_MAX = 200


def _clean_extra(kind: str, extra: dict[str, Any] | None) -> dict[str, str | int]:
    clean: dict[str, str | int] = {}
    for key, value in (extra or {}).items():
        if key not in KINDS[kind]:
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            clean[key] = value
        else:
            clean[key] = str(value)[:EXTRA_MAX]
    return clean


def queue_buyer_email(
    *, shop: Shop, order: Order, kind: str, extra: dict[str, Any] | None = None
) -> None:
    """Send the buyer an email of `kind` once the current transaction commits."""
    if kind not in KINDS:
        raise ValueError(f"Unknown buyer email kind: {kind}")
    shop_id, order_id, payload = str(shop.pk), str(order.pk), _clean_extra(kind, extra)

    def enqueue() -> None:
        send_buyer_email.enqueue(shop_id=shop_id, order_id=order_id, kind=kind, extra=payload)

    if queue_in_transaction():
        enqueue()  # the task row commits with the order, or not at all
    else:
        transaction.on_commit(enqueue)


def queue_in_transaction() -> bool:
    """Whether tasks enqueued now become visible only when the current transaction commits: the
    database task backend on the default database, inside a transaction. Any other queue (RQ)
    would let a worker start before the order exists, so those wait for the commit."""
    backend = send_buyer_email.get_backend()
    return (
        isinstance(backend, DatabaseBackend)
        and router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS
        and transaction.get_connection().in_atomic_block
    )


@task()
def send_buyer_email(*, shop_id: str, order_id: str, kind: str, extra: dict[str, Any]) -> None:
    if kind not in KINDS:
        return
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        return
    with tenancy.scope(shop):
        order = Order.objects.filter(pk=order_id).first()
        if order is None or not order.buyer_email or order.anonymised_at is not None:
            return
        lines = list(order.lines.all())
        amount = extra.get("amount")
        context = {
            "shop": shop,
            "order": order,
            "lines": lines,
            "extra": extra,
            "order_link": mail.base_url() + links.order_url(order),
            "total": format_minor(order.total_minor, order.currency),
            "amount": format_minor(amount, order.currency) if isinstance(amount, int) else "",
            "awaiting_transfer": (
                order.payment_method == PaymentMethod.BANK_TRANSFER
                and order.status == OrderStatus.PENDING_PAYMENT
            ),
            "bank_transfer_details": shop.bank_transfer_details,
        }
        mail.send_to_address(
            email=order.buyer_email, template_prefix=f"orders/email/{kind}", context=context
        )
