"""Hostile input to the checkout and to `order_place`: a clear refusal, nothing written."""

import pytest

from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.orders.models import WebhookEndpoint
from sellsafe.orders.services.placing import Buyer, CartLine, order_place
from tests.storefront.conftest import BUYER, add_product, counts, make_store, place

pytestmark = pytest.mark.django_db

ADDRESS = {k: BUYER[k] for k in ("line1", "line2", "city", "region", "postcode", "country")}


def buyer(**overrides):
    data = {"email": BUYER["email"], "name": BUYER["name"], "phone": BUYER["phone"]}
    data.update(overrides)
    address = {**ADDRESS, **data.pop("address", {})}
    return Buyer(address=address, **data)


def attempt(store, *, lines=None, key="k" * 32, method="cod", note="", **buyer_overrides):
    return order_place(
        shop=store.shop,
        lines=lines if lines is not None else [CartLine(str(store.variant.pk), 1)],
        buyer=buyer(**buyer_overrides),
        payment_method=method,
        idempotency_key=key,
        delivery_note=note,
    )


MEGABYTE = "x" * 1_000_000


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": MEGABYTE}, "name"),
        ({"name": ""}, "name"),
        ({"name": ["Ada"]}, "name"),
        ({"name": "Ada\x00Lovelace"}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": MEGABYTE + "@example.org"}, "email"),
        ({"email": 42}, "email"),
        ({"phone": "12"}, "phone"),
        ({"phone": "+1 555 0100"}, "phone"),
        ({"phone": MEGABYTE}, "phone"),
        ({"phone": None}, "phone"),
        ({"address": {"postcode": "12345"}}, "postcode"),
        ({"address": {"postcode": ""}}, "postcode"),
        ({"address": {"country": "XX"}}, "country"),
        ({"address": {"country": "GBR"}}, "country"),
        ({"address": {"country": {"a": 1}}}, "country"),
        ({"address": {"line1": ""}}, "line1"),
        ({"address": {"line1": MEGABYTE}}, "line1"),
        ({"address": {"city": ""}}, "city"),
        ({"address": {"country": "US", "postcode": "90210", "region": ""}}, "region"),
        ({"address": {"country": "DE", "postcode": "ABCDE"}}, "postcode"),
    ],
)
def test_bad_buyer_details(store, overrides, field):
    with pytest.raises(DomainError) as refusal:
        attempt(store, **overrides)
    assert refusal.value.field == field
    assert counts(store) == (0, 0)


@pytest.mark.parametrize("quantity", [0, -1, 10**9, "abc", None, 1.5, True, "", "1e3"])
def test_bad_quantities(store, quantity):
    with pytest.raises(DomainError) as refusal:
        attempt(store, lines=[CartLine(str(store.variant.pk), quantity)])
    assert refusal.value.field == "cart"
    assert counts(store) == (0, 0)


def test_too_many_lines_and_wrong_types(store):
    for lines in ([], "abc", [("id", 1)], [CartLine(str(store.variant.pk), 1)] * 51):
        with pytest.raises(DomainError):
            attempt(store, lines=lines)
    # The same variant twice adds up, and must stay within 99.
    with pytest.raises(DomainError):
        attempt(store, lines=[CartLine(str(store.variant.pk), 60)] * 2)
    assert counts(store) == (0, 0)


def test_unknown_draft_and_foreign_variants(store, make_shop):
    other = make_store(make_shop, slug="rival")
    _, draft, _ = add_product(store.shop, store.owner, handle="draft-thing", status="draft")
    for variant_id in (
        "00000000-0000-0000-0000-000000000000",
        "not-a-uuid",
        str(draft.pk),
        str(other.variant.pk),
    ):
        with pytest.raises(DomainError) as refusal:
            attempt(store, lines=[CartLine(variant_id, 1)])
        assert refusal.value.field == "cart"
    assert counts(store) == (0, 0)
    assert counts(other) == (0, 0)


def test_bad_payment_method_and_key(store):
    for method in ("", "card", None, ["cod"], "provider"):
        with pytest.raises(DomainError) as refusal:
            attempt(store, method=method)
        assert refusal.value.field == "payment_method"
    for key in ("", "short", "x" * 65, None, 12345678901234567890, "bad key with spaces!!"):
        with pytest.raises(DomainError):
            attempt(store, key=key)
    with pytest.raises(DomainError):
        attempt(store, note="n" * 1001)
    assert counts(store) == (0, 0)


def test_provider_needs_active_endpoint(store):
    store.shop.payment_methods = ["provider"]
    store.shop.save(update_fields=["payment_methods"])
    with tenancy.scope(store.shop):
        WebhookEndpoint.objects.create(shop=store.shop, secret="s", is_active=False)
    with pytest.raises(DomainError):
        attempt(store, method="provider")


def test_a_failing_line_rolls_back_the_others(store):
    _, scarce, _ = add_product(store.shop, store.owner, handle="scarce", units=1)
    lines = [CartLine(str(store.variant.pk), 2), CartLine(str(scarce.pk), 2)]
    with pytest.raises(DomainError, match="only 1 of Scarce left"):
        attempt(store, lines=lines)
    assert counts(store) == (0, 0)
    store.shop.refresh_from_db()
    assert store.shop.order_counter == 1000


def test_idempotent_service_call(store):
    first = attempt(store)
    again = attempt(store, name="Someone Else", lines=[CartLine(str(store.variant.pk), 5)])
    assert first.created and not again.created
    assert again.order.pk == first.order.pk
    assert counts(store) == (1, 1)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": ["a", "b"], "quantity": "x", "country": "\x00"},
        {"name": "n" * 1_000_000, "phone": "p" * 100_000},
        {"payment_method": "provider", "postcode": "{{7*7}}", "country": "<script>"},
    ],
)
def test_hostile_posts_to_the_checkout_view(client, store, data):
    from tests.storefront.conftest import add_to_cart, checkout_key

    add_to_cart(client, store)
    key = checkout_key(client, store)
    response = client.post(
        f"/store/{store.shop.slug}/checkout/", {**BUYER, "idempotency_key": key, **data}
    )
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert counts(store) == (0, 0)


def test_view_keeps_what_the_buyer_typed(client, store):
    response = place(client, store, postcode="NOPE")
    assert response.status_code == 400
    assert b"Enter a valid postcode for United Kingdom" in response.content
    assert b'value="Ada Quietbuyer"' in response.content
