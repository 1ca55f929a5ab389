"""The console's order work on orders placed by the real checkout service (order_place): found by
the phone as staff type it, shipped, expired when unpaid."""

from datetime import timedelta

import pytest
import time_machine

from sellsafe.catalog.models import Product
from sellsafe.core import tenancy
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
