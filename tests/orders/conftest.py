"""Fixtures for the console order tests: orders built row by row (as the checkout would leave
them), with their stock reserved through the real inventory service."""

import itertools
import uuid

import pytest
from django.test import Client

from sellsafe.catalog.models import Product, Variant
from sellsafe.core import tenancy
from sellsafe.inventory import services as stock
from sellsafe.inventory.models import Location, StockLevel
from sellsafe.orders import pii
from sellsafe.orders.models import Order, OrderLine

_numbers = itertools.count(1000)


@pytest.fixture
def browser():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def make_stock(shop, sku="TEE-1", on_hand=10, location=None):
    """A variant with `on_hand` units at a location: (variant, location)."""
    with tenancy.scope(shop):
        product = Product.objects.create(shop=shop, title=f"Product {sku}", handle=sku.lower())
        variant = Variant.objects.create(shop=shop, product=product, sku=sku, price_minor=1000)
        location = location or Location.objects.filter(name="Warehouse").first()
        if location is None:
            location = Location.objects.create(shop=shop, name="Warehouse", kind="warehouse")
        StockLevel.objects.create(shop=shop, variant=variant, location=location, on_hand=on_hand)
    return variant, location


def level(shop, variant, location):
    with tenancy.scope(shop):
        row = StockLevel.objects.get(variant=variant, location=location)
        return row.on_hand, row.reserved


def make_order(
    shop,
    items,
    *,
    method="bank_transfer",
    status="pending_payment",
    email="ann.buyer@example.com",
    name="Ann Buyer",
    phone="+447700900123",
    address=None,
    expires_at=None,
    placed_at=None,
    shipping=0,
):
    """An order for `items` = [(variant, location, quantity)], stock reserved. A paid status
    also records paid_minor = total."""
    number = next(_numbers)
    address = address or {
        "line1": "1 Secret Lane",
        "line2": "",
        "city": "Leeds",
        "region": "",
        "postcode": "LS1 1AA",
        "country": "GB",
    }
    with tenancy.scope(shop):
        subtotal = sum(v.price_minor * q for v, _, q in items)
        order = Order.objects.create(
            shop=shop,
            number=number,
            status=status,
            payment_method=method,
            payment_reference=f"REF{number}",
            currency=shop.currency,
            subtotal_minor=subtotal,
            shipping_minor=shipping,
            total_minor=subtotal + shipping,
            paid_minor=subtotal + shipping if status == "paid" else 0,
            buyer_email=email,
            buyer_email_index=pii.email_index(email),
            buyer_name=name,
            buyer_phone=phone,
            buyer_phone_index=pii.phone_index(phone),
            shipping_address=pii.address_dumps(address),
            ship_country=address["country"],
            idempotency_key=uuid.uuid4().hex,
            link_key=uuid.uuid4().hex,
            expires_at=expires_at,
        )
        for position, (variant, location, quantity) in enumerate(items):
            OrderLine.objects.create(
                shop=shop,
                order=order,
                variant=variant,
                location=location,
                sku=variant.sku,
                title=variant.product.title,
                unit_price_minor=variant.price_minor,
                quantity=quantity,
                total_minor=variant.price_minor * quantity,
                position=position,
            )
            stock.stock_reserve(
                shop=shop,
                variant=variant,
                location=location,
                quantity=quantity,
                order_ref=f"#{number}",
            )
        if placed_at is not None:
            Order.objects.filter(pk=order.pk).update(placed_at=placed_at)
        order.refresh_from_db()
    return order


def fresh(shop, order):
    with tenancy.scope(shop):
        return Order.objects.get(pk=order.pk)


def lines_of(shop, order):
    with tenancy.scope(shop):
        return list(OrderLine.objects.filter(order=order).select_related("variant", "location"))


@pytest.fixture
def shop_with_stock(make_shop):
    """(shop, owner membership, variant, location) with 10 units on hand."""
    shop, owner = make_shop(slug="orders-shop", name="Orders shop")
    variant, location = make_stock(shop)
    return shop, owner, variant, location


def order_object_ids(shop):
    """{"order_id": ...} of a paid order in `shop` (with its own stocked variant), for the
    cross-cutting tests that fill every shop URL's path parameters with real ids."""
    variant, location = make_stock(shop, sku=f"ORD-{shop.slug}", on_hand=5)
    order = make_order(shop, [(variant, location, 1)], status="paid")
    return {"order_id": order.pk}
