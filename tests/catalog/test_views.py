"""Catalog console pages: role matrix, tenant isolation, flows, hostile input."""

import re
import uuid

import pytest
from django.urls import get_resolver, reverse

from sellsafe.audit.models import AuditEvent
from sellsafe.catalog import events as catalog_events
from sellsafe.catalog import services
from sellsafe.catalog.models import Category, Product, ProductStatus, Variant
from sellsafe.core import tenancy
from sellsafe.shops import events, roles
from tests.shops.helpers import plain, text, url
from tests.shops.test_shop_architecture import _walk

PARAM = re.compile(r"<(?:\w+:)?(\w+)>")

# (url name, needs a product, permission, method)
PAGES = [
    ("catalog_products", False, "catalog.view", "get"),
    ("catalog_product", True, "catalog.view", "get"),
    ("catalog_product_new", False, "catalog.edit", "get"),
    ("catalog_product_edit", True, "catalog.edit", "get"),
    ("catalog_preview", False, "catalog.edit", "post"),
    ("catalog_bulk", False, "catalog.edit", "get"),
    ("catalog_categories", False, "catalog.view", "get"),
    ("catalog_category_new", False, "catalog.edit", "get"),
]


def catalog_patterns():
    return [
        (route, p)
        for route, p in _walk(get_resolver())
        if route.startswith("s/<slug:shop_slug>/products/")
        # Image and CSV pages have their own matrices (tests/catalog_images, tests/catalog_csv).
        and "/images/" not in route
        and "/csv/" not in route
    ]


def test_every_catalog_page_is_in_the_matrix_and_declares_its_permission():
    patterns = catalog_patterns()
    assert {p.name for _, p in patterns} == {name for name, *_ in PAGES}
    for _route, pattern in patterns:
        assert pattern.callback.sellsafe_permission in ("catalog.view", "catalog.edit")


@pytest.fixture
def catalog_shop(shop_and_owner, make_product):
    shop, owner = shop_and_owner
    product = make_product(shop, owner, title="Matrix product", sku="MX-1")
    return shop, owner, product


