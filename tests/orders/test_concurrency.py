"""Concurrent shipping and cancelling on PostgreSQL: each thread has its own connection and
transaction, all released at once. A line is never shipped beyond what was ordered, stock is
committed once per shipped unit, and a cancel racing a shipment leaves one winner."""

from sellsafe.core import tenancy
from sellsafe.orders.models import OrderLine, Shipment
from sellsafe.orders.services import fulfilment, status
from tests.concurrency import POSTGRES_ONLY, run_together
from tests.orders.conftest import fresh, level, lines_of, make_order, make_stock

pytestmark = POSTGRES_ONLY


def test_concurrent_shipments_cannot_over_ship(make_shop):
    shop, owner = make_shop(slug="race")
    variant, location = make_stock(shop, on_hand=10)
    order = make_order(shop, [(variant, location, 3)], status="paid")
    line = lines_of(shop, order)[0]

    def job():
        fulfilment.shipment_create(
            actor=owner,
            shop=shop,
            order=fresh(shop, order),
            carrier="DHL",
            tracking_number="T1",
            lines=[(line, 2)],
        )

    outcomes = run_together([job] * 4)
    assert outcomes.count("ok") == 1
    with tenancy.scope(shop):
        assert OrderLine.objects.get(pk=line.pk).quantity_shipped == 2
        assert Shipment.objects.count() == 1
    assert level(shop, variant, location) == (8, 1)


def test_cancel_racing_a_shipment_has_one_winner(make_shop):
    shop, owner = make_shop(slug="race2")
    variant, location = make_stock(shop, on_hand=10)
    order = make_order(shop, [(variant, location, 2)], status="paid")
    line = lines_of(shop, order)[0]

    def ship():
        fulfilment.shipment_create(
            actor=owner,
            shop=shop,
            order=fresh(shop, order),
            carrier="DHL",
            tracking_number="T1",
            lines=[(line, 1)],
        )

    def cancel():
        status.order_cancel(actor=owner, shop=shop, order=fresh(shop, order), reason="race")

    outcomes = run_together([ship, cancel])
    assert outcomes.count("ok") == 1
    final = fresh(shop, order)
    if outcomes[0] == "ok":
        assert (final.status, final.fulfilment_status) == ("paid", "partial")
        assert level(shop, variant, location) == (9, 1)
    else:
        assert final.status == "cancelled"
        assert level(shop, variant, location) == (10, 0)
