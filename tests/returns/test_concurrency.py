"""Refunds and returns under concurrent writers, on PostgreSQL: refunds never exceed the payment,
a return is received (and restocked) once."""

import threading

import pytest
from django.db import close_old_connections, connection, connections

from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.orders.models import Order, Refund
from sellsafe.orders.services import refunds, returns
from tests.returns.conftest import lines_of, make_order, on_hand

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrent writers need PostgreSQL; run with DATABASE_URL=postgres://...",
    ),
]


def run_together(jobs):
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def worker(index, job):
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            job()
            outcomes[index] = "ok"
        except DomainError as error:
            outcomes[index] = error.message
        except Exception as error:
            outcomes[index] = f"crash: {error!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not [o for o in outcomes if o is None or o.startswith("crash")], outcomes
    return outcomes


def test_concurrent_refunds_never_exceed_the_payment(make_shop):
    shop, owner = make_shop(slug="race-refund")
    order = make_order(shop, owner, lines=((1000, 3),))  # 30.00 paid

    def refund():
        refunds.refund_issue(
            actor=owner, shop=shop, order=order, amount_minor=1000, reason="x", reauthenticated=True
        )

    outcomes = run_together([refund] * 5)
    assert outcomes.count("ok") == 3
    with tenancy.scope(shop):
        assert Order.objects.get(pk=order.pk).refunded_minor == 3000
        assert Refund.objects.count() == 3


def test_concurrent_receives_restock_once(make_shop):
    shop, owner = make_shop(slug="race-return")
    order = make_order(shop, owner, lines=((1000, 2),))
    line = lines_of(shop, order)[0]
    ret = returns.return_request(shop=shop, order=order, lines=[(line, 2)], reason="x", actor=None)
    returns.return_approve(actor=owner, shop=shop, return_request=ret)
    before = on_hand(shop, line)

    def receive():
        with tenancy.scope(shop):
            mine = returns.return_by_id(ret.pk)
            rl = mine.lines.get()
        returns.return_receive(
            actor=owner, shop=shop, return_request=mine, restock={rl.pk: (True, line.location)}
        )

    outcomes = run_together([receive] * 3)
    assert outcomes.count("ok") == 1
    assert on_hand(shop, line) == before + 2
    assert lines_of(shop, order)[0].quantity_returned == 2


def test_concurrent_buyer_requests_cannot_ask_for_more_than_shipped(make_shop):
    shop, owner = make_shop(slug="race-request")
    order = make_order(shop, owner, lines=((1000, 2),))
    line = lines_of(shop, order)[0]

    def ask():
        returns.return_request(shop=shop, order=order, lines=[(line, 2)], reason="x", actor=None)

    outcomes = run_together([ask] * 3)
    assert outcomes.count("ok") == 1
