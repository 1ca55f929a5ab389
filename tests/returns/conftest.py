"""Orders built directly in the shop's scope for the payment, return and refund tests: stock is
put on the shelf, reserved and (for shipped orders) committed through the inventory services, the
way placement and shipping do it."""

import secrets
import uuid

import pytest
from django.test import Client

from sellsafe.core import tenancy
from sellsafe.inventory import services as inventory
from sellsafe.inventory.models import StockLevel
from sellsafe.orders.models import FulfilmentStatus, Order, OrderLine, OrderStatus
from tests.inventory.conftest import make_location, make_variant


@pytest.fixture
def browser():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def make_order(
    shop,
    owner,
    *,
    status=OrderStatus.FULFILLED,
    lines=((1000, 2),),
    shipping=0,
    method="provider",
    location=None,
    stock=10,
):
    """An order with one variant per (unit price, quantity) line. Shipped statuses ship and pay
    everything; pending payment reserves the units."""
    shipped = status in (OrderStatus.FULFILLED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)
    paid = shipped or status == OrderStatus.PAID
    with tenancy.scope(shop):
        location = location or make_location(shop, name=f"Shelf {secrets.token_hex(3)}")
        number = Order.objects.count() + 1
        subtotal = sum(price * qty for price, qty in lines)
        order = Order.objects.create(
            shop=shop,
            number=number,
            status=status,
            fulfilment_status=FulfilmentStatus.FULFILLED if shipped else "unfulfilled",
            payment_method=method,
            payment_reference=f"REF{number}{secrets.token_hex(4).upper()}",
            currency=shop.currency,
            subtotal_minor=subtotal,
            shipping_minor=shipping,
            total_minor=subtotal + shipping,
            paid_minor=subtotal + shipping if paid else 0,
            buyer_email="buyer@example.com",
            buyer_name="Pat Buyer",
            idempotency_key=uuid.uuid4().hex,
            link_key=secrets.token_hex(16),
        )
        for position, (price, qty) in enumerate(lines):
            variant = make_variant(shop, sku=f"SKU-{number}-{position}")
            inventory.stock_adjust(
                actor=owner,
                shop=shop,
                variant=variant,
                location=location,
                change=stock,
                reason="received",
            )
            ref = f"#{number}"
            inventory.stock_reserve(
                shop=shop, variant=variant, location=location, quantity=qty, order_ref=ref
            )
            if shipped:
                inventory.stock_commit_sale(
                    shop=shop, variant=variant, location=location, quantity=qty, order_ref=ref
                )
            OrderLine.objects.create(
                shop=shop,
                order=order,
                variant=variant,
                location=location,
                sku=variant.sku,
                title="T-shirt",
                unit_price_minor=price,
                quantity=qty,
                total_minor=price * qty,
                quantity_shipped=qty if shipped else 0,
                position=position,
            )
    return order


def on_hand(shop, line):
    with tenancy.scope(shop):
        row = StockLevel.objects.get(variant_id=line.variant_id, location_id=line.location_id)
        return row.on_hand


def lines_of(shop, order):
    with tenancy.scope(shop):
        return list(OrderLine.objects.filter(order=order).order_by("position"))


@pytest.fixture
def shop_owner(make_shop):
    return make_shop(slug="returns-shop", name="Returns shop")


@pytest.fixture
def shipped_order(shop_owner):
    shop, owner = shop_owner
    return make_order(shop, owner, lines=((1000, 2), (500, 1)))
