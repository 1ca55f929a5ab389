"""The buyer cancels their own unpaid, unshipped order from the private order link."""

import pytest
from django.core import signing
from django.test import Client

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.inventory.models import StockLevel
from sellsafe.notifications.models import Notification
from sellsafe.orders import events, links
from sellsafe.orders.models import Order, OrderLine, OrderStatus
from sellsafe.orders.services.buyer_cancel import order_cancel_by_buyer
from sellsafe.orders.services.fulfilment import shipment_create
from sellsafe.orders.services.status import order_cancel, order_mark_paid
from sellsafe.storefront import order_page
from tests.storefront.conftest import make_store, place, url

pytestmark = pytest.mark.django_db


def placed(client, store, **overrides):
    response = place(client, store, **overrides)
    assert response.status_code == 302, response.content[:500]
    with tenancy.scope(store.shop):
        return Order.objects.order_by("number").last()


def stock(store):
    with tenancy.scope(store.shop):
        row = StockLevel.objects.get(variant=store.variant, location=store.location)
        return row.on_hand, row.reserved


def fresh(store, order):
    with tenancy.scope(store.shop):
        return Order.objects.get(pk=order.pk)


def cancel_url(store, order):
    return url(store, "order_cancel", token=links.order_token(order))


def page_url(store, order):
    return url(store, "order", token=links.order_token(order))


def buyer_events(store):
    return AuditEvent.objects.filter(shop=store.shop, action=events.ORDER_CANCELLED_BY_BUYER)


def notes(store):
    with tenancy.scope(store.shop):
        return list(Notification.objects.filter(kind="order_cancelled_by_buyer"))


def test_the_page_offers_cancel_with_a_confirmation(client, store):
    order = placed(client, store)
    page = client.get(page_url(store, order))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Cancel this order" in text
    assert "Are you sure?" in text
    assert f'action="{cancel_url(store, order)}"' in text
    assert 'name="csrfmiddlewaretoken"' in text


def test_cancel_works_and_releases_stock_once(client, store):
    on_hand_before, reserved_before = stock(store)
    order = placed(client, store)  # cash on delivery, one mug reserved
    assert stock(store) == (on_hand_before, reserved_before + 1)

    response = client.post(cancel_url(store, order))

    assert response.status_code == 302
    assert response["Location"] == page_url(store, order) + "?cancel=cancelled"
    assert response["Cache-Control"] == "no-store"
    order = fresh(store, order)
    assert order.status == OrderStatus.CANCELLED
    assert order.cancel_reason == "Cancelled by the buyer"
    assert order.cancelled_at is not None
    assert stock(store) == (on_hand_before, reserved_before)

    page = client.get(response["Location"])
    assert b"Your order is cancelled" in page.content
    assert b"Cancel this order" not in page.content

    # A second click changes nothing: no stock, no event, no notification twice.
    again = client.post(cancel_url(store, order))
    assert again.status_code == 400
    assert b"already cancelled" in again.content
    assert stock(store) == (on_hand_before, reserved_before)
    assert buyer_events(store).count() == 1
    assert len(notes(store)) == 1


def test_audit_event_and_notification(client, store):
    order = placed(client, store)
    client.post(cancel_url(store, order))

    event = buyer_events(store).get()
    assert event.actor_user_id is None
    assert event.target_type == "order"
    assert event.target_id == str(order.pk)
    assert event.changes["by_buyer"] is True
    assert event.changes["status"] == {"before": "pending_payment", "after": "cancelled"}
    assert event.changes["units_released"] == 1

    (note,) = notes(store)
    assert note.permission == "orders.view"
    assert f"#{order.number}" in note.title
    assert note.link == f"/s/{store.shop.slug}/orders/{order.pk}/"


def test_a_bank_transfer_order_waiting_for_payment_can_be_cancelled(client, store):
    order = placed(client, store, payment_method="bank_transfer")
    assert client.post(cancel_url(store, order)).status_code == 302
    assert fresh(store, order).status == OrderStatus.CANCELLED


def _refused(client, store, order, message):
    before_stock = stock(store)
    before = fresh(store, order)
    page = client.get(page_url(store, order))
    assert b"Cancel this order" not in page.content

    response = client.post(cancel_url(store, order))

    assert response.status_code == 400
    assert message in response.content.decode()
    after = fresh(store, order)
    assert (after.status, after.cancelled_at, after.cancel_reason) == (
        before.status,
        before.cancelled_at,
        before.cancel_reason,
    )
    assert stock(store) == before_stock
    assert not buyer_events(store).exists()
    assert notes(store) == []


