"""Returns and refunds as services: transitions, quantities, restocking once, never refunding
more than was paid, re-authentication above the threshold, the burst alert, permissions."""

import pytest

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError, NotAllowed
from sellsafe.notifications.models import Notification
from sellsafe.orders import events
from sellsafe.orders.models import Order, OrderStatus, Refund, ReturnStatus
from sellsafe.orders.services import refunds, returns
from sellsafe.shops import roles
from tests.inventory.conftest import make_location
from tests.returns.conftest import lines_of, make_order, on_hand

pytestmark = pytest.mark.django_db


def request(shop, order, quantities, actor=None, reason="Too small"):
    lines = lines_of(shop, order)
    return returns.return_request(
        shop=shop,
        order=order,
        lines=[(lines[i], q) for i, q in enumerate(quantities)],
        reason=reason,
        actor=actor,
    )


def fresh(shop, obj):
    with tenancy.scope(shop):
        return type(obj).objects.get(pk=obj.pk)


def test_the_whole_flow_restocks_once_and_refunds(shop_owner, shipped_order, mailoutbox):
    shop, owner = shop_owner
    order = shipped_order
    first, second = lines_of(shop, order)
    stock_before = on_hand(shop, first)
    ret = request(shop, order, [2, 1])
    assert ret.by_buyer and ret.status == ReturnStatus.REQUESTED
    with tenancy.scope(shop):
        note = Notification.objects.get(kind="return_requested")
        assert note.link == f"/s/{shop.slug}/returns/{ret.pk}/" and "Too small" not in note.body
    assert fresh(shop, ret).reason == "Too small"
    returns.return_approve(actor=owner, shop=shop, return_request=ret)
    with tenancy.scope(shop):
        with_lines = list(ret.lines.order_by("quantity"))
    shelf = first.location
    restock = {rl.pk: (rl.line_id == first.pk, shelf) for rl in with_lines}
    returns.return_receive(actor=owner, shop=shop, return_request=ret, restock=restock)
    assert on_hand(shop, first) == stock_before + 2
    assert on_hand(shop, second) == 10 - 1  # not restocked
    assert [line.quantity_returned for line in lines_of(shop, order)] == [2, 1]

    with pytest.raises(DomainError, match="received"):
        returns.return_receive(actor=owner, shop=shop, return_request=ret, restock=restock)
    assert on_hand(shop, first) == stock_before + 2

    with tenancy.scope(shop):
        due = returns.refund_due(ret)
    assert due == 2500
    refunds.refund_issue(
        actor=owner,
        shop=shop,
        order=order,
        amount_minor=due,
        reason="Returned",
        return_request=ret,
        reauthenticated=False,
    )
    assert fresh(shop, ret).status == ReturnStatus.REFUNDED
    assert fresh(shop, order).refunded_minor == 2500
    assert AuditEvent.objects.filter(shop=shop, action=events.REFUND_ISSUED).count() == 1


@pytest.mark.parametrize(
    "path",
    [
        ["receive"],
        ["approve", "approve"],
        ["approve", "reject"],
        ["reject", "approve"],
        ["reject", "receive"],
    ],
)
def test_invalid_transitions_are_refused(shop_owner, shipped_order, path):
    shop, owner = shop_owner
    ret = request(shop, shipped_order, [1, 0])
    actions = {
        "approve": lambda: returns.return_approve(actor=owner, shop=shop, return_request=ret),
        "reject": lambda: returns.return_reject(actor=owner, shop=shop, return_request=ret),
        "receive": lambda: returns.return_receive(
            actor=owner, shop=shop, return_request=ret, restock={}
        ),
    }
    for step in path[:-1]:
        actions[step]()
    with pytest.raises(DomainError, match="cannot be"):
        actions[path[-1]]()


def test_a_refunded_return_cannot_be_refunded_again(shop_owner, shipped_order):
    shop, owner = shop_owner
    ret = request(shop, shipped_order, [1, 0])
    with pytest.raises(DomainError, match="received"):
        refunds.refund_issue(
            actor=owner,
            shop=shop,
            order=shipped_order,
            amount_minor=100,
            reason="x",
            return_request=ret,
            reauthenticated=True,
        )
    assert fresh(shop, shipped_order).refunded_minor == 0


