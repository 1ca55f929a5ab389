"""Concurrent duplicate deliveries of one event, on PostgreSQL: exactly one payment."""

import json
import time

from sellsafe.core import tenancy
from sellsafe.orders.models import Order, OrderStatus, Payment, WebhookEvent
from sellsafe.orders.services.payments import sign, webhook_handle, webhook_secret_create
from tests.concurrency import POSTGRES_ONLY, run_together
from tests.returns.conftest import make_order

pytestmark = POSTGRES_ONLY


def test_concurrent_duplicate_deliveries_have_one_effect(make_shop):
    shop, owner = make_shop(slug="race-pay")
    order = make_order(shop, owner, status=OrderStatus.PENDING_PAYMENT, lines=((700, 3),))
    secret = webhook_secret_create(shop=shop)
    body = json.dumps(
        {
            "id": "evt_race",
            "type": "payment.succeeded",
            "data": {
                "order_reference": order.payment_reference,
                "amount_minor": order.total_minor,
                "currency": "GBP",
            },
        }
    ).encode()
    header = sign(secret, body, int(time.time()))

    def deliver():
        return webhook_handle(shop=shop, body=body, signature_header=header).result

    results = run_together([deliver] * 4, results=True)
    assert sorted(results) == ["duplicate", "duplicate", "duplicate", "ok"], results
    with tenancy.scope(shop):
        assert Payment.objects.count() == 1
        assert WebhookEvent.objects.count() == 1
        assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