def test_a_paid_order_is_refused(client, store):
    order = placed(client, store, payment_method="bank_transfer")
    order_mark_paid(shop=store.shop, order=order, actor=None)
    _refused(client, store, order, "already paid")


def test_a_partly_paid_order_is_refused(client, store):
    order = placed(client, store, payment_method="bank_transfer")
    with tenancy.scope(store.shop):
        Order.objects.filter(pk=order.pk).update(paid_minor=100)
    _refused(client, store, order, "already paid")


def test_a_shipped_cash_on_delivery_order_is_refused(client, store):
    order = placed(client, store)
    with tenancy.scope(store.shop):
        lines = [(line, line.quantity) for line in OrderLine.objects.filter(order=order)]
    shipment_create(
        actor=store.owner,
        shop=store.shop,
        order=order,
        carrier="DHL",
        tracking_number="",
        lines=lines,
    )
    assert fresh(store, order).status == OrderStatus.FULFILLED
    _refused(client, store, order, "already shipped")


def test_an_order_cancelled_by_the_shop_is_refused(client, store):
    order = placed(client, store)
    order_cancel(shop=store.shop, order=order, actor=store.owner, reason="Out of stock")
    _refused(client, store, order, "already cancelled")


def test_the_service_refuses_a_race_lost_to_a_payment(client, store):
    """The page was read while unpaid; a payment lands before the click: the UPDATE decides."""
    order = placed(client, store, payment_method="bank_transfer")
    stale = fresh(store, order)
    order_mark_paid(shop=store.shop, order=order, actor=None)
    before = stock(store)

    with pytest.raises(DomainError, match="already paid"):
        order_cancel_by_buyer(shop=store.shop, order=stale)
    assert fresh(store, order).status == OrderStatus.PAID
    assert stock(store) == before


def test_forged_and_foreign_tokens_are_404(client, make_shop, store):
    order = placed(client, store)
    other = make_store(make_shop, slug="elsewhere")
    foreign = placed(Client(), other)
    token = links.order_token(order)
    base = f"/store/{store.shop.slug}/orders"

    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    wrong_salt = signing.Signer().sign_object([str(order.pk), order.link_key])
    for bad in (changed, wrong_salt, "x", "a" * 5000, links.order_token(foreign)):
        assert client.post(f"{base}/{bad}/cancel/").status_code == 404
    # The right token under another shop's address.
    assert client.post(f"/store/{other.shop.slug}/orders/{token}/cancel/").status_code == 404
    assert fresh(store, order).status == OrderStatus.PENDING_PAYMENT
    assert fresh(other, foreign).status == OrderStatus.PENDING_PAYMENT
    assert not AuditEvent.objects.filter(action=events.ORDER_CANCELLED_BY_BUYER).exists()


def test_get_is_405(client, store):
    order = placed(client, store)
    assert client.get(cancel_url(store, order)).status_code == 405
    assert fresh(store, order).status == OrderStatus.PENDING_PAYMENT


def test_csrf_is_required(client, store):
    order = placed(client, store)
    buyer = Client(enforce_csrf_checks=True)

    assert buyer.post(cancel_url(store, order)).status_code == 403
    assert fresh(store, order).status == OrderStatus.PENDING_PAYMENT

    page = buyer.get(page_url(store, order))  # sets the CSRF cookie, renders the form's token
    token = str(page.context["csrf_token"])
    assert buyer.post(cancel_url(store, order), {"csrfmiddlewaretoken": token}).status_code == 302
    assert fresh(store, order).status == OrderStatus.CANCELLED


def test_posts_are_rate_limited_per_order(client, store, monkeypatch, steady_rate_window):
    monkeypatch.setattr(order_page, "CANCEL_POSTS_PER_HOUR", 2)
    order = placed(client, store)
    with tenancy.scope(store.shop):
        Order.objects.filter(pk=order.pk).update(paid_minor=100)  # every try is refused
    assert client.post(cancel_url(store, order)).status_code == 400
    assert client.post(cancel_url(store, order)).status_code == 400
    limited = client.post(cancel_url(store, order))
    assert limited.status_code == 429
    assert b"Too many attempts" in limited.content
    # Another order of the same shop has its own budget.
    other = placed(client, store)
    assert client.post(cancel_url(store, other)).status_code == 302