def test_no_more_than_shipped_can_be_returned(shop_owner, shipped_order):
    shop, owner = shop_owner
    with pytest.raises(DomainError, match="At most 2"):
        request(shop, shipped_order, [3, 0])
    request(shop, shipped_order, [1, 0])
    with pytest.raises(DomainError, match="At most 1"):
        request(shop, shipped_order, [2, 0])  # one is already asked for
    with pytest.raises(DomainError, match="at least one"):
        request(shop, shipped_order, [0, 0])
    with pytest.raises(DomainError, match="whole number"):
        request(shop, shipped_order, [-1, 0])
    with pytest.raises(DomainError, match="under 1000"):
        request(shop, shipped_order, [0, 1], reason="x" * 1001)


def test_a_rejected_request_frees_its_units(shop_owner, shipped_order):
    shop, owner = shop_owner
    ret = request(shop, shipped_order, [2, 0])
    returns.return_reject(actor=owner, shop=shop, return_request=ret)
    request(shop, shipped_order, [2, 0])


def test_unshipped_orders_cannot_be_returned(shop_owner):
    shop, owner = shop_owner
    order = make_order(shop, owner, status=OrderStatus.PAID)
    with pytest.raises(DomainError, match="shipped"):
        request(shop, order, [1])


def test_lines_of_another_order_are_refused(shop_owner, shipped_order):
    shop, owner = shop_owner
    other = make_order(shop, owner)
    with pytest.raises(DomainError, match="this order"):
        returns.return_request(
            shop=shop,
            order=shipped_order,
            lines=[(lines_of(shop, other)[0], 1)],
            reason="x",
            actor=None,
        )


def test_restocking_needs_the_stock_permission(shop_owner, shipped_order, add_member):
    shop, owner = shop_owner
    service = add_member(shop, roles.CUSTOMER_SERVICE)
    ret = request(shop, shipped_order, [1, 0], actor=service)
    returns.return_approve(actor=service, shop=shop, return_request=ret)
    first = lines_of(shop, shipped_order)[0]
    with pytest.raises(DomainError, match="stock permission"):
        returns.return_receive(
            actor=service, shop=shop, return_request=ret, restock={first.pk: (True, first.location)}
        )
    returns.return_receive(actor=service, shop=shop, return_request=ret, restock={})
    assert fresh(shop, ret).status == ReturnStatus.RECEIVED


def test_restocking_at_another_shops_location_is_refused(shop_owner, shipped_order, make_shop):
    shop, owner = shop_owner
    other, _ = make_shop(slug="elsewhere")
    foreign = make_location(other)
    ret = request(shop, shipped_order, [1, 0])
    returns.return_approve(actor=owner, shop=shop, return_request=ret)
    first = lines_of(shop, shipped_order)[0]
    with pytest.raises(DomainError, match="goes back"):
        returns.return_receive(
            actor=owner, shop=shop, return_request=ret, restock={first.pk: (True, foreign)}
        )
    assert fresh(shop, ret).status == ReturnStatus.APPROVED
    assert lines_of(shop, shipped_order)[0].quantity_returned == 0


@pytest.mark.parametrize("role_key", [roles.FULFILMENT, roles.ANALYST, roles.CATALOG])
def test_roles_without_refund_cannot_touch_returns_or_refunds(
    shop_owner, shipped_order, add_member, role_key
):
    shop, owner = shop_owner
    member = add_member(shop, role_key)
    with pytest.raises(NotAllowed):
        request(shop, shipped_order, [1, 0], actor=member)
    ret = request(shop, shipped_order, [1, 0])
    with pytest.raises(NotAllowed):
        returns.return_approve(actor=member, shop=shop, return_request=ret)
    with pytest.raises(NotAllowed):
        refunds.refund_issue(
            actor=member,
            shop=shop,
            order=shipped_order,
            amount_minor=100,
            reason="x",
            reauthenticated=True,
        )
    assert fresh(shop, shipped_order).refunded_minor == 0


