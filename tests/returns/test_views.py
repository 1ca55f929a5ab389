"""Return and refund pages: the role matrix, tenant isolation for every new URL, the buyer's
return form behind their order link, and the re-authentication flow for large refunds."""

import uuid

import pytest
from django.urls import reverse

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.orders import links
from sellsafe.orders.models import Order, Refund, ReturnRequest, ReturnStatus
from sellsafe.orders.services import returns
from sellsafe.shops import events as shop_events
from sellsafe.shops import roles
from tests.returns.conftest import lines_of, make_order, on_hand

pytestmark = pytest.mark.django_db

# (url name, object the URL needs, permission, method)
PAGES = [
    ("returns", None, "orders.view", "get"),
    ("return_detail", "return", "orders.view", "get"),
    ("return_approve", "return", "orders.refund", "post"),
    ("return_reject", "return", "orders.refund", "post"),
    ("return_receive", "return", "orders.refund", "post"),
    ("order_return_new", "order", "orders.refund", "get"),
    ("order_refund_new", "order", "orders.refund", "get"),
]


def url(shop, name, *args):
    return reverse(f"console:{name}", args=[shop.slug, *args])


@pytest.fixture
def requested(shop_owner, shipped_order):
    shop, owner = shop_owner
    lines = lines_of(shop, shipped_order)
    ret = returns.return_request(
        shop=shop, order=shipped_order, lines=[(lines[0], 1)], reason="Too big", actor=None
    )
    return shop, owner, shipped_order, ret


