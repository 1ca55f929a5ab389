"""The public pages: no sign-in needed, 404 for unknown shops and unsold products, no other shop's
data, the second-factor rule for sellers does not block shopping."""

import pytest
from django.test import Client

from sellsafe.core import tenancy
from sellsafe.inventory.services import stock_adjust
from tests.storefront.conftest import add_product, add_to_cart, buyer_state, make_store, url

pytestmark = pytest.mark.django_db


def test_showcase_lists_active_products_only(client, store):
    add_product(store.shop, store.owner, handle="draft-lamp", status="draft", title="Secret Lamp")
    add_product(store.shop, store.owner, handle="old-vase", status="archived", title="Old Vase")
    response = client.get(url(store, "home"))
    assert response.status_code == 200
    assert b"Mug" in response.content
    assert b"Secret Lamp" not in response.content
    assert b"Old Vase" not in response.content
    assert client.get(url(store, "product", handle="draft-lamp")).status_code == 404
    assert client.get(url(store, "product", handle="old-vase")).status_code == 404
    assert client.get(url(store, "product", handle="nope")).status_code == 404


def test_unknown_shop_is_404(client):
    assert client.get("/store/no-such-shop/").status_code == 404
    assert client.get("/store/no-such-shop/cart/").status_code == 404


def test_other_shops_products_never_show(client, make_shop, store):
    other = make_store(make_shop, slug="other")
    add_product(other.shop, other.owner, handle="rival-teapot", title="Rival Teapot")
    assert b"Rival Teapot" not in client.get(url(store, "home")).content
    assert client.get(url(store, "product", handle="rival-teapot")).status_code == 404
    # Adding another shop's variant to this shop's cart: not found.
    with tenancy.scope(other.shop):
        variant = other.variant
    response = client.post(url(store, "cart_add"), {"variant_id": str(variant.pk)})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("units", "label"), [(10, b"In stock"), (3, b"Only 3 left"), (0, b"Sold out")]
)
def test_product_page_shows_stock_state(client, make_shop, units, label):
    store = make_store(make_shop, units=units)
    response = client.get(url(store, "product", handle="mug"))
    assert response.status_code == 200
    assert label in response.content


def test_available_is_on_hand_minus_reserved_over_locations(client, store):
    from sellsafe.inventory.models import Location

    with tenancy.scope(store.shop):
        second = Location.objects.create(shop=store.shop, name="Shop floor", kind="store")
    stock_adjust(
        actor=store.owner,
        shop=store.shop,
        variant=store.variant,
        location=second,
        change=-0 + 2,
        reason="received",
    )
    from sellsafe.inventory.services import stock_reserve

    stock_reserve(
        shop=store.shop, variant=store.variant, location=store.location, quantity=9, order_ref="x"
    )
    assert b"Only 3 left" in client.get(url(store, "product", handle="mug")).content


def test_cart_add_update_remove(client, store):
    add_to_cart(client, store, quantity="2")
    response = client.get(url(store, "cart"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert b"24.00 GBP" in response.content
    client.post(url(store, "cart_update"), {"variant_id": str(store.variant.pk), "quantity": "0"})
    assert b"Your cart is empty" in client.get(url(store, "cart")).content


@pytest.mark.parametrize("quantity", ["0", "-1", "1000000000", "abc", "", "1.5"])
def test_cart_refuses_bad_quantities(client, store, quantity):
    add_to_cart(client, store, quantity=quantity)
    assert buyer_state(client, store).get("cart", {}) == {}


def test_cart_is_bounded(client, store, settings):
    from sellsafe.storefront import cart
    from sellsafe.storefront.state import BuyerState

    state = BuyerState(store.shop.pk, None)
    state["cart"] = {f"id-{i}": 1 for i in range(500)}
    request = type("R", (), {"buyer": state})()
    assert len(cart.read(request)) == cart.MAX_LINES


def test_signed_in_seller_without_second_factor_can_shop(client, make_user, store):
    user = make_user(email="nofactor@example.com", second_factor=False)
    client.force_login(user)
    assert client.get(url(store, "home")).status_code == 200
    assert client.get(url(store, "product", handle="mug")).status_code == 200
    add_to_cart(client, store)
    assert client.get(url(store, "checkout")).status_code == 200
    # The console still insists on the second factor.
    assert client.get("/").status_code == 302


def test_anonymous_checkout_page(client, store):
    assert client.get(url(store, "checkout")).status_code == 302  # empty cart -> cart page
    add_to_cart(client, store)
    response = client.get(url(store, "checkout"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "script-src" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert b"<script" not in response.content
    assert b'name="website"' in response.content


def test_pages_work_in_a_fresh_client(store):
    assert Client().get(url(store, "home")).status_code == 200


def test_category_filter_and_pages(client, store):
    from sellsafe.catalog.models import Category, Product

    with tenancy.scope(store.shop):
        kitchen = Category.objects.create(shop=store.shop, name="Kitchen")
        Product.objects.filter(pk=store.product.pk).update(category=kitchen)
    add_product(store.shop, store.owner, handle="lamp", title="Desk Lamp")
    response = client.get(url(store, "home"), {"category": str(kitchen.pk)})
    assert response.status_code == 200
    assert b"Kitchen" in response.content
    assert b"Mug" in response.content and b"Desk Lamp" not in response.content
    for junk in ("not-a-uuid", "x" * 5000, "00000000-0000-0000-0000-000000000000"):
        assert client.get(url(store, "home"), {"category": junk, "page": junk}).status_code == 200


def test_stock_endpoint_for_the_live_badges(client, make_shop):
    store = make_store(make_shop, units=2)
    response = client.get(url(store, "product_stock", handle="mug"))
    assert response.status_code == 200
    assert response.json() == {str(store.variant.pk): {"state": "few", "label": "Only 2 left"}}
    add_product(store.shop, store.owner, handle="hidden", status="draft")
    assert client.get(url(store, "product_stock", handle="hidden")).status_code == 404
    page = client.get(url(store, "product", handle="mug"))
    assert b"storefront/stock.js" in page.content
    assert b"data-stock-url" in page.content
