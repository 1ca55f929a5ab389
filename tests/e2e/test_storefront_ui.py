"""A buyer orders in a real browser, and the seller finds the order in the console.

Headless Debian Chromium: the storefront, cart and checkout work with the strict CSP (no violation,
no failed load), the buyer lands on their private order page, and the console shows the order with
the buyer masked. Refreshes the storefront and order screenshots in docs/img/.
"""

import re

import pytest
from django.test import Client

from sellsafe.audit.models import AuditEvent
from sellsafe.catalog import image_services
from sellsafe.core import tenancy
from sellsafe.orders.models import Order
from tests.catalog_images.helpers import encode, upload
from tests.e2e.test_console_ui import DESKTOP, SCREENSHOTS
from tests.storefront.conftest import add_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop_with_products(make_shop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SELLSAFE_DEV_MAILBOX = False
    shop, owner = make_shop(slug="dana-ceramics", name="Dana's Ceramics")
    for handle, price, colour in (
        ("celadon-mug", 1800, (155, 190, 160)),
        ("cobalt-bowl", 2600, (40, 70, 150)),
        ("honey-vase", 4200, (200, 140, 50)),
    ):
        product, _variant, _location = add_product(
            shop, owner, handle=handle, price=price, units=5, title=handle.replace("-", " ").title()
        )
        with tenancy.scope(shop):
            image_services.image_add(
                actor=owner,
                shop=shop,
                product=product,
                upload=upload(encode("JPEG", size=(640, 480), color=colour)),
                alt_text=product.title,
            )
    return shop, owner


def test_a_buyer_orders_and_the_seller_sees_it_masked(browser, live_server, shop_with_products):
    shop, owner = shop_with_products
    violations, failed = [], []
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else 0)

    page.goto(f"{live_server.url}/store/{shop.slug}/", wait_until="load")
    assert page.locator("h1").inner_text() == "Dana's Ceramics"
    assert page.locator("img.store-cover").count() == 3
    page.screenshot(path=SCREENSHOTS / "storefront-home.png", full_page=True)

    page.get_by_role("link", name="Cobalt Bowl").first.click()
    page.get_by_role("button", name="Add to cart").click()
    page.goto(f"{live_server.url}/store/{shop.slug}/checkout/", wait_until="load")
    page.fill("#f-email", "amira.haddad@buyer.example")
    page.fill("#f-name", "Amira Haddad")
    page.fill("#f-phone", "07911 123456")
    page.select_option("#f-country", "GB")
    page.fill("#f-line1", "12 Kiln Lane")
    page.fill("#f-city", "Leeds")
    page.fill("#f-postcode", "LS1 4AP")
    page.check("#pm-cod")
    page.screenshot(path=SCREENSHOTS / "storefront-checkout.png", full_page=True)
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r"/store/dana-ceramics/orders/[^/]+/$"))
    assert "Order #" in page.locator("body").inner_text()
    page.screenshot(path=SCREENSHOTS / "storefront-order.png", full_page=True)
    # The buyer was remembered by the shop's own cookie (storefront.state), not a session.
    kept = {c["name"]: c for c in context.cookies()}
    assert "sellsafe_session" not in kept
    assert kept["sellsafe_store"]["path"] == f"/store/{shop.slug}/"
    assert kept["sellsafe_store"]["httpOnly"] and kept["sellsafe_store"]["sameSite"] == "Lax"

    with tenancy.scope(shop):
        order = Order.objects.get()
    assert order.buyer_name == "Amira Haddad"

    # The seller: a console session made by Django's client, handed to the browser.
    client = Client()
    client.force_login(owner.user)
    cookie = client.cookies["sellsafe_session"]
    context.add_cookies(
        [{"name": "sellsafe_session", "value": cookie.value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/s/{shop.slug}/orders/", wait_until="load")
    listing = page.locator("body").inner_text()
    assert f"#{order.number}" in listing
    assert "Amira Haddad" not in listing and "amira.haddad@buyer.example" not in listing
    page.screenshot(path=SCREENSHOTS / "orders-list.png", full_page=True)
    page.goto(f"{live_server.url}/s/{shop.slug}/orders/{order.pk}/", wait_until="load")
    detail = page.locator("body").inner_text()
    assert "Leeds" in detail and "12 Kiln Lane" not in detail
    page.screenshot(path=SCREENSHOTS / "order-detail.png", full_page=True)
    # Reveal (the owner holds customers.view_pii): shown in place, and recorded.
    page.get_by_role("button", name="Reveal buyer details").click()
    page.get_by_text("12 Kiln Lane").wait_for(timeout=15_000)
    assert AuditEvent.objects.filter(shop=shop, action="customer.pii_revealed").count() == 1

    assert violations == []
    assert failed == []
    context.close()
