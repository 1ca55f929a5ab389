"""Inventory and notification pages: the role matrix, tenant isolation for every new URL, the
forms, and hostile input that must never reach a 500."""

import uuid

import pytest
from django.urls import reverse

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.inventory import services
from sellsafe.inventory.models import Location, StockLevel, StockMovement
from sellsafe.notifications.models import Notification
from sellsafe.shops import events as shop_events
from sellsafe.shops import roles
from tests.inventory.conftest import make_location, make_variant
from tests.shops.helpers import messages_of, plain

pytestmark = pytest.mark.django_db

# (url name, object the URL needs, permission, method)
PAGES = [
    ("inventory_locations", None, "catalog.view", "get"),
    ("inventory_location_new", None, "inventory.adjust", "get"),
    ("inventory_location_edit", "location", "inventory.adjust", "get"),
    ("inventory_default_threshold", None, "shop.settings", "post"),
    ("inventory_variant", "variant", "catalog.view", "get"),
    ("inventory_variant_adjust", "variant", "inventory.adjust", "post"),
    ("inventory_variant_threshold", "variant", "inventory.adjust", "post"),
    ("shop_notifications", None, "shop.view", "get"),
]
PARAMS = {"location": "location_id", "variant": "variant_id"}


def url(shop, name, *args):
    return reverse(f"console:{name}", args=[shop.slug, *args])


def stock(shop, variant, location):
    with tenancy.scope(shop):
        row = StockLevel.objects.filter(variant=variant, location=location).first()
        return (row.on_hand, row.reserved) if row else None


def test_pages_cover_every_inventory_url():
    from sellsafe.console import inventory_urls

    assert {p.name for p in inventory_urls.urlpatterns} | {"shop_notifications"} == {
        name for name, *_ in PAGES
    }


