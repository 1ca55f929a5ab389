"""Fixtures for the catalog tests: a shop, its members, and products made through the services."""

import pytest
from django.test import Client

from sellsafe.catalog import services
from sellsafe.core import tenancy


@pytest.fixture
def browser():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def shop_and_owner(make_shop):
    return make_shop(slug="catalog-shop", name="Catalog shop")


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