def test_pages_cover_every_return_url():
    from sellsafe.console import return_urls

    assert {p.name for p in return_urls.urlpatterns} == {name for name, *_ in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("role_key", [r.key for r in roles.BUILTIN_ROLES])
def test_each_role_gets_exactly_the_pages_its_codes_allow(
    requested, add_member, browser, role_key, page
):
    name, needs, permission, method = page
    shop, owner, order, ret = requested
    objects = {"order": order.pk, "return": ret.pk}
    client = browser(add_member(shop, role_key).user)
    denied = AuditEvent.objects.filter(shop=shop, action=shop_events.ACCESS_DENIED)
    before = denied.count()

    response = getattr(client, method)(url(shop, name, *([objects[needs]] if needs else [])))

    if permission in roles.BY_KEY[role_key].codes:
        assert response.status_code in ({200} if method == "get" else {302, 400}), role_key
    else:
        assert response.status_code == 404
        assert denied.count() == before + 1


@pytest.mark.parametrize("page", PAGES, ids=[p[0] for p in PAGES])
def test_other_shops_ids_are_404(requested, make_shop, browser, page):
    name, needs, _, method = page
    if needs is None:
        return
    shop, owner, order, ret = requested
    other, other_owner = make_shop(slug="other-returns")
    foreign = {"order": order.pk, "return": ret.pk}[needs]
    client = browser(other_owner.user)
    # Another shop's id under my own shop: not found. A random id: not found.
    assert getattr(client, method)(url(other, name, foreign)).status_code == 404
    assert getattr(client, method)(url(other, name, uuid.uuid4())).status_code == 404
    with tenancy.scope(shop):
        assert ReturnRequest.objects.get(pk=ret.pk).status == ReturnStatus.REQUESTED


def test_staff_run_a_return_from_request_to_refund(requested, browser):
    shop, owner, order, ret = requested
    client = browser(owner.user)
    page = client.get(url(shop, "return_detail", ret.pk))
    assert b"Too big" in page.content
    assert client.post(url(shop, "return_approve", ret.pk)).status_code == 302
    with tenancy.scope(shop):
        rl = ret.lines.get()
    first = lines_of(shop, order)[0]
    before = on_hand(shop, first)
    response = client.post(
        url(shop, "return_receive", ret.pk),
        {f"restock_{rl.pk}": "on", f"location_{rl.pk}": str(first.location_id)},
    )
    assert response.status_code == 302
    assert on_hand(shop, first) == before + 1
    # A second receive is refused with a message, nothing moves.
    client.post(
        url(shop, "return_receive", ret.pk),
        {f"restock_{rl.pk}": "on", f"location_{rl.pk}": str(first.location_id)},
    )
    assert on_hand(shop, first) == before + 1
    form = client.get(url(shop, "order_refund_new", order.pk) + f"?return={ret.pk}")
    assert b'value="10.00"' in form.content
    response = client.post(
        url(shop, "order_refund_new", order.pk),
        {"amount": "10.00", "reason": "Items returned", "return": str(ret.pk)},
    )
    assert response.status_code == 302
    with tenancy.scope(shop):
        assert ReturnRequest.objects.get(pk=ret.pk).status == ReturnStatus.REFUNDED


def test_the_receive_form_refuses_another_shops_location(requested, browser, make_shop):
    from tests.inventory.conftest import make_location

    shop, owner, order, ret = requested
    returns.return_approve(actor=owner, shop=shop, return_request=ret)
    other, _ = make_shop(slug="far-away")
    foreign = make_location(other)
    with tenancy.scope(shop):
        rl = ret.lines.get()
    response = browser(owner.user).post(
        url(shop, "return_receive", ret.pk),
        {f"restock_{rl.pk}": "on", f"location_{rl.pk}": str(foreign.pk)},
    )
    assert response.status_code == 400
    with tenancy.scope(shop):
        assert ReturnRequest.objects.get(pk=ret.pk).status == ReturnStatus.APPROVED


def test_staff_create_a_return_and_hostile_input_is_a_form_error(shop_owner, browser):
    shop, owner = shop_owner
    order = make_order(shop, owner, lines=((1000, 2),))
    line = lines_of(shop, order)[0]
    client = browser(owner.user)
    new = url(shop, "order_return_new", order.pk)
    for bad in ({f"qty_{line.pk}": "3", "reason": "x"}, {f"qty_{line.pk}": "1e9", "reason": "x"}):
        assert client.post(new, bad).status_code == 400
    response = client.post(new, {f"qty_{line.pk}": "abc", "reason": "x" * 5000})
    assert response.status_code == 400
    assert client.post(new, {f"qty_{line.pk}": "0", "reason": "x"}).status_code == 400
    assert client.post(new, {f"qty_{line.pk}": "2", "reason": "Broken"}).status_code == 302
    with tenancy.scope(shop):
        assert ReturnRequest.objects.get().by_buyer is False


@pytest.mark.parametrize("amount", ["-1", "1.234", "abc", "99999999999999", "", "0"])
def test_refund_form_refuses_bad_amounts(shipped_order, shop_owner, browser, amount):
    shop, owner = shop_owner
    response = browser(owner.user).post(
        url(shop, "order_refund_new", shipped_order.pk), {"amount": amount, "reason": "x"}
    )
    assert response.status_code == 400
    with tenancy.scope(shop):
        assert not Refund.objects.exists()


def test_refund_above_paid_is_a_form_error(shipped_order, shop_owner, browser):
    shop, owner = shop_owner
    response = browser(owner.user).post(
        url(shop, "order_refund_new", shipped_order.pk), {"amount": "25.01", "reason": "x"}
    )
    assert response.status_code == 400
    assert b"can still be refunded" in response.content


def test_a_large_refund_asks_for_the_password_then_resumes(
    shop_owner, client, sign_in, reauthenticate
):
    shop, owner = shop_owner
    order = make_order(shop, owner, lines=((50000, 1),))
    sign_in(client, owner.user)
    refund_url = url(shop, "order_refund_new", order.pk)
    # Signed in a moment ago counts as recent: age the authentication record.
    session = client.session
    for record in session.get("account_authentication_methods", []):
        record["at"] = record["at"] - 3600
    session.save()

    response = client.post(refund_url, {"amount": "300.00", "reason": "Damaged"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    with tenancy.scope(shop):
        assert not Refund.objects.exists()

    reauthenticate(client)
    resumed = client.get(refund_url)
    assert resumed.status_code == 200
    assert b"300.00" in resumed.content and b"Damaged" in resumed.content
    with tenancy.scope(shop):
        assert not Refund.objects.exists()  # nothing without a second click
    response = client.post(refund_url, {"amount": "300.00", "reason": "Damaged"})
    assert response.status_code == 302
    with tenancy.scope(shop):
        assert Order.objects.get(pk=order.pk).refunded_minor == 30000


def test_a_small_refund_needs_no_password(shipped_order, shop_owner, browser):
    shop, owner = shop_owner
    response = browser(owner.user).post(
        url(shop, "order_refund_new", shipped_order.pk), {"amount": "5", "reason": "Late"}
    )
    assert response.status_code == 302
    with tenancy.scope(shop):
        assert Refund.objects.get().amount_minor == 500


# The buyer's side --------------------------------------------------------------------------


def buyer_url(shop, order, token=None):
    return reverse("storefront:order_return", args=[shop.slug, token or links.order_token(order)])


def test_the_buyer_requests_a_return_from_their_link(client, shop_owner, shipped_order):
    shop, owner = shop_owner
    first, second = lines_of(shop, shipped_order)
    page = client.get(buyer_url(shop, shipped_order))
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    response = client.post(
        buyer_url(shop, shipped_order), {f"qty-{first.pk}": "1", "reason": "Wrong colour"}
    )
    assert response.status_code == 302
    with tenancy.scope(shop):
        ret = ReturnRequest.objects.get()
        assert ret.by_buyer and ret.reason == "Wrong colour"
        assert [(rl.line_id, rl.quantity) for rl in ret.lines.all()] == [(first.pk, 1)]
    too_many = client.post(
        buyer_url(shop, shipped_order), {f"qty-{first.pk}": "2", "reason": "More"}
    )
    assert too_many.status_code == 400 and b"At most 1" in too_many.content
    assert (
        client.post(
            buyer_url(shop, shipped_order), {f"qty-{second.pk}": "-1", "reason": "x"}
        ).status_code
        == 400
    )


def test_another_orders_token_or_another_shop_is_404(client, shop_owner, shipped_order, make_shop):
    shop, owner = shop_owner
    other_shop, other_owner = make_shop(slug="other-buyer-shop")
    foreign = make_order(other_shop, other_owner)
    token = links.order_token(shipped_order)
    assert client.get(buyer_url(other_shop, shipped_order, token)).status_code == 404
    assert client.get(buyer_url(shop, foreign)).status_code == 404
    assert client.get(buyer_url(shop, shipped_order, token[:-2] + "xx")).status_code == 404
    assert (
        client.post(buyer_url(shop, shipped_order, "garbage"), {"reason": "x"}).status_code == 404
    )


def test_the_buyer_form_is_rate_limited_per_order(
    client, shop_owner, shipped_order, steady_rate_window
):
    from sellsafe.storefront.buyer_returns import POSTS_PER_HOUR

    shop, owner = shop_owner
    for _ in range(POSTS_PER_HOUR):
        client.post(buyer_url(shop, shipped_order), {"reason": ""})
    response = client.post(buyer_url(shop, shipped_order), {"reason": ""})
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("role_key", "allowed"),
    [
        (roles.CUSTOMER_SERVICE, True),
        (roles.FINANCE, True),
        (roles.FULFILMENT, False),
        (roles.ANALYST, False),
        (roles.CATALOG, False),
    ],
)
def test_who_can_record_a_refund(shipped_order, shop_owner, add_member, browser, role_key, allowed):
    shop, owner = shop_owner
    client = browser(add_member(shop, role_key).user)
    response = client.post(
        url(shop, "order_refund_new", shipped_order.pk), {"amount": "1.00", "reason": "Late"}
    )
    assert response.status_code == (302 if allowed else 404)
    with tenancy.scope(shop):
        assert Refund.objects.count() == (1 if allowed else 0)