@pytest.mark.parametrize("page", PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("role_key", [r.key for r in roles.BUILTIN_ROLES])
def test_each_role_gets_exactly_the_pages_its_codes_allow(
    stocked, add_member, browser, role_key, page
):
    name, needs, permission, method = page
    shop, owner, variant, location = stocked
    objects = {"variant": variant.pk, "location": location.pk}
    member = add_member(shop, role_key)
    client = browser(member.user)
    denied_before = AuditEvent.objects.filter(shop=shop, action=shop_events.ACCESS_DENIED).count()

    response = getattr(client, method)(url(shop, name, *([objects[needs]] if needs else [])))

    if permission in roles.BY_KEY[role_key].codes:
        # An empty POST is a form error or clears a setting: never a 404 or a 500.
        expected = {200} if method == "get" else {302, 400}
        assert response.status_code in expected, (role_key, name)
    else:
        assert response.status_code == 404
        denied = AuditEvent.objects.filter(shop=shop, action=shop_events.ACCESS_DENIED)
        assert denied.count() == denied_before + 1
        assert denied.latest("seq").changes["permission"] == permission


def test_the_stock_page_hides_the_forms_from_those_who_cannot_adjust(stocked, add_member, browser):
    shop, owner, variant, location = stocked
    analyst = browser(add_member(shop, roles.ANALYST).user)
    page = analyst.get(url(shop, "inventory_variant", variant.pk)).content.decode()
    assert url(shop, "inventory_variant_adjust", variant.pk) not in page
    assert url(shop, "inventory_variant_threshold", variant.pk) not in page
    page = browser(owner.user).get(url(shop, "inventory_variant", variant.pk)).content.decode()
    assert url(shop, "inventory_variant_adjust", variant.pk) in page


# --- Working pages ---------------------------------------------------------------------------


def test_adjusting_through_the_page_updates_stock_and_shows_the_history(stocked, browser):
    shop, owner, variant, location = stocked
    client = browser(owner.user)
    target = url(shop, "inventory_variant_adjust", variant.pk)
    response = client.post(
        target, {"location": location.pk, "reason": "received", "quantity": "12", "note": "PO 7"}
    )
    assert response.status_code == 302
    client.post(target, {"location": location.pk, "reason": "damaged", "quantity": "2"})
    client.post(target, {"location": location.pk, "reason": "correction", "quantity": "-1"})
    assert stock(shop, variant, location) == (9, 0)

    page = client.get(url(shop, "inventory_variant", variant.pk))
    text = plain(page)
    assert "9 available in total" in text
    assert "PO 7" in text and "Damaged" in text and "Correction" in text
    assert "Stock of TEE-1 at Main warehouse is now 9 on hand." in messages_of(page)

    response = client.post(target, {"location": location.pk, "reason": "counted", "quantity": "4"})
    assert response.status_code == 302
    assert stock(shop, variant, location) == (4, 0)


def test_removing_more_than_on_hand_shows_the_reason_and_keeps_the_input(stocked, browser):
    shop, owner, variant, location = stocked
    services.stock_adjust(
        actor=owner, shop=shop, variant=variant, location=location, change=3, reason="received"
    )
    client = browser(owner.user)
    response = client.post(
        url(shop, "inventory_variant_adjust", variant.pk),
        {"location": location.pk, "reason": "damaged", "quantity": "5", "note": "Dropped"},
    )
    assert response.status_code == 400
    assert "only 3 on hand" in plain(response)
    assert 'value="Dropped"' in response.content.decode()
    assert stock(shop, variant, location) == (3, 0)


def test_locations_can_be_created_and_edited(stocked, browser):
    shop, owner, variant, location = stocked
    client = browser(owner.user)
    response = client.post(url(shop, "inventory_location_new"), {"name": "Dock", "kind": "3pl"})
    assert response.status_code == 302
    response = client.post(url(shop, "inventory_location_new"), {"name": "dock", "kind": "shop"})
    assert response.status_code == 400
    assert "exists already" in plain(response)
    response = client.post(
        url(shop, "inventory_location_edit", location.pk), {"name": "Dock", "kind": "warehouse"}
    )
    assert response.status_code == 400  # the name is taken
    response = client.post(
        url(shop, "inventory_location_edit", location.pk),
        {"name": "Back room", "kind": "shop", "is_active": "on"},
    )
    assert response.status_code == 302
    with tenancy.scope(shop):
        assert sorted(Location.objects.values_list("name", "kind")) == [
            ("Back room", "shop"),
            ("Dock", "3pl"),
        ]
    assert "Back room" in plain(client.get(url(shop, "inventory_locations")))


def test_thresholds_through_the_pages(stocked, browser):
    shop, owner, variant, location = stocked
    client = browser(owner.user)
    response = client.post(url(shop, "inventory_variant_threshold", variant.pk), {"threshold": "8"})
    assert response.status_code == 302
    client.post(url(shop, "inventory_default_threshold"), {"threshold": "3"})
    with tenancy.scope(shop):
        variant.refresh_from_db()
    shop.refresh_from_db()
    assert (variant.low_stock_threshold, shop.low_stock_default) == (8, 3)
    response = client.post(url(shop, "inventory_variant_threshold", variant.pk), {"threshold": ""})
    assert response.status_code == 302
    with tenancy.scope(shop):
        variant.refresh_from_db()
    assert variant.low_stock_threshold is None


def test_notifications_page_shows_only_what_the_member_may_see(stocked, add_member, browser):
    shop, owner, variant, location = stocked
    services.stock_adjust(
        actor=owner, shop=shop, variant=variant, location=location, change=1, reason="received"
    )  # low stock
    with tenancy.scope(shop):
        Notification.objects.create(
            shop=shop, kind="payout", permission="finance.view", title="Payout failed"
        )
    fulfilment = plain(
        browser(add_member(shop, roles.FULFILMENT).user).get(url(shop, "shop_notifications"))
    )
    assert "Low stock: TEE-1" in fulfilment and "Payout failed" not in fulfilment
    finance = plain(
        browser(add_member(shop, roles.FINANCE).user).get(url(shop, "shop_notifications"))
    )
    assert "Payout failed" in finance and "Low stock" not in finance


# --- Hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "quantity",
    [
        "99999999999999999999999",
        "-99999999999999999999",
        "1e3",
        "2.5",
        "abc",
        "",
        "0x10",
        " ",
        "NaN",
        "-0",
        "0",
    ],
)
@pytest.mark.parametrize("reason", ["received", "damaged", "correction", "counted"])
def test_hostile_quantities_are_form_errors_not_500s(stocked, browser, quantity, reason):
    shop, owner, variant, location = stocked
    response = browser(owner.user).post(
        url(shop, "inventory_variant_adjust", variant.pk),
        {"location": location.pk, "reason": reason, "quantity": quantity},
    )
    if reason == "counted" and quantity in ("0", "-0"):
        assert response.status_code == 302  # counting zero is fine
    else:
        assert response.status_code == 400, (quantity, reason)
        assert stock(shop, variant, location) is None


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "received", "quantity": "1", "location": "not-a-uuid"},
        {"reason": "received", "quantity": "1", "location": str(uuid.uuid4())},
        {"reason": "sold", "quantity": "1"},
        {"reason": ["received", "damaged"], "quantity": ["1", "2"]},
        {"reason": "received", "quantity": "1", "note": "x" * 5000},
        {"reason": "received\x00", "quantity": "1\x00"},
    ],
)
def test_hostile_adjust_bodies_are_form_errors(stocked, browser, body):
    shop, owner, variant, location = stocked
    body = {"location": str(location.pk), **body}
    response = browser(owner.user).post(url(shop, "inventory_variant_adjust", variant.pk), body)
    assert response.status_code == 400
    with tenancy.scope(shop):
        assert not StockMovement.objects.exists()


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("inventory_variant_threshold", {"threshold": "-1"}),
        ("inventory_variant_threshold", {"threshold": "9" * 30}),
        ("inventory_variant_threshold", {"threshold": "x"}),
        ("inventory_default_threshold", {"threshold": ""}),
        ("inventory_default_threshold", {"threshold": "9" * 30}),
        ("inventory_location_new", {"name": "x" * 500, "kind": "warehouse"}),
        ("inventory_location_new", {"name": "Ok", "kind": "moon"}),
        ("inventory_location_new", {"name": "\x00", "kind": "shop"}),
    ],
)
def test_hostile_settings_input_is_a_form_error(stocked, browser, name, body):
    shop, owner, variant, location = stocked
    args = [variant.pk] if "variant" in name else []
    response = browser(owner.user).post(url(shop, name, *args), body)
    assert response.status_code == 400


