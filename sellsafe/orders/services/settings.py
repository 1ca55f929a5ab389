"""The shop's order settings: payment methods, bank transfer details, flat shipping, unpaid-order
expiry, the refund re-authentication threshold and buyer data retention.

Changing the bank transfer details needs a fresh re-authentication and tells every owner by
email: swapping the account buyers pay into is a classic takeover move.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.tasks import task

from sellsafe.audit.services import record
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError, ReauthenticationRequired
from sellsafe.core.money import MAX_MINOR
from sellsafe.orders import events
from sellsafe.orders.models import PaymentMethod
from sellsafe.orders.services.common import require
from sellsafe.shops.models import Membership, Shop

EXPIRY_MIN, EXPIRY_MAX = 15, 43_200  # 15 minutes .. 30 days
RETENTION_MIN, RETENTION_MAX = 30, 3_650
BANK_DETAILS_MAX = 1_000
FIELDS = (
    "payment_methods",
    "shipping_flat_minor",
    "order_expiry_minutes",
    "refund_reauth_minor",
    "retention_days",
)


def _int(value: Any, *, field: str, low: int, high: int, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError(message, field=field)
    return value


def _methods(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise DomainError("Choose the payment methods to offer.", field="payment_methods")
    chosen = [m for m in PaymentMethod.values if m in set(value)]
    if len(chosen) != len(set(value)):
        raise DomainError("Choose payment methods from the list.", field="payment_methods")
    if not chosen:
        raise DomainError("Offer at least one payment method.", field="payment_methods")
    return chosen


def _bank_details(value: Any) -> str:
    if not isinstance(value, str):
        raise DomainError("Enter the bank details as text.", field="bank_transfer_details")
    text = "\n".join(line.rstrip() for line in value.strip().splitlines())
    if len(text) > BANK_DETAILS_MAX:
        raise DomainError(
            f"Keep the bank details under {BANK_DETAILS_MAX} characters.",
            field="bank_transfer_details",
        )
    if any(ord(c) < 32 and c != "\n" for c in text):
        raise DomainError(
            "Remove the special characters from the bank details.", field="bank_transfer_details"
        )
    return text


@tenancy.shop_service
def order_settings_update(
    *,
    actor: Membership,
    shop: Shop,
    payment_methods: list[str],
    bank_transfer_details: str | None,
    shipping_flat_minor: int,
    order_expiry_minutes: int,
    refund_reauth_minor: int,
    retention_days: int | None,
    reauthenticated: bool,
) -> Shop:
    """Save the order settings. `bank_transfer_details=None` keeps the current details."""
    require(actor, shop, "shop.settings")
    new: dict[str, Any] = {
        "payment_methods": _methods(payment_methods),
        "shipping_flat_minor": _int(
            shipping_flat_minor,
            field="shipping_flat_minor",
            low=0,
            high=MAX_MINOR - 1,
            message="Enter a shipping price of zero or more.",
        ),
        "order_expiry_minutes": _int(
            order_expiry_minutes,
            field="order_expiry_minutes",
            low=EXPIRY_MIN,
            high=EXPIRY_MAX,
            message=f"Enter between {EXPIRY_MIN} and {EXPIRY_MAX:,} minutes.",
        ),
        "refund_reauth_minor": _int(
            refund_reauth_minor,
            field="refund_reauth_minor",
            low=0,
            high=MAX_MINOR - 1,
            message="Enter an amount of zero or more.",
        ),
        "retention_days": None
        if retention_days is None
        else _int(
            retention_days,
            field="retention_days",
            low=RETENTION_MIN,
            high=RETENTION_MAX,
            message=f"Enter between {RETENTION_MIN} and {RETENTION_MAX:,} days, or leave it empty.",
        ),
    }
    details = None if bank_transfer_details is None else _bank_details(bank_transfer_details)
    with transaction.atomic():
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        bank_changed = details is not None and details != locked.bank_transfer_details
        if bank_changed and not reauthenticated:
            raise ReauthenticationRequired(
                "Confirm it is you (enter your password again) before changing the bank details."
            )
        final_details = details if bank_changed else locked.bank_transfer_details
        if "bank_transfer" in new["payment_methods"] and not final_details:
            raise DomainError(
                "Enter the bank details buyers pay into, or turn bank transfer off.",
                field="bank_transfer_details",
            )
        before = {field: getattr(locked, field) for field in FIELDS}
        changed = [field for field in FIELDS if before[field] != new[field]]
        for field in FIELDS:
            setattr(locked, field, new[field])
        update = list(changed)
        if bank_changed and details is not None:
            locked.bank_transfer_details = details
            update.append("bank_transfer_details")
        if not update:
            return locked
        locked.save(update_fields=update)
        record(
            shop=shop,
            action=events.ORDER_SETTINGS_CHANGED,
            actor=actor.user,
            target_type="shop",
            target_id=str(shop.pk),
            changes={
                **{f: {"before": before[f], "after": new[f]} for f in changed},
                "bank_details_changed": bank_changed,
                "reauthenticated": reauthenticated,
            },
        )
        if bank_changed:
            transaction.on_commit(
                lambda: send_bank_details_notice.enqueue(
                    shop_id=str(shop.pk), by_id=str(actor.user_id)
                )
            )
    for field in (*FIELDS, "bank_transfer_details"):
        setattr(shop, field, getattr(locked, field))
    return locked


@task()
def send_bank_details_notice(*, shop_id: str, by_id: str) -> None:
    """Tell every owner (and the person who made the change) that the bank details changed."""
    from sellsafe.accounts import mail
    from sellsafe.accounts.models import User
    from sellsafe.shops import roles

    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        return
    by = User.objects.filter(pk=by_id).first()
    with tenancy.scope(shop):
        owner_ids = set(
            Membership.objects.filter(role__key=roles.OWNER).values_list("user_id", flat=True)
        )
    for user in User.objects.filter(pk__in=owner_ids | {by_id}):
        mail.send_to_user(
            user=user,
            template_prefix="order_settings/email/bank_details_changed",
            context={"shop": shop, "by": by},
        )
