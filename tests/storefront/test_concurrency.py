"""Checkouts racing for the last units, and double submits racing each other, on PostgreSQL with
real threads (each its own connection and transaction, released together)."""

from sellsafe.core import tenancy
from sellsafe.customers.models import Customer
from sellsafe.inventory.models import StockLevel
from sellsafe.orders.models import Order
from sellsafe.orders.services.placing import CartLine, order_place
from tests.concurrency import POSTGRES_ONLY, run_together
from tests.storefront.test_hostile import buyer

pytestmark = POSTGRES_ONLY


def test_ten_buyers_three_units_exactly_three_orders(make_shop):
    from tests.storefront.conftest import make_store

    store = make_store(make_shop, units=3)

    def buy(n):
        return lambda: (
            order_place(
                shop=store.shop,
                lines=[CartLine(str(store.variant.pk), 1)],
                buyer=buyer(email=f"buyer{n}@example.org"),
                payment_method="cod",
                idempotency_key=f"key-{n:04d}-abcdefghijklmnop",
            ).order.number
        )

    outcomes = run_together([buy(n) for n in range(10)], results=True)
    numbers = [o for o in outcomes if isinstance(o, int)]
    refusals = [o for o in outcomes if not isinstance(o, int)]
    assert len(numbers) == 3, outcomes
    assert sorted(numbers) == [1001, 1002, 1003]
    assert all("sold out" in r for r in refusals), outcomes
    with tenancy.scope(store.shop):
        assert Order.objects.count() == 3
        level = StockLevel.objects.get()
        assert (level.on_hand, level.reserved) == (3, 3)
        assert Customer.objects.count() == 3


def test_same_key_racing_makes_one_order(make_shop):
    from tests.storefront.conftest import make_store

    store = make_store(make_shop, units=10)

    def submit():
        result = order_place(
            shop=store.shop,
            lines=[CartLine(str(store.variant.pk), 1)],
            buyer=buyer(),
            payment_method="cod",
            idempotency_key="same-key-abcdefghijklmnop",
        )
        return str(result.order.pk)

    outcomes = run_together([submit] * 5, results=True)
    assert len(set(outcomes)) == 1, outcomes
    with tenancy.scope(store.shop):
        assert Order.objects.count() == 1
        assert StockLevel.objects.get().reserved == 1
        assert Customer.objects.get().orders_count == 1


def test_one_buyer_many_orders_at_once_one_customer(make_shop):
    from tests.storefront.conftest import make_store

    store = make_store(make_shop, units=10)

    def buy(n):
        return lambda: (
            order_place(
                shop=store.shop,
                lines=[CartLine(str(store.variant.pk), 1)],
                buyer=buyer(),
                payment_method="cod",
                idempotency_key=f"cust-{n:04d}-abcdefghijklmnop",
            ).order.number
        )

    outcomes = run_together([buy(n) for n in range(4)], results=True)
    assert all(isinstance(o, int) for o in outcomes), outcomes
    with tenancy.scope(store.shop):
        assert Customer.objects.get().orders_count == 4
