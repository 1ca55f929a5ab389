"""Hostile input on every return and refund page, the buyer's form and the webhook: never a 500."""

import uuid

import pytest
from django.urls import reverse

from sellsafe.orders import links
from sellsafe.orders.services import returns
from tests.returns.conftest import lines_of

pytestmark = pytest.mark.django_db

VALUES = ["", "x" * 100_000, "\x00\x01", "-1", "1e309", "9" * 400, str(uuid.uuid4()), "\ud7ff"]


def bodies(field_names):
    yield {}
    for value in VALUES:
        yield dict.fromkeys(field_names, value)
    yield {name: [VALUES[1], VALUES[2]] for name in field_names}


def test_console_pages_never_answer_with_a_server_error(shop_owner, shipped_order, browser):
    shop, owner = shop_owner
    lines = lines_of(shop, shipped_order)
    ret = returns.return_request(
        shop=shop, order=shipped_order, lines=[(lines[0], 1)], reason="x", actor=None
    )
    with_received = returns.return_request(
        shop=shop, order=shipped_order, lines=[(lines[1], 1)], reason="y", actor=None
    )
    returns.return_approve(actor=owner, shop=shop, return_request=with_received)
    with_received.refresh_from_db()
    client = browser(owner.user)
    fields = ["amount", "reason", "return", "qty_" + str(lines[0].pk), "restock_x", "location_x"]
    targets = [
        ("returns", []),
        ("return_detail", [ret.pk]),
        ("return_approve", [ret.pk]),
        ("return_reject", [ret.pk]),
        ("return_receive", [with_received.pk]),
        ("order_return_new", [shipped_order.pk]),
        ("order_refund_new", [shipped_order.pk]),
    ]
    for name, args in targets:
        target = reverse(f"console:{name}", args=[shop.slug, *args])
        for body in bodies(fields):
            for method in ("get", "post"):
                response = getattr(client, method)(target, body)
                assert response.status_code < 500, (name, method)
    for query in ("?return=nope", "?return=" + str(uuid.uuid4()), "?return=" + "9" * 5000):
        target = reverse("console:order_refund_new", args=[shop.slug, shipped_order.pk])
        assert client.get(target + query).status_code == 200


def test_the_buyer_form_never_answers_with_a_server_error(client, shop_owner, shipped_order):
    shop, owner = shop_owner
    first = lines_of(shop, shipped_order)[0]
    target = reverse("storefront:order_return", args=[shop.slug, links.order_token(shipped_order)])
    for body in bodies(["reason", f"qty-{first.pk}"]):
        assert client.post(target, body).status_code < 500
    long_token = reverse("storefront:order_return", args=[shop.slug, "a" * 5000])
    assert client.get(long_token).status_code == 404


def test_the_webhook_never_answers_with_a_server_error(client, shop_owner):
    from sellsafe.orders.services.payments import webhook_secret_create

    shop, _ = shop_owner
    webhook_secret_create(shop=shop)
    target = reverse("hooks:payment_webhook", args=[shop.slug])
    for body in (b"", b"\x00" * 100, b"{" * 10_000, "\ud7ff".encode("utf-8", "surrogatepass")):
        for header in ("", "t=,v1=", "t=" + "9" * 400 + ",v1=" + "a" * 64, "\x00", "t=1,v1=zz"):
            response = client.post(
                target, body, content_type="application/json", HTTP_SELLSAFE_SIGNATURE=header
            )
            assert response.status_code == 400
    assert client.post(target, b"x", content_type="text/plain").status_code == 400
