"""Refunds: Sellsafe records money the shop sent back through its own bank or provider.

Never more than was paid: one conditional UPDATE (`refunded + x <= paid`) decides, so concurrent
refunds cannot together exceed the payment (the CHECK constraint is the backstop). A large refund
needs a fresh password; many refunds in a short time alert the owners (a taken-over account
draining the shop through refunds is the attack this watches for) but still go through.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Sum
from django.tasks import task
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from sellsafe.audit.services import record
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError, ReauthenticationRequired
from sellsafe.core.money import MAX_MINOR, format_minor
from sellsafe.notifications.services import notify
from sellsafe.orders import events
from sellsafe.orders.models import Order, Refund, ReturnRequest, ReturnStatus
from sellsafe.orders.services.common import audit, require, same_shop, user_of
from sellsafe.shops import access, roles
from sellsafe.shops.models import Membership, Shop

REASON_MAX = 200
BURST_WINDOW = timedelta(minutes=10)
BURST_COUNT = 5  # more refunds than this in the window...
BURST_REAUTH_MULTIPLE = 5  # ...or more money than 5x the shop's re-authentication threshold
BURST_KIND = "refund_burst"


class RefundReauthenticationRequired(ReauthenticationRequired):
    """A refund above the shop's threshold, without a recent re-authentication."""


def _clean_amount(amount: Any) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount < MAX_MINOR:
        raise DomainError("Enter an amount above zero.", field="amount")
    return amount


def _clean_reason(reason: Any) -> str:
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise DomainError(
            "Say why the money goes back (the buyer does not see this).", field="reason"
        )
    if len(reason) > REASON_MAX:
        raise DomainError(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    return reason


@tenancy.shop_service
def refund_issue(
    *,
    actor: Membership,
    shop: Shop,
    order: Order,
    amount_minor: int,
    reason: str,
    return_request: ReturnRequest | None = None,
    reauthenticated: bool,
) -> Refund:
    """Record a refund of `amount_minor`; raises RefundReauthenticationRequired above the shop's
    threshold unless the person confirmed their password in the last few minutes."""
    require(actor, shop, "orders.refund", order)
    same_shop(shop, order)
    amount = _clean_amount(amount_minor)
    reason = _clean_reason(reason)
    if return_request is not None and return_request.order_id != order.pk:
        raise DomainError("That return belongs to another order.")
    if amount > shop.refund_reauth_minor and not reauthenticated:
        raise RefundReauthenticationRequired(
            f"Refunds above {format_minor(shop.refund_reauth_minor, order.currency)} "
            f"{order.currency} need your password again."
        )
    with transaction.atomic():
        count = Order.objects.filter(
            pk=order.pk, refunded_minor__lte=F("paid_minor") - amount
        ).update(refunded_minor=F("refunded_minor") + amount)
        order.refresh_from_db()
        if count != 1:
            left = order.paid_minor - order.refunded_minor
            raise DomainError(
                f"At most {format_minor(left, order.currency)} {order.currency} of order "
                f"#{order.number} can still be refunded.",
                field="amount",
            )
        refund = Refund.objects.create(
            shop=shop,
            order=order,
            return_request=return_request,
            amount_minor=amount,
            reason=reason,
            created_by=user_of(actor),
        )
        if return_request is not None:
            moved = ReturnRequest.objects.filter(
                pk=return_request.pk, status=ReturnStatus.RECEIVED
            ).update(status=ReturnStatus.REFUNDED, updated_at=timezone.now())
            if moved != 1:
                raise DomainError("Refund a return once it has been received (and only once).")
            return_request.status = ReturnStatus.REFUNDED
        audit(
            shop=shop,
            order=order,
            action=events.REFUND_ISSUED,
            actor=actor,
            changes={
                "amount": amount,
                "currency": order.currency,
                "reason": reason,
                "refunded_total": order.refunded_minor,
                "return": str(return_request.pk) if return_request is not None else "",
                "reauthenticated": reauthenticated,
            },
        )
        _watch_for_burst(shop=shop, actor=actor, currency=order.currency)
        _email_buyer(shop, order, amount)
    return refund


def _email_buyer(shop: Shop, order: Order, amount: int) -> None:
    from sellsafe.orders.emails import queue_buyer_email

    # One email: for a returned parcel the refund is the news (no separate "return refunded").
    queue_buyer_email(shop=shop, order=order, kind="refunded", extra={"amount": amount})


def _watch_for_burst(*, shop: Shop, actor: Membership, currency: str) -> None:
    """Alert once per window when refunds pile up, by this person or across the shop."""
    since = timezone.now() - BURST_WINDOW
    recent = Refund.objects.filter(created_at__gte=since)
    by_shop = recent.aggregate(n=Count("id"), total=Sum("amount_minor"))
    by_actor = recent.filter(created_by=actor.user).aggregate(n=Count("id"))
    limit = BURST_REAUTH_MULTIPLE * shop.refund_reauth_minor
    count, total = by_shop["n"] or 0, by_shop["total"] or 0
    if count <= BURST_COUNT and total <= limit:
        return
    window = int(timezone.now().timestamp() // BURST_WINDOW.total_seconds())
    # First writer in this window wins; the key outlives the window.
    if not cache.add(f"refund-burst:{shop.pk}:{window}", 1, timeout=2 * BURST_WINDOW.seconds):
        return
    amount = f"{format_minor(total, currency)} {currency}"
    notify(
        shop=shop,
        kind=BURST_KIND,
        permission="security.manage",
        title=f"{count} refunds ({amount}) in the last 10 minutes",
        body="Check they are genuine. If not, remove the person's access and change passwords.",
        link=_activity_link(shop),
    )
    record(
        shop=shop,
        action=events.REFUND_BURST,
        actor=actor.user,
        target_type="shop",
        target_id=str(shop.pk),
        changes={
            "refunds": count,
            "total": total,
            "currency": currency,
            "by_this_person": by_actor["n"] or 0,
        },
    )
    shop_id, member_id = str(shop.pk), str(actor.pk)
    transaction.on_commit(
        lambda: send_refund_burst_alert.enqueue(
            shop_id=shop_id, count=count, amount=amount, member_id=member_id
        )
    )


def _activity_link(shop: Shop) -> str:
    try:
        return reverse("console:shop_activity", args=[shop.slug])
    except NoReverseMatch:
        return ""


@task()
def send_refund_burst_alert(*, shop_id: str, count: int, amount: str, member_id: str) -> None:
    """Email the shop's owners about a burst of refunds."""
    from sellsafe.accounts import mail

    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        return
    with tenancy.scope(shop):
        members = list(Membership.objects.select_related("role", "user"))
    owners = [m.user for m in members if m.role.key == roles.OWNER and access.is_active(m)]
    who = next((str(m.user.email) for m in members if str(m.pk) == member_id), "")
    link = _activity_link(shop)
    for user in owners:
        mail.send_to_user(
            user=user,
            template_prefix="returns/email/refund_burst",
            context={
                "shop": shop,
                "count": count,
                "amount": amount,
                "who": who,
                "link": mail.base_url() + link if link else "",
            },
        )
