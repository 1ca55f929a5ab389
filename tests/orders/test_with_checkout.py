"""The console's order work on orders placed by the real checkout service (order_place): found by
the phone as staff type it, shipped, expired when unpaid."""

from datetime import timedelta

import pytest
import time_machine

from sellsafe.catalog.models import Product
from sellsafe.core import tenancy
from sellsafe.inventory.models import StockMovement
from sellsafe.orders import selectors
from sellsafe.orders.services import fulfilment, status
from sellsafe.orders.services.placing import Buyer, CartLine, order_place
from sellsafe.orders.tasks import expire_due
from tests.orders.conftest import fresh, level, lines_of

pytestmark = pytest.mark.django_db

BUYER = Buyer(
    email="Cara.Checkout@Example.com",
    name="Cara Checkout",
    phone="07400 123456",
    address={"line1": "2 Quiet Road", "city": "York", "postcode": "YO1 7HH", "country": "GB"},
)


def place(shop, variant, method, key):
    with tenancy.scope(shop):
        Product.objects.filter(pk=variant.product_id).update(status="active")
    return order_place(
        shop=shop,
        lines=[CartLine(variant_id=variant.pk, quantity=2)],
        buyer=BUYER,
        payment_method=method,
        idempotency_key=key,
    ).order


def test_placed_orders_are_found_shipped_and_expired(shop_with_stock):
    shop, owner, variant, location = shop_with_stock
    transfer = place(shop, variant, "bank_transfer", "k" * 32)
    cod = place(shop, variant, "cod", "c" * 32)
    assert level(shop, variant, location) == (10, 4)

    with tenancy.scope(shop):
        for typed in ("07400 123456", "+44 7400 123456", "cara.checkout@example.com"):
            page = selectors.order_page(
                filters=selectors.OrderFilters(q=typed), region=shop.country
            )
            assert {row.number for row in page.rows} == {transfer.number, cod.number}

    fulfilment.shipment_create(
        actor=owner,
        shop=shop,
        order=cod,
        carrier="Parcelforce",
        tracking_number="PF1",
        lines=[(line, line.quantity) for line in lines_of(shop, cod)],
    )
    assert fresh(shop, cod).status == "fulfilled"
    assert level(shop, variant, location) == (8, 2)

    assert transfer.expires_at is not None
    with time_machine.travel(transfer.expires_at + timedelta(seconds=1)):
        assert expire_due() == 1
    assert fresh(shop, transfer).status == "cancelled"
    assert level(shop, variant, location) == (8, 0)
    status.order_mark_delivered(actor=owner, shop=shop, order=fresh(shop, cod))
    assert fresh(shop, cod).paid_minor == cod.total_minor


def test_the_shops_checkouts_wait_for_one_round_trip_and_the_commit(shop_with_stock):
    """From the order number (the shop row's lock, with the audit chain's head) to COMMIT, the
    shop's other checkouts wait: on PostgreSQL only one more round trip may happen in there."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sellsafe.audit.chain import chain_key, verify_chain
    from sellsafe.audit.models import AuditEvent

    shop, _, variant, _ = shop_with_stock
    first = place(shop, variant, "cod", "q" * 32)  # loads the shop's data key once
    with CaptureQueriesContext(connection) as queries:
        order = place(shop, variant, "cod", "r" * 32)
    sql = [query["sql"] for query in queries.captured_queries]
    locked = next(i for i, text in enumerate(sql) if text.startswith("UPDATE shops_shop"))
    # The test runs in a transaction: the checkout's COMMIT is a RELEASE SAVEPOINT here.
    after = [text for text in sql[locked + 1 :] if "SAVEPOINT" not in text]
    if connection.vendor == "postgresql":
        assert "audit_chain_head" in sql[locked] and "FOR UPDATE" in sql[locked]
        assert len(after) == 1
        assert 'INSERT INTO "orders_order"' in after[0] and "UPDATE audit_chain_head" in after[0]
    assert order.number == first.number + 1
    assert order.payment_reference.startswith(f"SS-{order.number}-")
    with tenancy.scope(shop):
        notes = set(StockMovement.objects.filter(reason="reserved").values_list("note", flat=True))
    assert notes == {f"Order #{first.number}", f"Order #{order.number}"}
    report = verify_chain(chain_key(shop.pk))
    assert report.problem is None  # the order's audit event is chained in
    placed = AuditEvent.objects.filter(shop_id=shop.pk, action="order.placed").latest("seq")
    assert (placed.seq, placed.changes["number"]) == (report.events, order.number)


def test_a_retry_finds_its_order_even_when_it_took_the_last_units(shop_with_stock):
    """No look-up before placing: a retry fails on the unique key or on its own refusal (here:
    its order took every unit), rolls back, and returns the order the key placed."""
    from sellsafe.core.errors import DomainError

    shop, _, variant, location = shop_with_stock
    with tenancy.scope(shop):
        Product.objects.filter(pk=variant.product_id).update(status="active")

    def buy(key, quantity=5):
        return order_place(
            shop=shop,
            lines=[CartLine(variant_id=variant.pk, quantity=quantity)],
            buyer=BUYER,
            payment_method="cod",
            idempotency_key=key,
        )

    first, second = buy("a" * 32), buy("b" * 32)  # 10 units: all reserved
    retry = buy("a" * 32)
    assert (retry.created, retry.order.pk) == (False, first.order.pk)
    assert buy("b" * 32, quantity=1).order.pk == second.order.pk  # a changed cart as well
    with pytest.raises(DomainError):
        buy("c" * 32)  # a new key gets the refusal
    assert level(shop, variant, location) == (10, 10)
    with tenancy.scope(shop):
        assert StockMovement.objects.filter(reason="reserved").count() == 2
