"""Fixtures for the customer tests: customers and orders written directly through the models
(the checkout has its own tests), signed-in browsers."""

import itertools
import json
import secrets

import pytest
from django.test import Client
from django.utils import timezone

from sellsafe.core import tenancy
from sellsafe.customers.models import Customer
from sellsafe.orders import pii
from sellsafe.orders.models import Order, OrderLine, OrderNote, OrderStatus, ReturnRequest

EMAIL = "jane.doe@example.org"
PHONE = "+447700900123"
NAME = "Jane Doe"
STREET = "221B Baker Street"
ADDRESS = {
    "line1": STREET,
    "line2": "",
    "city": "London",
    "region": "",
    "postcode": "NW1 6XE",
    "country": "GB",
}
NOTE = "Leave it with the neighbour at number 7"
RETURN_REASON = "My sister Mabel did not like it"
_numbers = itertools.count(1001)


@pytest.fixture
def browser():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def make_customer():
    def make(shop, *, email=EMAIL, phone=PHONE, name=NAME, address=None):
        with tenancy.scope(shop):
            return Customer.objects.create(
                shop=shop,
                email=email,
                email_index=pii.email_index(email),
                name=name,
                phone=phone,
                phone_index=pii.phone_index(phone),
                addresses=json.dumps([address or ADDRESS]),
            )

    return make


@pytest.fixture
def make_order():
    def make(shop, customer, *, status=OrderStatus.COMPLETED, completed_at=None, total=2500):
        now = timezone.now()
        with tenancy.scope(shop):
            order = Order.objects.create(
                shop=shop,
                number=next(_numbers),
                status=status,
                payment_method="cod",
                payment_reference=secrets.token_hex(6),
                currency=shop.currency,
                subtotal_minor=total - 500,
                shipping_minor=500,
                total_minor=total,
                paid_minor=total,
                customer=customer,
                buyer_email=customer.email if customer else EMAIL,
                buyer_email_index=pii.email_index(customer.email if customer else EMAIL),
                buyer_name=NAME,
                buyer_phone=PHONE,
                buyer_phone_index=pii.phone_index(PHONE),
                shipping_address=pii.address_dumps(ADDRESS),
                ship_country="GB",
                delivery_note=NOTE,
                idempotency_key=secrets.token_hex(16),
                link_key=secrets.token_hex(16),
                completed_at=completed_at or (now if status == OrderStatus.COMPLETED else None),
            )
            OrderLine.objects.create(
                shop=shop,
                order=order,
                sku="MUG-1",
                title="Mug",
                unit_price_minor=total - 500,
                quantity=1,
                total_minor=total - 500,
            )
            OrderNote.objects.create(shop=shop, order=order, text=NOTE)
            ReturnRequest.objects.create(shop=shop, order=order, reason=RETURN_REASON)
            if customer is not None:
                Customer.objects.filter(pk=customer.pk).update(
                    orders_count=customer.orders_count + 1,
                    total_spent_minor=customer.total_spent_minor + total,
                    first_order_at=customer.first_order_at or now,
                    last_order_at=now,
                )
                customer.refresh_from_db()
        return order

    return make


@pytest.fixture
def world(make_shop, make_customer, make_order):
    """Shop A with a customer and two orders; shop B (the attacker) with its own customer."""
    shop_a, owner_a = make_shop(slug="victim", name="Victim shop")
    customer_a = make_customer(shop_a)
    order_a = make_order(shop_a, customer_a)
    make_order(shop_a, customer_a, status=OrderStatus.PAID)
    shop_b, owner_b = make_shop(slug="attacker", name="Attacker shop")
    customer_b = make_customer(shop_b, email="bob@example.net", phone="+447700900999", name="Bob")
    order_b = make_order(shop_b, customer_b)
    return {
        "shop_a": shop_a,
        "owner_a": owner_a,
        "customer_a": customer_a,
        "order_a": order_a,
        "shop_b": shop_b,
        "owner_b": owner_b,
        "customer_b": customer_b,
        "order_b": order_b,
    }