def test_refunds_never_exceed_what_was_paid(shop_owner, shipped_order):
    shop, owner = shop_owner
    paid = fresh(shop, shipped_order).paid_minor

    def issue(amount):
        return refunds.refund_issue(
            actor=owner,
            shop=shop,
            order=shipped_order,
            amount_minor=amount,
            reason="Goodwill",
            reauthenticated=True,
        )

    issue(paid - 100)
    with pytest.raises(DomainError, match=r"At most 1\.00 GBP"):
        issue(101)
    issue(100)
    with pytest.raises(DomainError, match=r"At most 0\.00"):
        issue(1)
    for bad in (0, -5, True, "10", 10**13):
        with pytest.raises(DomainError, match="above zero"):
            issue(bad)
    assert fresh(shop, shipped_order).refunded_minor == paid
    with tenancy.scope(shop):
        assert Refund.objects.count() == 2


def test_unpaid_orders_cannot_be_refunded(shop_owner):
    shop, owner = shop_owner
    order = make_order(shop, owner, status=OrderStatus.PENDING_PAYMENT)
    with pytest.raises(DomainError, match=r"At most 0\.00"):
        refunds.refund_issue(
            actor=owner, shop=shop, order=order, amount_minor=1, reason="x", reauthenticated=True
        )


def test_large_refunds_need_reauthentication(shop_owner):
    shop, owner = shop_owner
    order = make_order(shop, owner, lines=((20000, 1),))
    with pytest.raises(refunds.RefundReauthenticationRequired):
        refunds.refund_issue(
            actor=owner,
            shop=shop,
            order=order,
            amount_minor=shop.refund_reauth_minor + 1,
            reason="x",
            reauthenticated=False,
        )
    refunds.refund_issue(
        actor=owner,
        shop=shop,
        order=order,
        amount_minor=shop.refund_reauth_minor,
        reason="x",
        reauthenticated=False,
    )


def test_a_burst_of_refunds_alerts_once_per_window(
    shop_owner, add_member, mailoutbox, django_capture_on_commit_callbacks
):
    shop, owner = shop_owner
    service = add_member(shop, roles.CUSTOMER_SERVICE)
    order = make_order(shop, owner, lines=((100, 10),))
    mailoutbox.clear()
    for _ in range(refunds.BURST_COUNT + 3):
        with django_capture_on_commit_callbacks(execute=True):
            refunds.refund_issue(
                actor=service,
                shop=shop,
                order=order,
                amount_minor=10,
                reason="x",
                reauthenticated=False,
            )
    bursts = AuditEvent.objects.filter(shop=shop, action=events.REFUND_BURST)
    assert bursts.count() == 1
    assert bursts.get().changes["refunds"] == refunds.BURST_COUNT + 1
    with tenancy.scope(shop):
        alerts = Notification.objects.filter(kind=refunds.BURST_KIND)
        assert alerts.count() == 1 and alerts.get().permission == "security.manage"
    burst_mail = [m for m in mailoutbox if "refunds in 10 minutes" in m.subject]
    assert [m.to for m in burst_mail] == [[owner.user.email]]
    assert service.user.email in burst_mail[0].body
    # Every refund still went through.
    with tenancy.scope(shop):
        assert Order.objects.get(pk=order.pk).refunded_minor == 10 * (refunds.BURST_COUNT + 3)


def test_a_large_total_alerts_even_with_few_refunds(shop_owner):
    shop, owner = shop_owner
    big = shop.refund_reauth_minor * refunds.BURST_REAUTH_MULTIPLE
    order = make_order(shop, owner, lines=((big + 10, 1),))
    for amount in (big, 10):
        refunds.refund_issue(
            actor=owner,
            shop=shop,
            order=order,
            amount_minor=amount,
            reason="x",
            reauthenticated=True,
        )
    assert AuditEvent.objects.filter(shop=shop, action=events.REFUND_BURST).count() == 1
