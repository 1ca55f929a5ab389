"""Revealed buyer data hides itself again: reveal.js swaps the masked version back in after the
fragment's data-hide-after seconds (60). Playwright's fake clock jumps ahead instead of waiting
a minute; the page's own timers run through it unchanged. Needs `apt-get install -y chromium`."""

import pytest
from django.test import Client

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.orders.models import Order
from tests.e2e.test_console_ui import DESKTOP
from tests.storefront.conftest import BUYER, make_store, place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HIDE_AFTER_MS = 60_000


@pytest.fixture
def placed_order(make_shop, settings):
    settings.SELLSAFE_DEV_MAILBOX = False
    store = make_store(make_shop, slug="reveal-shop")
    response = place(Client(), store)
    assert response.status_code == 302
    with tenancy.scope(store.shop):
        order = Order.objects.get()
    return store, order


def test_revealed_buyer_is_masked_again_after_the_hide_delay(browser, live_server, placed_order):
    store, order = placed_order
    shop, email = store.shop, BUYER["email"]
    errors, failed = [], []
    context = browser.new_context(viewport=DESKTOP)
    client = Client()
    client.force_login(store.owner.user)
    context.add_cookies(
        [
            {
                "name": "sellsafe_session",
                "value": client.cookies["sellsafe_session"].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else 0)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else 0)
    page.clock.install()  # before the page loads: its setTimeout runs on the fake clock

    page.goto(f"{live_server.url}/s/{shop.slug}/orders/{order.pk}/", wait_until="load")
    details = page.locator("#buyer-details")
    assert email not in details.inner_text()
    # Note when reveal.js arms its timer (on the page's clock), so the steps below are timed from
    # that moment however long a busy machine takes to get there.
    page.evaluate(
        """new MutationObserver((changes, observer) => {
             if (document.querySelector("#buyer-details[data-hide-armed='1']")) {
               window.armedAt = Date.now();
               observer.disconnect();
             }
           }).observe(document.body, {subtree: true, childList: true, attributes: true})"""
    )
    page.get_by_role("button", name="Reveal buyer details").click()

    # The full details are in place, and reveal.js has armed the timer. From here the clock only
    # moves when told to (one second on, so the pause is never in the page's past).
    page.locator("#buyer-details[data-hide-armed='1']").wait_for(timeout=15_000)
    page.clock.pause_at((page.evaluate("Date.now()") + 1_000) / 1_000)  # Python: seconds
    assert details.get_attribute("data-hide-after") == str(HIDE_AFTER_MS // 1000)
    assert details.get_by_text(email, exact=True).is_visible()
    assert AuditEvent.objects.filter(shop=shop, action="customer.pii_revealed").count() == 1

    # Still shown just before the delay ends (58 s after arming)...
    page.clock.fast_forward(HIDE_AFTER_MS - 2_000 - page.evaluate("Date.now() - window.armedAt"))
    assert details.get_by_text(email, exact=True).is_visible()

    # ...and masked once it has passed (61 s): the email is gone, the masked form is back.
    page.clock.fast_forward(3_000)
    page.locator("#buyer-details:not([data-hide-after])").wait_for(timeout=15_000)
    masked = details.inner_text()
    assert email not in masked
    assert "***" in masked
    assert BUYER["name"] not in masked and BUYER["line1"] not in page.content()
    assert page.get_by_role("button", name="Reveal buyer details").is_visible()
    # Hiding is client-side only: no second reveal was recorded.
    assert AuditEvent.objects.filter(shop=shop, action="customer.pii_revealed").count() == 1

    assert errors == []
    assert failed == []
    context.close()
