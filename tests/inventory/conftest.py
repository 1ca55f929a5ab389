"""Fixtures for the inventory tests: a shop with a product, a variant and locations."""

import pytest
from django.test import Client

from sellsafe.catalog.models import Product, Variant
from sellsafe.core import tenancy
from sellsafe.inventory.models import Location


@pytest.fixture
def browser():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def make_variant(shop, sku="TEE-1", threshold=None, title="T-shirt"):
    with tenancy.scope(shop):
        product = Product.objects.create(shop=shop, title=title, handle=sku.lower())
        return Variant.objects.create(
            shop=shop, product=product, sku=sku, price_minor=1000, low_stock_threshold=threshold
        )


def make_location(shop, name="Main warehouse", kind="warehouse"):
    with tenancy.scope(shop):
        return Location.objects.create(shop=shop, name=name, kind=kind)


@pytest.fixture
def stocked(make_shop):
    """(shop, owner membership, variant, location) with nothing in stock yet."""
    shop, owner = make_shop(slug="stocked", name="Stocked shop")
    return shop, owner, make_variant(shop), make_location(shop)
