"""The payment webhook: only authentic, fresh deliveries change anything; each event id counts
once; the money must match what is due; rejections are audited but rate-limited."""

import io
import json
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.notifications.models import Notification
from sellsafe.orders import events
from sellsafe.orders.models import Order, OrderStatus, Payment, WebhookEndpoint, WebhookEvent
from sellsafe.orders.services.payments import (
    REJECTED_AUDITS_PER_MINUTE,
    sign,
    webhook_handle,
    webhook_secret_create,
)
from tests.returns.conftest import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(shop_owner):
    shop, owner = shop_owner
    order = make_order(shop, owner, status=OrderStatus.PENDING_PAYMENT, lines=((1250, 2),))
    with tenancy.scope(shop):
        Order.objects.filter(pk=order.pk).update(expires_at="2099-01-01T00:00:00Z")
    secret = webhook_secret_create(shop=shop)
    return shop, order, secret


def body_for(order, *, event_id="evt_1", amount=None, currency="GBP", kind="payment.succeeded"):
    return json.dumps(
        {
            "id": event_id,
            "type": kind,
            "data": {
                "order_reference": order.payment_reference,
                "amount_minor": order.total_minor if amount is None else amount,
                "currency": currency,
            },
        }
    ).encode()


def post(client, shop, body, header):
    extra = {"HTTP_SELLSAFE_SIGNATURE": header} if header is not None else {}
    return client.post(
        reverse("hooks:payment_webhook", args=[shop.slug]),
        data=body,
        content_type="application/json",
        **extra,
    )


def state(shop, order):
    with tenancy.scope(shop):
        fresh = Order.objects.get(pk=order.pk)
        return (
            fresh.status,
            fresh.paid_minor,
            Payment.objects.count(),
            WebhookEvent.objects.count(),
        )


def test_an_authentic_delivery_marks_the_order_paid(client, pending):
    shop, order, secret = pending
    body = body_for(order)
    response = post(client, shop, body, sign(secret, body, int(time.time())))
    assert response.status_code == 200
    assert response.json() == {"received": True}
    with tenancy.scope(shop):
        fresh = Order.objects.get(pk=order.pk)
        assert fresh.status == OrderStatus.PAID
        assert fresh.paid_minor == fresh.total_minor
        assert fresh.expires_at is None
        payment = Payment.objects.get()
        assert (payment.method, payment.reference) == ("provider", "evt_1")
        assert WebhookEvent.objects.get().outcome == "ok"


def _bad_deliveries(shop, order, secret, other_secret):
    body = body_for(order)
    now = int(time.time())
    return {
        "wrong secret": (body, sign("whsec_" + "0" * 64, body, now)),
        "other shop's secret": (body, sign(other_secret, body, now)),
        "tampered body": (body.replace(b"evt_1", b"evt_2"), sign(secret, body, now)),
        "missing header": (body, None),
        "empty header": (body, ""),
        "malformed header": (body, "v1=abc,t=xyz"),
        "no v1": (body, f"t={now}"),
        "old timestamp": (body, sign(secret, body, now - 360)),
        "future timestamp": (body, sign(secret, body, now + 360)),
        "huge header": (body, "t=1," + "v1=" + "a" * 5000),
        "too large": (b" " * (64 * 1024 + 1), sign(secret, b" " * (64 * 1024 + 1), now)),
    }


def test_every_bad_delivery_is_rejected_the_same_way_and_changes_nothing(
    client, pending, make_shop
):
    shop, order, secret = pending
    other, _ = make_shop(slug="other-shop")
    other_secret = webhook_secret_create(shop=other)
    before = state(shop, order)
    bodies = set()
    for name, (body, header) in _bad_deliveries(shop, order, secret, other_secret).items():
        response = post(client, shop, body, header)
        assert response.status_code == 400, name
        bodies.add(response.content)
        assert state(shop, order) == before, name
    assert len(bodies) == 1
    rejected = AuditEvent.objects.filter(shop=shop, action=events.WEBHOOK_REJECTED)
    # A flood is audited a few times per minute, not once per request.
    assert 1 <= rejected.count() <= REJECTED_AUDITS_PER_MINUTE


def test_a_signed_but_malformed_event_is_rejected(pending):
    shop, order, secret = pending
    for body in (b"not json", b"[]", b'{"id": 5}', json.dumps({"id": "x" * 101}).encode()):
        outcome = webhook_handle(
            shop=shop, body=body, signature_header=sign(secret, body, int(time.time()))
        )
        assert outcome.result == "rejected"
    assert state(shop, order)[0] == OrderStatus.PENDING_PAYMENT


def test_a_replayed_event_is_a_duplicate_and_changes_nothing(client, pending):
    shop, order, secret = pending
    body = body_for(order)
    header = sign(secret, body, int(time.time()))
    assert post(client, shop, body, header).status_code == 200
    after_first = state(shop, order)
    again = post(client, shop, body, header)
    assert again.status_code == 200
    assert state(shop, order) == after_first
    assert webhook_handle(shop=shop, body=body, signature_header=header).result == "duplicate"
    with tenancy.scope(shop):
        assert Payment.objects.count() == 1


