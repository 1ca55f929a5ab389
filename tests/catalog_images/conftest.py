"""Fixtures for the product image tests: storage in a temporary directory, a shop with a product."""

import pytest
from django.test import Client

from sellsafe.catalog.models import Product
from sellsafe.core import tenancy


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


@pytest.fixture
def make_product():
    counter = iter(range(1000))

    def make(shop, title=None):
        n = next(counter)
        with tenancy.scope(shop):
            return Product.objects.create(shop=shop, title=title or f"Mug {n}", handle=f"mug-{n}")

    return make


@pytest.fixture
def shop_with_product(make_shop, make_product):
    shop, owner = make_shop(slug="images")
    return shop, owner, make_product(shop)


@pytest.fixture
def browser():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make
