"""The buyer's state at a shop (storefront.state): a signed cookie per shop instead of a session
row. Browsing and buying write no session; the cookie cannot be altered, moved to another shop
or kept past its age; it holds no personal data; staff sessions are left alone."""

import logging
import secrets
import uuid

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import signing
from django.http import HttpResponse
from django.test import Client

from sellsafe.orders.services.placing import MAX_LINES, MAX_QUANTITY
from sellsafe.storefront import state
from sellsafe.storefront.cart import KEYS_KEPT
from tests.storefront.conftest import (
    BUYER,
    add_to_cart,
    buyer_state,
    checkout_key,
    make_store,
    place,
    url,
)

pytestmark = pytest.mark.django_db
COOKIE = settings.SELLSAFE_STORE_COOKIE


def test_browsing_and_buying_write_no_session(client, store):
    assert client.get(url(store, "home")).status_code == 200
    add_to_cart(client, store)
    response = place(client, store)
    assert response.status_code == 302
    assert Session.objects.count() == 0
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    # What the buyer is remembered by: the order just placed; the cart is empty again.
    assert set(buyer_state(client, store)) == {"cart", "checkout-keys", "just-placed"}
    assert buyer_state(client, store)["cart"] == {}


def test_the_cookie_belongs_to_the_shops_pages_only(client, store):
    response = add_to_cart(client, store)
    cookie = response.cookies[COOKIE]
    assert cookie["path"] == f"/store/{store.shop.slug}/"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
    assert "Cookie" in response["Vary"]


def test_the_cookie_is_secure_over_https(client, store, settings):
    settings.SESSION_COOKIE_SECURE = True
    assert add_to_cart(client, store).cookies[COOKIE]["secure"]


def test_an_altered_cookie_is_an_empty_cart(client, store):
    add_to_cart(client, store)
    value = client.cookies[COOKIE].value
    client.cookies[COOKIE] = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    response = client.get(url(store, "cart"))
    assert response.status_code == 200
    assert b"Your cart is empty" in response.content


def test_a_cookie_of_another_shop_is_an_empty_cart(client, store, make_shop):
    other = make_store(make_shop, slug="other")
    add_to_cart(client, other)  # the same name, signed for the other shop
    response = client.get(url(store, "cart"))
    assert b"Your cart is empty" in response.content
    # And a forged cart (signed with another salt) for this shop is no better.
    forged = signing.dumps({"cart": {str(store.variant.pk): 3}}, compress=True)
    client.cookies[COOKIE] = forged
    assert b"Your cart is empty" in client.get(url(store, "cart")).content


def test_an_expired_cookie_is_an_empty_cart(client, store, settings):
    add_to_cart(client, store)
    settings.SESSION_COOKIE_AGE = 0  # anything signed before now is too old
    assert b"Your cart is empty" in client.get(url(store, "cart")).content


def test_a_key_from_another_buyers_cookie_is_refused(client, store):
    add_to_cart(client, store)
    key = checkout_key(client, store)
    thief = Client()
    add_to_cart(thief, store)
    checkout_key(thief, store)
    response = thief.post(url(store, "checkout"), {**BUYER, "idempotency_key": key})
    assert response.status_code == 400 and b"expired" in response.content


def test_the_cookie_holds_no_personal_data(client, store):
    place(client, store)
    raw = client.cookies[COOKIE].value
    decoded = repr(buyer_state(client, store))
    for secret in ("ada.buyer", "Quietbuyer", "123456", "Hiddenstreet", "NW1", "neighbour"):
        assert secret not in raw and secret not in decoded


def test_the_largest_state_fits_in_a_cookie(store):
    full = state.BuyerState(store.shop.pk, None)
    full["cart"] = {str(uuid.uuid4()): MAX_QUANTITY for _ in range(MAX_LINES)}
    full["checkout-keys"] = [secrets.token_urlsafe(24) for _ in range(KEYS_KEPT)]
    full["just-placed"] = str(uuid.uuid4())
    full["cart-error"] = f"A cart holds at most {MAX_LINES} items."
    assert len(full.dumps()) <= state.MAX_COOKIE_BYTES
    again = state.BuyerState(store.shop.pk, full.dumps())
    assert again.get("cart") == full.get("cart")


def test_a_state_too_large_keeps_the_previous_cookie(client, store, monkeypatch, caplog):
    add_to_cart(client, store)
    monkeypatch.setattr(state, "MAX_COOKIE_BYTES", 10)
    with caplog.at_level(logging.WARNING, logger="sellsafe.storefront.state"):
        response = add_to_cart(client, store)
    assert COOKIE not in response.cookies
    assert "too large" in caplog.text
    assert buyer_state(client, store)["cart"] == {str(store.variant.pk): 1}


def test_an_error_response_sends_no_state(store, rf):
    request = rf.get("/")
    buyer = state.load(request, store.shop.pk)
    buyer["cart"] = {"x": 1}
    failed = HttpResponse(status=500)
    state.save(request, failed, buyer, store.shop.slug)
    assert COOKIE not in failed.cookies
    emptied = state.BuyerState(store.shop.pk, buyer.dumps())
    emptied.pop("cart")
    done = HttpResponse()
    state.save(request, done, emptied, store.shop.slug)
    assert done.cookies[COOKIE].value == ""  # the cookie is dropped once nothing is left


def test_a_staff_session_is_left_alone_by_the_storefront(client, store):
    client.force_login(store.owner.user)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert place(client, store).status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == session_key
    kept = Session.objects.get(session_key=session_key).get_decoded()
    assert "_auth_user_id" in kept and not any("cart" in key for key in kept)