def test_unicode_digits_are_read_as_the_number_they_are(stocked, browser):
    shop, owner, variant, location = stocked
    response = browser(owner.user).post(
        url(shop, "inventory_variant_adjust", variant.pk),
        {"location": location.pk, "reason": "received", "quantity": "\u0661\u0662"},
    )
    assert response.status_code == 302
    assert stock(shop, variant, location) == (12, 0)


def test_history_page_numbers_that_make_no_sense_show_a_page(stocked, browser):
    shop, owner, variant, location = stocked
    client = browser(owner.user)
    for page in ("0", "-1", "99999999999999999999", "x", "1.5"):
        response = client.get(url(shop, "inventory_variant", variant.pk), {"page": page})
        assert response.status_code == 200


# --- Tenant isolation -----------------------------------------------------------------------


@pytest.fixture
def two_shops(make_shop):
    shop_a, owner_a = make_shop(slug="victim", name="Victim shop")
    variant_a = make_variant(shop_a, sku="VICTIM-SKU", title="Victim product")
    location_a = make_location(shop_a, "Victim warehouse")
    services.stock_adjust(
        actor=owner_a,
        shop=shop_a,
        variant=variant_a,
        location=location_a,
        change=7,
        reason="received",
        note="victim note",
    )
    shop_b, owner_b = make_shop(slug="attacker", name="Attacker shop")
    variant_b = make_variant(shop_b, sku="B-SKU")
    location_b = make_location(shop_b, "B warehouse")
    return shop_a, owner_a, variant_a, location_a, shop_b, owner_b, variant_b, location_b


def _snapshot(shop):
    with tenancy.scope(shop):
        return (
            sorted(StockLevel.objects.values_list("on_hand", "reserved")),
            StockMovement.objects.count(),
            sorted(Location.objects.values_list("name", "kind", "is_active")),
        )


def test_every_inventory_url_with_shop_a_ids_is_a_404_for_shop_b(two_shops, browser):
    shop_a, owner_a, variant_a, location_a, shop_b, owner_b, variant_b, location_b = two_shops
    client = browser(owner_b.user)
    before = _snapshot(shop_a)
    ids_a = {"variant": variant_a.pk, "location": location_a.pk}
    checked = 0
    for name, needs, _permission, _method in PAGES:
        cases = [(shop_a, [ids_a[needs]] if needs else [])]
        if needs:
            cases.append((shop_b, [ids_a[needs]]))  # B's own URL carrying A's id
            cases.append((shop_b, [uuid.uuid4()]))  # the same answer as an id that never existed
        for shop, args in cases:
            for method in ("get", "post"):
                body = {
                    "location": str(location_a.pk),
                    "reason": "damaged",
                    "quantity": "7",
                    "name": "Pwned",
                    "kind": "shop",
                    "threshold": "0",
                }
                response = getattr(client, method)(
                    url(shop, name, *args), body if method == "post" else None
                )
                expected = {404}
                if shop == shop_b:
                    expected = {404, 405}  # a POST-only URL answers GET with 405 whatever the id
                assert response.status_code in expected, (name, method, response.status_code)
                page = response.content.decode(errors="replace")
                assert "VICTIM-SKU" not in page and "Victim" not in page
                checked += 1
    assert checked >= 30
    assert _snapshot(shop_a) == before


def test_shop_a_location_in_shop_b_form_is_not_found(two_shops, browser):
    shop_a, owner_a, variant_a, location_a, shop_b, owner_b, variant_b, location_b = two_shops
    client = browser(owner_b.user)
    before = _snapshot(shop_a)
    response = client.post(
        url(shop_b, "inventory_variant_adjust", variant_b.pk),
        {"location": str(location_a.pk), "reason": "received", "quantity": "5"},
    )
    assert response.status_code == 400
    assert "not found in this shop" in plain(response)
    assert "Victim" not in response.content.decode()
    assert _snapshot(shop_a) == before
    assert stock(shop_b, variant_b, location_b) is None


def test_shop_b_pages_list_nothing_of_shop_a(two_shops, browser):
    shop_a, owner_a, variant_a, location_a, shop_b, owner_b, variant_b, location_b = two_shops
    client = browser(owner_b.user)
    for page in (
        client.get(url(shop_b, "inventory_locations")),
        client.get(url(shop_b, "inventory_variant", variant_b.pk)),
        client.get(url(shop_b, "shop_notifications")),
    ):
        assert page.status_code == 200
        assert "Victim" not in page.content.decode()
        assert "VICTIM-SKU" not in page.content.decode()