@pytest.mark.parametrize("page", PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("role_key", [r.key for r in roles.BUILTIN_ROLES])
def test_each_role_sees_exactly_the_catalog_pages_its_codes_allow(
    catalog_shop, add_member, browser, role_key, page
):
    name, needs_product, permission, method = page
    shop, _, product = catalog_shop
    client = browser(add_member(shop, role_key).user)
    args = [product.pk] if needs_product else []
    denied_before = AuditEvent.objects.filter(shop=shop, action=events.ACCESS_DENIED).count()

    response = getattr(client, method)(url(shop, name, *args))

    if permission in roles.BY_KEY[role_key].codes:
        expected = 302 if name == "catalog_bulk" else 200  # nothing pending: back to the list
        assert response.status_code == expected, (role_key, name)
    else:
        assert response.status_code == 404
        denied = AuditEvent.objects.filter(shop=shop, action=events.ACCESS_DENIED)
        assert denied.count() == denied_before + 1
        assert denied.latest("seq").changes["permission"] == permission


def test_pages_hide_edit_links_from_read_only_roles(catalog_shop, add_member, browser):
    shop, _, product = catalog_shop
    analyst = browser(add_member(shop, roles.ANALYST).user)
    page = analyst.get(url(shop, "catalog_products")).content.decode()
    assert "Matrix product" in page
    assert url(shop, "catalog_product_new") not in page
    assert 'name="products"' not in page


@pytest.fixture
def world(make_shop, make_product):
    shop_a, owner_a = make_shop(slug="victim-cat", name="Victim shop")
    product_a = make_product(shop_a, owner_a, title="Victim secret product", sku="VICTIM-SKU")
    with tenancy.scope(shop_a):
        category_a = services.category_create(actor=owner_a, shop=shop_a, name="Victim category")
    shop_b, owner_b = make_shop(slug="attacker-cat", name="Attacker shop")
    return shop_a, owner_a, product_a, category_a, shop_b, owner_b


def _snapshot(shop):
    with tenancy.scope(shop):
        return (
            sorted(Product.objects.values_list("pk", "title", "status", "updated_at")),
            sorted(Variant.objects.values_list("pk", "sku", "price_minor")),
            sorted(Category.objects.values_list("pk", "name")),
        )


def _hostile_body(product_a, category_a):
    return {
        "title": "Pwned",
        "category": str(category_a.pk),
        "parent": str(category_a.pk),
        "name": "Pwned",
        "status": "active",
        "products": [str(product_a.pk)],
        "action": "price",
        "mode": "percent",
        "direction": "down",
        "amount": "100",
        "confirm": "1",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "0",
        "variants-0-sku": "VICTIM-SKU",
        "variants-0-price": "1",
        "description": "x",
    }


def test_every_catalog_url_with_shop_a_ids_is_404_for_shop_b(world, browser, reauthenticate):
    shop_a, _, product_a, category_a, shop_b, owner_b = world
    client = browser(owner_b.user)
    before = _snapshot(shop_a)
    checked = 0
    for route, _pattern in catalog_patterns():
        if not set(PARAM.findall(route)) - {"shop_slug"}:
            continue
        for slug in (shop_a.slug, shop_b.slug):
            target = "/" + PARAM.sub(
                lambda m, slug=slug: slug if m.group(1) == "shop_slug" else str(product_a.pk),
                route,
            )
            for method in ("get", "post"):
                data = _hostile_body(product_a, category_a) if method == "post" else None
                response = getattr(client, method)(target, data)
                if response.status_code == 405 and slug == shop_b.slug:
                    # A GET-only page answers POST with 405 whatever the id: no oracle.
                    unknown = target.replace(str(product_a.pk), str(uuid.uuid4()))
                    assert getattr(client, method)(unknown, data).status_code == 405
                else:
                    assert response.status_code == 404, (method, target)
                assert b"Victim" not in response.content
                checked += 1
    assert checked >= 8
    assert _snapshot(shop_a) == before


def test_shop_b_pages_treat_shop_a_ids_as_not_found(world, browser, reauthenticate):
    shop_a, _, product_a, category_a, shop_b, owner_b = world
    client = browser(owner_b.user)
    reauthenticate(client)
    before = _snapshot(shop_a)
    for route, _pattern in catalog_patterns():
        if set(PARAM.findall(route)) - {"shop_slug"}:
            continue
        target = "/" + route.replace("<slug:shop_slug>", shop_b.slug)
        for method in ("get", "post"):
            response = getattr(client, method)(target, _hostile_body(product_a, category_a))
            assert response.status_code < 500, (method, target)
            # (VICTIM-SKU may come back: it is what the attacker typed into B's own form.)
            assert "Victim secret product" not in response.content.decode(), (method, target)
    assert _snapshot(shop_a) == before
    # Shop A's SKU is free in shop B; shop A's category is not found.
    listing = client.get(url(shop_b, "catalog_products"), {"category": str(category_a.pk)})
    assert listing.status_code == 400
    assert "That category was not found in this shop" in text(listing)
    with tenancy.scope(shop_b):
        assert not Product.objects.filter(category_id=category_a.pk).exists()


def _product_post(**overrides):
    data = {
        "title": "Linen shirt",
        "description": "Soft **linen**",
        "status": "draft",
        "tags": "summer, linen",
        "option_1": "Size",
        "variants-TOTAL_FORMS": "3",
        "variants-INITIAL_FORMS": "0",
        "variants-0-sku": "SHIRT-S",
        "variants-0-price": "30.00",
        "variants-0-option_1": "S",
        "variants-1-sku": "SHIRT-M",
        "variants-1-price": "32.50",
        "variants-1-option_1": "M",
    }
    data.update(overrides)
    return data


def test_create_and_edit_a_product_through_the_pages(shop_and_owner, browser):
    shop, owner = shop_and_owner
    client = browser(owner.user)
    response = client.post(url(shop, "catalog_product_new"), _product_post())
    assert response.status_code == 302
    with tenancy.scope(shop):
        product = Product.objects.get()
        assert sorted(product.variants.values_list("sku", "price_minor")) == [
            ("SHIRT-M", 3250),
            ("SHIRT-S", 3000),
        ]
        assert product.tags == ["summer", "linen"]
    detail = client.get(url(shop, "catalog_product", product.pk))
    assert "<strong>linen</strong>" in detail.content.decode()
    edit = client.get(url(shop, "catalog_product_edit", product.pk))
    assert edit.status_code == 200
    assert 'value="32.50"' in edit.content.decode()
    formset = edit.context["formset"]
    data = _product_post(
        **{
            "variants-TOTAL_FORMS": str(len(formset.forms)),
            "variants-INITIAL_FORMS": str(formset.initial_form_count()),
        }
    )
    for i, form in enumerate(formset.initial_forms):
        data[f"variants-{i}-id"] = str(form.initial["id"])
        data[f"variants-{i}-sku"] = form.initial["sku"]
        data[f"variants-{i}-price"] = "20.00"
        data[f"variants-{i}-option_1"] = form.initial["option_1"]
    response = client.post(url(shop, "catalog_product_edit", product.pk), data)
    assert response.status_code == 302, text(response)
    event = AuditEvent.objects.filter(shop=shop, action=catalog_events.PRICE_CHANGED).latest("seq")
    assert {line["price"]["after"] for line in event.changes["prices"]} == {2000}


def test_an_error_keeps_everything_typed_and_shows_on_the_field(shop_and_owner, browser):
    shop, owner = shop_and_owner
    client = browser(owner.user)
    response = client.post(
        url(shop, "catalog_product_new"),
        _product_post(**{"variants-1-price": "-4", "variants-1-sku": "SHIRT-S"}),
    )
    assert response.status_code == 400
    body = text(response)
    assert "negative" in body
    assert 'value="Linen shirt"' in body and "Soft **linen**" in body
    assert 'value="SHIRT-M"' not in body  # what was typed: the second row now says SHIRT-S
    formset = response.context["formset"]
    assert formset.forms[1].errors["price"]
    twice = client.post(
        url(shop, "catalog_product_new"), _product_post(**{"variants-1-sku": "SHIRT-S"})
    )
    assert "used twice" in text(twice)
    assert twice.context["formset"].forms[1].errors["sku"]
    with tenancy.scope(shop):
        assert not Product.objects.exists()


def test_preview_renders_sanitised_markdown(shop_and_owner, browser):
    shop, owner = shop_and_owner
    client = browser(owner.user)
    response = client.post(
        url(shop, "catalog_preview"), {"description": "**hi** <script>alert(1)</script>"}
    )
    body = response.content.decode()
    assert "<strong>hi</strong>" in body
    assert "<script>" not in body


def test_bulk_action_confirms_the_count_first(shop_and_owner, browser, make_product):
    shop, owner = shop_and_owner
    draft = make_product(shop, owner)
    active = make_product(shop, owner, status=ProductStatus.ACTIVE)
    client = browser(owner.user)
    data = {"action": "activate", "products": [str(draft.pk), str(active.pk)]}
    review = client.post(url(shop, "catalog_bulk"), data)
    assert review.status_code == 200
    assert "1 of the 2 selected products will change" in plain(review)
    with tenancy.scope(shop):
        assert Product.objects.get(pk=draft.pk).status == ProductStatus.DRAFT
    done = client.post(url(shop, "catalog_bulk"), {**data, "confirm": "1"})
    assert done.status_code == 302
    with tenancy.scope(shop):
        assert Product.objects.get(pk=draft.pk).status == ProductStatus.ACTIVE


def test_a_steep_bulk_price_drop_asks_for_the_password_and_resumes(
    shop_and_owner, browser, make_product, reauthenticate
):
    shop, owner = shop_and_owner
    product = make_product(shop, owner, price="10.00")
    client = browser(owner.user)
    data = {
        "action": "price",
        "mode": "percent",
        "direction": "down",
        "amount": "90",
        "products": [str(product.pk)],
        "confirm": "1",
    }
    response = client.post(url(shop, "catalog_bulk"), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    with tenancy.scope(shop):
        assert Variant.objects.get().price_minor == 1000
    reauthenticate(client)
    resumed = client.get(url(shop, "catalog_bulk"))
    assert resumed.status_code == 200
    assert "confirming it is you" in text(resumed)
    assert str(product.pk) in resumed.content.decode()
    done = client.post(url(shop, "catalog_bulk"), data)
    assert done.status_code == 302
    with tenancy.scope(shop):
        assert Variant.objects.get().price_minor == 100
    event = AuditEvent.objects.filter(shop=shop, action=catalog_events.BULK_PRICE_CHANGED).latest(
        "seq"
    )
    assert event.changes["reauthenticated"] is True


def test_category_pages(shop_and_owner, browser):
    shop, owner = shop_and_owner
    client = browser(owner.user)
    assert client.post(url(shop, "catalog_category_new"), {"name": "Shirts"}).status_code == 302
    again = client.post(url(shop, "catalog_category_new"), {"name": "shirts"})
    assert again.status_code == 400
    assert "already a category named" in text(again)
    assert "Shirts" in text(client.get(url(shop, "catalog_categories")))


HOSTILE = [
    {"title": "x" * 100_000},
    {"title": ["a", "b"], "variants-TOTAL_FORMS": "abc"},
    {"variants-TOTAL_FORMS": "100000"},
    {"variants-TOTAL_FORMS": "-1"},
    {"variants-0-price": "1e308"},
    {"variants-0-price": "99999999999999999999"},
    {"variants-0-price": "NaN"},
    {"variants-0-compare_at": "-1"},
    {"variants-0-weight": "9" * 50},
    {"variants-0-id": "not-a-uuid"},
    {"variants-0-id": str(uuid.uuid4())},
    {"category": "' OR 1=1 --"},
    {"category": str(uuid.uuid4())},
    {"status": "deleted"},
    {"handle": "../../etc/passwd"},
    {"description": "\x00" * 10},
    {"option_1": "A", "option_2": "a"},
    {"tags": "," * 5000},
    {"title": "\u202e\u0000evil"},
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_product_input_is_never_a_server_error(shop_and_owner, browser, hostile):
    shop, owner = shop_and_owner
    client = browser(owner.user)
    response = client.post(url(shop, "catalog_product_new"), _product_post(**hostile))
    assert response.status_code in (302, 400)


@pytest.mark.parametrize(
    "query",
    [
        {"cursor": "%%%"},
        {"cursor": "x" * 10_000},
        {"sort": "'; DROP TABLE"},
        {"status": ["a", "b"]},
        {"stock": "negative"},
        {"q": "x" * 5000},
        {"category": "nope"},
    ],
)
def test_hostile_list_queries_are_never_a_server_error(catalog_shop, browser, query):
    shop, owner, _ = catalog_shop
    response = browser(owner.user).get(url(shop, "catalog_products"), query)
    assert response.status_code in (200, 400)


@pytest.mark.parametrize(
    "data",
    [
        {"action": "price", "products": ["junk"], "confirm": "1"},
        {"action": "nuke", "products": [str(uuid.uuid4())]},
        {
            "action": "price",
            "amount": "-100",
            "mode": "amount",
            "direction": "down",
            "confirm": "1",
        },
        {"action": "price", "amount": "abc", "mode": "percent", "direction": "up", "confirm": "1"},
        {"action": "price", "amount": "5", "mode": "x", "direction": "up", "confirm": "1"},
        {"action": "activate", "products": [str(uuid.uuid4()) for _ in range(1001)]},
    ],
)
def test_hostile_bulk_input_is_never_a_server_error(catalog_shop, browser, data):
    shop, owner, product = catalog_shop
    data.setdefault("products", [str(product.pk)])
    response = browser(owner.user).post(url(shop, "catalog_bulk"), data)
    assert response.status_code in (200, 302, 400)
    with tenancy.scope(shop):
        assert Variant.objects.get().price_minor == 1000


def test_every_catalog_page_is_csp_clean(catalog_shop, browser, reauthenticate):
    from tests.shops.test_shop_templates import _assert_csp_clean

    shop, owner, product = catalog_shop
    client = browser(owner.user)
    rendered = 0
    for route, _ in catalog_patterns():
        target = "/" + PARAM.sub(
            lambda m: shop.slug if m.group(1) == "shop_slug" else str(product.pk), route
        )
        response = client.get(target)
        if response.status_code == 405:
            response = client.post(target, {"description": "**x**"})
        if response.status_code == 302:
            continue
        _assert_csp_clean(response.content.decode(), target)
        rendered += 1
    assert rendered >= 7
