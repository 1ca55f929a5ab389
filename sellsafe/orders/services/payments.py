"""The payment provider's webhook: it tells Sellsafe an order was paid. Sellsafe never sees a card.

Contract (docs/payments-returns-refunds.md): header `t=<unix seconds>,v1=<hex HMAC-SHA256>` over
`f"{t}.".encode() + body` with the shop's shared secret; the timestamp within 300 s of now; each
event id handled once per shop (the unique (shop, event_id) row is the proof, so concurrent
duplicate deliveries have one effect). A rejected delivery writes nothing but a rate-limited
audit line, so a flood of forgeries cannot fill the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse

from sellsafe.audit.services import record
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.notifications.services import notify
from sellsafe.orders import events
from sellsafe.orders.models import Order, OrderStatus, WebhookEndpoint, WebhookEvent
from sellsafe.orders.services.common import require, user_of
from sellsafe.orders.services.status import order_mark_paid
from sellsafe.shops.models import Membership, Shop

TOLERANCE_SECONDS = 300
BODY_MAX = 64 * 1024
HEADER_MAX = 1024
SECRET_PREFIX = "whsec_"  # nosec B105 - the prefix of generated secrets, not a secret
EVENT_ID_MAX = 100
PAID_EVENT = "payment.succeeded"
REJECTED_AUDITS_PER_MINUTE = 5
NOTIFY_KIND = "payment_problem"
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
_DIGITS = re.compile(r"\A[0-9]{1,12}\Z")


@dataclass(frozen=True, slots=True)
class WebhookOutcome:
    """What happened; `http_status` is what the provider is told (200 stops its retries)."""

    result: str  # ok, duplicate, unknown_order, amount_mismatch, not_payable, ignored, rejected
    http_status: int


REJECTED = WebhookOutcome("rejected", 400)
NO_ENDPOINT = WebhookOutcome("no_endpoint", 404)


@tenancy.shop_service
def webhook_secret_create(*, shop: Shop, actor: Membership | None = None) -> str:
    """A new shared secret for the shop's provider; older ones stop working at once. Returned
    once: only its ciphertext is stored, and the audit line never contains it."""
    if actor is not None:
        require(actor, shop, "security.manage")
    secret = SECRET_PREFIX + secrets.token_hex(32)
    with transaction.atomic():
        deactivated = WebhookEndpoint.objects.filter(is_active=True).update(is_active=False)
        endpoint = WebhookEndpoint.objects.create(shop=shop, secret=secret, is_active=True)
        record(
            shop=shop,
            action=events.WEBHOOK_SECRET_CREATED,
            actor=user_of(actor),
            target_type="webhook_endpoint",
            target_id=str(endpoint.pk),
            changes={"previous_deactivated": deactivated},
        )
    return secret


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value a provider sends (also what tests and the docs' example compute)."""
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def _mac(secret: str, timestamp: int | str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _parse_header(header: Any) -> tuple[int, list[str]] | None:
    if not isinstance(header, str) or not header or len(header) > HEADER_MAX:
        return None
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return None
        if key == "t":
            if timestamp is not None or not _DIGITS.match(value):
                return None
            timestamp = int(value)
        elif key == "v1" and _HEX64.match(value):
            signatures.append(value)
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


def _reject(shop: Shop, reason: str) -> WebhookOutcome:
    """Audit the rejection, at most a few lines per shop per minute."""
    key = f"webhook-rejected:{shop.pk}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        count = 1
    if count <= REJECTED_AUDITS_PER_MINUTE:
        record(
            shop=shop,
            action=events.WEBHOOK_REJECTED,
            target_type="shop",
            target_id=str(shop.pk),
            changes={"reason": reason, "rate_limited_after": REJECTED_AUDITS_PER_MINUTE},
        )
    return REJECTED


def _verified(shop: Shop, body: bytes, signature_header: Any, now: float) -> str | None:
    """The reason for refusing the delivery, or None when it is authentic and fresh."""
    if not isinstance(body, bytes) or len(body) > BODY_MAX:
        return "body too large"
    parsed = _parse_header(signature_header)
    if parsed is None:
        return "malformed signature header"
    timestamp, signatures = parsed
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return "timestamp outside tolerance"
    for endpoint in WebhookEndpoint.objects.filter(is_active=True):
        expected = _mac(endpoint.secret, timestamp, body)
        # Compare every candidate (no early exit on the first mismatch).
        if any([hmac.compare_digest(expected, candidate) for candidate in signatures]):
            return None
    return "signature mismatch"


def _event(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    event_id, kind, payload = data.get("id"), data.get("type"), data.get("data")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= EVENT_ID_MAX:
        return None
    if not isinstance(kind, str) or not isinstance(payload, dict):
        return None
    return {"id": event_id, "type": kind[:40], "data": payload}


def _problem(shop: Shop, order: Order, title: str, body: str) -> None:
    try:
        link = reverse("console:order", args=[shop.slug, order.pk])
    except NoReverseMatch:
        link = ""
    notify(shop=shop, kind=NOTIFY_KIND, permission="orders.view", title=title, body=body, link=link)


@tenancy.shop_service
def webhook_handle(
    *, shop: Shop, body: bytes, signature_header: str, now: float | None = None
) -> WebhookOutcome:
    """Verify and apply one delivery. Every authentic event is answered 200 (even when it changes
    nothing) so the provider stops retrying; a problem with the money notifies the shop."""
    if not WebhookEndpoint.objects.filter(is_active=True).exists():
        return NO_ENDPOINT
    reason = _verified(shop, body, signature_header, time.time() if now is None else now)
    if reason is not None:
        return _reject(shop, reason)
    event = _event(body)
    if event is None:
        return _reject(shop, "malformed event")
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = WebhookEvent.objects.create(
                    shop=shop, event_id=event["id"], kind=event["type"], outcome="processing"
                )
        except IntegrityError:
            # Already handled (or being handled by a concurrent delivery that holds the row).
            return WebhookOutcome("duplicate", 200)
        order, result = _apply(shop, event)
        WebhookEvent.objects.filter(pk=row.pk).update(order=order, outcome=result)
    return WebhookOutcome(result, 200)


def _apply(shop: Shop, event: dict[str, Any]) -> tuple[Order | None, str]:
    if event["type"] != PAID_EVENT:
        return None, "ignored"
    data = event["data"]
    reference, amount, currency = (
        data.get("order_reference"),
        data.get("amount_minor"),
        data.get("currency"),
    )
    if not isinstance(reference, str) or not reference or len(reference) > 32:
        return None, "unknown_order"
    order = Order.objects.filter(payment_reference=reference).first()
    if order is None:
        return None, "unknown_order"
    if order.status != OrderStatus.PENDING_PAYMENT:
        _problem(
            shop,
            order,
            f"Payment for order #{order.number} arrived, but the order is "
            f"{OrderStatus(order.status).label.lower()}",
            f"Provider event {event['id']}: check the payment and refund it if needed.",
        )
        return order, "not_payable"
    due = order.total_minor - order.paid_minor
    if (
        isinstance(amount, bool)
        or not isinstance(amount, int)
        or amount != due
        or not isinstance(currency, str)
        or currency.upper() != order.currency.upper()
    ):
        _problem(
            shop,
            order,
            f"Payment for order #{order.number} does not match what is due",
            f"Provider event {event['id']}: the amount or currency differs from the order's "
            "outstanding total. The order was not marked paid.",
        )
        return order, "amount_mismatch"
    try:
        order_mark_paid(
            shop=shop, order=order, actor=None, reference=event["id"], method="provider"
        )
    except DomainError:
        # Another request (an expiry, a second event id) moved it first.
        _problem(
            shop,
            order,
            f"Payment for order #{order.number} arrived, but the order changed meanwhile",
            f"Provider event {event['id']}: check the payment and refund it if needed.",
        )
        return order, "not_payable"
    return order, "ok"
