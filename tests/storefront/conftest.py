"""Fixtures for the storefront tests: a stocked shop, a buyer's valid details, a checkout helper."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from sellsafe.catalog.models import Product, Variant
from sellsafe.core import tenancy
from sellsafe.inventory.models import Location, StockLevel
from sellsafe.inventory.services import stock_adjust
from sellsafe.orders.models import Order

BUYER = {
    "email": "ada.buyer@example.org",
    "name": "Ada Quietbuyer",
    "phone": "07911 123456",
    "line1": "221B Hiddenstreet Road",
    "line2": "",
    "city": "London",
    "region": "",
    "postcode": "NW1 6XE",
    "country": "GB",
    "delivery_note": "Leave with the neighbour",
    "payment_method": "cod",
}


def add_product(shop, owner, *, handle, price=1200, units=10, status="active", title=None):
    with tenancy.scope(shop):
        product = Product.objects.create(
            shop=shop,
            title=title or handle.title(),
            handle=handle,
            status=status,
            price_min=price,
            price_max=price,
        )
        variant = Variant.objects.create(
            shop=shop, product=product, sku=handle.upper(), price_minor=price
        )
        location = Location.objects.filter(is_active=True).order_by("name").first()
        if location is None:
            location = Location.objects.create(shop=shop, name="Main", kind="warehouse")
    if units:
        stock_adjust(
            actor=owner,
            shop=shop,
            variant=variant,
            location=location,
            change=units,
            reason="received",
        )
    return product, variant, location


def make_store(make_shop, slug="corner", units=10):
    shop, owner = make_shop(slug=slug, name=f"{slug.title()} shop")
    shop.bank_transfer_details = "Corner Ltd, IBAN GB00 TEST 0000 1234"
    shop.shipping_flat_minor = 450
    shop.save(update_fields=["bank_transfer_details", "shipping_flat_minor"])
    product, variant, location = add_product(shop, owner, handle="mug", units=units)
    return SimpleNamespace(
        shop=shop, owner=owner, product=product, variant=variant, location=location
    )


@pytest.fixture
def store(make_shop):
    return make_store(make_shop)


def url(store, name, **kwargs):
    return reverse(f"storefront:{name}", kwargs={"shop_slug": store.shop.slug, **kwargs})


def buyer_state(client, store):
    """What the storefront keeps in this client's signed cookie for the store (storefront.state)."""
    from django.conf import settings

    from sellsafe.storefront.state import BuyerState

    cookie = client.cookies.get(settings.SELLSAFE_STORE_COOKIE)
    state = BuyerState(store.shop.pk, cookie.value if cookie else None)
    return state._data


def add_to_cart(client, store, variant=None, quantity="1"):
    variant = variant or store.variant
    return client.post(
        url(store, "cart_add"), {"variant_id": str(variant.pk), "quantity": quantity}
    )


def checkout_key(client, store):
    response = client.get(url(store, "checkout"))
    assert response.status_code == 200
    return response.context["idempotency_key"]


def place(client, store, *, key=None, **overrides):
    """Fill the cart (if empty), open the checkout and send it; returns the response."""
    if key is None:
        add_to_cart(client, store)
        key = checkout_key(client, store)
    data = {**BUYER, "idempotency_key": key, **overrides}
    return client.post(url(store, "checkout"), data)


def counts(store):
    with tenancy.scope(store.shop):
        return (
            Order.objects.count(),
            sum(StockLevel.objects.values_list("reserved", flat=True)),
        )
