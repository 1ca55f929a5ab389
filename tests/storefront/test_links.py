"""The buyer's signed order link: opens exactly one order, in exactly one shop."""

import pytest
from django.core import signing

from sellsafe.core import tenancy
from sellsafe.orders import links
from sellsafe.orders.models import Order
from tests.storefront.conftest import make_store, place

pytestmark = pytest.mark.django_db


def order_of(store):
    with tenancy.scope(store.shop):
        return Order.objects.order_by("number").last()


def test_link_opens_the_order_and_nothing_else(client, make_shop, store):
    place(client, store)
    first = order_of(store)
    place(client, store)
    second = order_of(store)
    other = make_store(make_shop, slug="elsewhere")
    place(client, other)
    foreign = order_of(other)

    token = links.order_token(first)
    assert client.get(f"/store/{store.shop.slug}/orders/{token}/").status_code == 200
    with tenancy.scope(store.shop):
        assert links.order_from_token(shop=store.shop, token=token).pk == first.pk

    # Tampered: one character changed anywhere.
    for i in (0, len(token) // 2, len(token) - 1):
        changed = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        assert client.get(f"/store/{store.shop.slug}/orders/{changed}/").status_code == 404
    # Swapped ids: a validly signed token with the other order's id but this one's key.
    swapped = signing.Signer(salt=links.SALT).sign_object([str(second.pk), first.link_key])
    assert client.get(f"/store/{store.shop.slug}/orders/{swapped}/").status_code == 404
    # Signed for another purpose (wrong salt).
    wrong_salt = signing.Signer().sign_object([str(first.pk), first.link_key])
    assert client.get(f"/store/{store.shop.slug}/orders/{wrong_salt}/").status_code == 404
    # Right token under another shop's address.
    assert client.get(f"/store/{other.shop.slug}/orders/{token}/").status_code == 404
    foreign_token = links.order_token(foreign)
    assert client.get(f"/store/{store.shop.slug}/orders/{foreign_token}/").status_code == 404
    # Junk.
    for junk in ("x", "a" * 5000, "..%2F", "[]"):
        assert client.get(f"/store/{store.shop.slug}/orders/{junk}/").status_code == 404


def test_order_page_content_and_headers(client, store):
    response = place(client, store, payment_method="bank_transfer")
    page = client.get(response["Location"])
    assert page["Referrer-Policy"] == "same-origin"
    assert page["Cache-Control"] == "no-store"
    assert b"How to pay" in page.content
    assert b"Request a return" not in page.content


def test_return_link_once_shipped(client, store):
    response = place(client, store)
    order = order_of(store)
    with tenancy.scope(store.shop):
        Order.objects.filter(pk=order.pk).update(status="fulfilled")
    page = client.get(response["Location"])
    assert b"Request a return" in page.content
    assert b"How to pay" not in page.content
