"""Refunds and returns under concurrent writers, on PostgreSQL: refunds never exceed the payment,
a return is received (and restocked) once."""

from sellsafe.core import tenancy
from sellsafe.orders.models import Order, Refund
from sellsafe.orders.services import refunds, returns
from tests.concurrency import POSTGRES_ONLY, run_together
from tests.returns.conftest import lines_of, make_order, on_hand

pytestmark = POSTGRES_ONLY


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
