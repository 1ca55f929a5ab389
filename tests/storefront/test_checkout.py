"""Checkout end to end: each payment method, the confirmation, idempotency, anti-abuse."""

import pytest
from django.core import mail

from sellsafe.core import tenancy
from sellsafe.customers.models import Customer
from sellsafe.inventory.models import StockLevel
from sellsafe.orders import links
from sellsafe.orders.models import Order, OrderLine, WebhookEndpoint
from tests.storefront.conftest import BUYER, add_to_cart, checkout_key, counts, place, url

pytestmark = pytest.mark.django_db


def only_order(store):
    with tenancy.scope(store.shop):
        return Order.objects.get()


def test_cash_on_delivery(client, store, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = place(client, store, payment_method="cod")
    assert response.status_code == 302
    order = only_order(store)
    assert response["Location"] == links.order_url(order)
    assert order.payment_method == "cod"
    assert order.expires_at is None
    assert order.status == "pending_payment"
    assert (order.subtotal_minor, order.shipping_minor, order.total_minor) == (1200, 450, 1650)
    assert order.buyer_phone == "+447911123456"
    assert order.ship_country == "GB"
    assert order.payment_reference.startswith(f"SS-{order.number}-")
    with tenancy.scope(store.shop):
        line = OrderLine.objects.get()
        assert (line.sku, line.quantity, line.location_id) == ("MUG", 1, store.location.pk)
        assert StockLevel.objects.get().reserved == 1
        customer = Customer.objects.get()
        assert customer.orders_count == 1 and customer.total_spent_minor == 1650
        assert order.customer_id == customer.pk
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Thank you" in page.content
    assert page["Referrer-Policy"] == "same-origin"
    assert page["Cache-Control"] == "no-store"
    assert b"Cash on delivery" in page.content
    # The confirmation: to the buyer, with the private link.
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [BUYER["email"]]
    assert f"#{order.number}" in email.subject
    assert links.order_url(order) in email.body
    assert store.shop.bank_transfer_details not in email.body
    # The cart is empty after the order.
    assert b"Your cart is empty" in client.get(url(store, "cart")).content


def test_bank_transfer_shows_details_and_reference(
    client, store, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = place(client, store, payment_method="bank_transfer")
    order = only_order(store)
    assert order.expires_at is not None
    page = client.get(response["Location"])
    assert store.shop.bank_transfer_details.encode() in page.content
    assert order.payment_reference.encode() in page.content
    body = mail.outbox[0].body
    assert order.payment_reference in body
    assert store.shop.bank_transfer_details in body


def test_provider_only_with_an_active_webhook_endpoint(client, store):
    store.shop.payment_methods = ["cod", "bank_transfer", "provider"]
    store.shop.save(update_fields=["payment_methods"])
    response = place(client, store, payment_method="provider")
    assert response.status_code == 400
    assert b"Choose how you want to pay" in response.content
    assert counts(store) == (0, 0)
    with tenancy.scope(store.shop):
        WebhookEndpoint.objects.create(shop=store.shop, secret="whsec_test")
    response = place(client, store, payment_method="provider")
    assert response.status_code == 302
    order = only_order(store)
    assert order.payment_method == "provider" and order.expires_at is not None


def test_method_not_offered_by_shop_is_refused(client, store):
    store.shop.payment_methods = ["bank_transfer"]
    store.shop.save(update_fields=["payment_methods"])
    response = place(client, store, payment_method="cod")
    assert response.status_code == 400
    assert counts(store) == (0, 0)


def test_double_submit_returns_the_same_order(client, store):
    add_to_cart(client, store)
    key = checkout_key(client, store)
    first = place(client, store, key=key)
    second = place(client, store, key=key)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert counts(store) == (1, 1)


def test_key_not_issued_to_this_session_is_refused(client, store):
    add_to_cart(client, store)
    checkout_key(client, store)
    response = place(client, store, key="A" * 32)
    assert response.status_code == 400
    assert b"expired" in response.content
    assert counts(store) == (0, 0)


def test_a_key_from_another_session_does_not_reveal_that_order(client, store):
    from django.test import Client

    add_to_cart(client, store)
    key = checkout_key(client, store)
    place(client, store, key=key)
    thief = Client()
    add_to_cart(thief, store)
    checkout_key(thief, store)
    response = place(thief, store, key=key)
    assert response.status_code == 400
    assert counts(store) == (1, 1)


def test_honeypot_creates_nothing(client, store, caplog):
    response = place(client, store, website="http://spam.example")
    assert response.status_code == 400
    assert b"could not place your order" in response.content
    assert counts(store) == (0, 0)
    assert BUYER["email"] not in caplog.text


def test_rate_limit_per_ip(client, store, settings, steady_rate_window):
    settings.SELLSAFE_CHECKOUT_PER_IP_PER_HOUR = 2
    for _ in range(2):
        assert place(client, store, phone="not a phone").status_code == 400
    response = place(client, store)
    assert response.status_code == 429
    assert b"Too many checkout attempts" in response.content
    assert counts(store) == (0, 0)


def test_rate_limit_per_email(store, settings, steady_rate_window):
    from django.test import Client

    settings.SELLSAFE_CHECKOUT_PER_EMAIL_PER_HOUR = 2
    for n in range(2):
        client = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
        assert place(client, store, phone="not a phone").status_code == 400
    client = Client(REMOTE_ADDR="203.0.113.99")
    response = place(client, store, email=BUYER["email"].upper())
    assert response.status_code == 429
    other = Client(REMOTE_ADDR="203.0.113.100")
    assert place(other, store, email="someone.else@example.org").status_code == 302


def test_sold_out_at_checkout(client, make_shop):
    from tests.storefront.conftest import make_store

    store = make_store(make_shop, units=1)
    add_to_cart(client, store, quantity="2")
    response = place(client, store, key=checkout_key(client, store))
    assert response.status_code == 400
    assert b"only 1 of Mug left" in response.content
    assert counts(store) == (0, 0)


def test_second_order_updates_the_same_customer(client, store):
    place(client, store)
    place(client, store, email="  ADA.BUYER@example.org ", line1="1 Other Street")
    with tenancy.scope(store.shop):
        assert Order.objects.count() == 2
        customer = Customer.objects.get()
    assert customer.orders_count == 2
    assert customer.total_spent_minor == 3300
    assert "Other Street" in customer.addresses and "Hiddenstreet" in customer.addresses


def test_order_numbers_come_from_the_shop_counter(client, store):
    place(client, store)
    place(client, store)
    with tenancy.scope(store.shop):
        numbers = sorted(Order.objects.values_list("number", flat=True))
    store.shop.refresh_from_db()
    assert numbers == [1001, 1002] and store.shop.order_counter == 1002