def test_the_amount_and_currency_must_match_what_is_due(pending):
    shop, order, secret = pending
    now = int(time.time())
    for n, (amount, currency) in enumerate([(order.total_minor - 1, "GBP"), (None, "EUR")]):
        body = body_for(order, event_id=f"evt_m{n}", amount=amount, currency=currency)
        outcome = webhook_handle(shop=shop, body=body, signature_header=sign(secret, body, now))
        assert (outcome.result, outcome.http_status) == ("amount_mismatch", 200)
    status, paid, payments, handled = state(shop, order)
    assert (status, paid, payments, handled) == (OrderStatus.PENDING_PAYMENT, 0, 0, 2)
    with tenancy.scope(shop):
        notes = Notification.objects.filter(permission="orders.view")
        assert notes.count() == 2
        assert all(f"#{order.number}" in n.title for n in notes)
        assert all(n.link == f"/s/{shop.slug}/orders/{order.pk}/" for n in notes)


def test_unknown_orders_and_other_event_types_are_acknowledged(pending, shop_owner):
    shop, order, secret = pending
    now = int(time.time())
    body = json.dumps(
        {"id": "evt_u", "type": "payment.succeeded", "data": {"order_reference": "NOPE"}}
    ).encode()
    assert webhook_handle(
        shop=shop, body=body, signature_header=sign(secret, body, now)
    ).result == ("unknown_order")
    body = body_for(order, event_id="evt_r", kind="payment.refunded")
    assert webhook_handle(
        shop=shop, body=body, signature_header=sign(secret, body, now)
    ).result == ("ignored")
    assert state(shop, order)[0] == OrderStatus.PENDING_PAYMENT


def test_a_payment_for_an_order_that_is_not_pending_is_reported(pending):
    shop, order, secret = pending
    now = int(time.time())
    body = body_for(order)
    webhook_handle(shop=shop, body=body, signature_header=sign(secret, body, now))
    body = body_for(order, event_id="evt_again")
    outcome = webhook_handle(shop=shop, body=body, signature_header=sign(secret, body, now))
    assert outcome.result == "not_payable"
    with tenancy.scope(shop):
        assert Payment.objects.count() == 1
        assert Notification.objects.filter(title__contains="arrived").count() == 1


def test_unknown_shop_or_no_secret_is_404_and_get_is_refused(client, shop_owner, pending):
    shop, order, secret = pending
    body = body_for(order)
    header = sign(secret, body, int(time.time()))
    assert post(client, type("S", (), {"slug": "nope"}), body, header).status_code == 404
    with tenancy.scope(shop):
        WebhookEndpoint.objects.update(is_active=False)
    assert post(client, shop, body, header).status_code == 404
    assert client.get(reverse("hooks:payment_webhook", args=[shop.slug])).status_code == 405


def test_a_new_secret_replaces_the_old_one_and_is_never_logged(pending):
    shop, order, old = pending
    new = webhook_secret_create(shop=shop)
    body = body_for(order)
    now = int(time.time())
    assert webhook_handle(shop=shop, body=body, signature_header=sign(old, body, now)).result == (
        "rejected"
    )
    assert webhook_handle(shop=shop, body=body, signature_header=sign(new, body, now)).result == (
        "ok"
    )
    created = AuditEvent.objects.filter(shop=shop, action=events.WEBHOOK_SECRET_CREATED)
    assert created.count() == 2
    assert not any(new in json.dumps(e.changes) or old in json.dumps(e.changes) for e in created)
    with tenancy.scope(shop):
        assert [e.secret for e in WebhookEndpoint.objects.filter(is_active=True)] == [new]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM orders_webhook_endpoint")
        assert all(new not in row[0] for row in cursor.fetchall())


def test_the_command_prints_a_secret_that_verifies(pending):
    shop, order, _ = pending
    out = io.StringIO()
    call_command("payments", "webhook-secret", "--shop", shop.slug, stdout=out)
    text = out.getvalue()
    secret = next(word for word in text.split() if word.startswith("whsec_"))
    assert f"/hooks/payments/{shop.slug}/" in text
    assert "t=<unix seconds>,v1=" in text
    body = body_for(order)
    outcome = webhook_handle(
        shop=shop, body=body, signature_header=sign(secret, body, int(time.time()))
    )
    assert outcome.result == "ok"


def test_the_tolerance_is_300_seconds_both_ways(pending):
    shop, order, secret = pending
    body = body_for(order)
    t = 1_800_000_000
    header = sign(secret, body, t)
    for now in (t - 301, t + 301):
        assert webhook_handle(shop=shop, body=body, signature_header=header, now=now).result == (
            "rejected"
        )
    assert webhook_handle(shop=shop, body=body, signature_header=header, now=t + 300).result == (
        "ok"
    )


def test_the_command_refuses_an_unknown_shop(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No shop"):
        call_command("payments", "webhook-secret", "--shop", "nope", stdout=io.StringIO())
