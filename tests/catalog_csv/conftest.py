"""Fixtures for the CSV tests: a shop with a location, a member per role, CSV bytes helpers."""

import pytest
from django.test import Client

from sellsafe.catalog import services
from sellsafe.core import tenancy
from sellsafe.inventory.services import location_create


@pytest.fixture
def browser():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def csv_shop(make_shop):
    shop, owner = make_shop(slug="csv-shop", name="CSV shop")
    with tenancy.scope(shop):
        warehouse = location_create(actor=owner, shop=shop, name="Warehouse", kind="warehouse")
    return shop, owner, warehouse


@pytest.fixture
def make_product():
    counter = iter(range(100_000))

    def make(shop, actor, title=None, price="10.00", sku=None, **extra):
        n = next(counter)
        variants = extra.pop("variants", None) or [{"sku": sku or f"SKU-{n}", "price": price}]
        with tenancy.scope(shop):
            return services.product_create(
                actor=actor, shop=shop, title=title or f"Product {n}", variants=variants, **extra
            )

    return make


def csv_bytes(*lines, sep=",", bom=False):
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()
