"""The product list: search, filters, stock state and keyset pagination."""

import base64
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sellsafe.catalog import selectors, services
from sellsafe.catalog.models import Product, ProductStatus, Variant
from sellsafe.catalog.selectors import ProductFilters, product_page
from sellsafe.core import tenancy
from sellsafe.inventory.models import Location, StockLevel


def _walk(filters, size=25, **kwargs):
    """Every page forwards, then every page backwards from the last one."""
    seen, pages, cursor = [], [], ""
    while True:
        page = product_page(filters=filters, cursor=cursor, size=size, **kwargs)
        pages.append(page)
        seen.extend(row.id for row in page.rows)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    back = []
    page = pages[-1]
    while page.previous_cursor:
        page = product_page(filters=filters, cursor=page.previous_cursor, size=size, **kwargs)
        back = [row.id for row in page.rows] + back
    return seen, back, pages


@pytest.fixture
def many(shop_and_owner, make_product):
    shop, owner = shop_and_owner
    products = [make_product(shop, owner, price=f"{n % 7}.00") for n in range(120)]
    with tenancy.scope(shop):
        # Equal timestamps and equal titles: only the id breaks ties.
        Product.objects.update(updated_at=products[0].updated_at, title="Same")
    return shop, owner, products


@pytest.mark.parametrize("sort", ["updated", "title", "price"])
def test_keyset_pagination_is_complete_and_stable(many, sort):
    shop, _, products = many
    with tenancy.scope(shop):
        forwards, backwards, pages = _walk(ProductFilters(sort=sort))
    assert len(forwards) == 120
    assert set(forwards) == {p.pk for p in products}
    assert backwards == forwards[: len(backwards)] or backwards == forwards[-len(backwards) :]
    assert len(pages) == 5
    assert not pages[0].previous_cursor


def test_walking_back_returns_the_same_pages(many):
    shop, _, _ = many
    with tenancy.scope(shop):
        first = product_page(filters=ProductFilters(), size=30)
        second = product_page(filters=ProductFilters(), cursor=first.next_cursor, size=30)
        again = product_page(filters=ProductFilters(), cursor=second.previous_cursor, size=30)
    assert [r.id for r in again.rows] == [r.id for r in first.rows]
    assert again.next_cursor


def _cursor(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "x" * 5000,
        _cursor({"s": "updated", "k": "not a date", "id": "x", "d": "n"}),
        _cursor(
            {
                "s": "price",
                "k": "1; DROP TABLE",
                "id": "00000000-0000-0000-0000-000000000000",
                "d": "n",
            }
        ),
        _cursor({"s": "title", "k": 5, "id": "00000000-0000-0000-0000-000000000000", "d": "n"}),
        _cursor([1, 2]),
        _cursor({"s": "updated", "k": "2020-01-01T00:00:00", "id": "1", "d": "n"}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_bad_cursor_gives_the_first_page(many, cursor):
    shop, _, _ = many
    with tenancy.scope(shop):
        first = product_page(filters=ProductFilters())
        page = product_page(filters=ProductFilters(), cursor=cursor)
    assert [r.id for r in page.rows] == [r.id for r in first.rows]


def test_the_page_costs_a_fixed_number_of_queries(many):
    shop, _, _ = many
    with tenancy.scope(shop), CaptureQueriesContext(connection) as queries:
        page = product_page(filters=ProductFilters(stock="in", q="Same"))
    assert len(queries) <= 3
    sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
    assert "OFFSET" not in sql
    assert page.rows == []  # nothing is in stock


def test_search_by_title_sku_and_barcode(shop_and_owner, make_product):
    shop, owner = shop_and_owner
    scarf = make_product(shop, owner, title="Blue wool scarf", sku="SCARF-9")
    make_product(
        shop,
        owner,
        title="Mug",
        variants=[{"sku": "MUG-1", "price": "3", "barcode": "5012345678900"}],
    )
    with tenancy.scope(shop):

        def titles(q):
            return [r.title for r in product_page(filters=ProductFilters(q=q)).rows]

        assert titles("WOOL") == ["Blue wool scarf"]
        assert titles("SCARF-9") == ["Blue wool scarf"]
        assert titles("scarf") == ["Blue wool scarf"]
        assert titles("MUG-") == []  # SKUs match exactly
        assert titles("5012345678900") == ["Mug"]
        assert titles("%") == []
        assert titles("x" * 10_000) == []
        detail = selectors.product_by_id(scarf.pk)
        assert detail is not None and detail.variants.all()[0].sku == "SCARF-9"
        assert selectors.product_by_id("nonsense") is None


def test_filters_status_category_and_stock(shop_and_owner, make_product):
    shop, owner = shop_and_owner
    with tenancy.scope(shop):
        hats = services.category_create(actor=owner, shop=shop, name="Hats")
    hat = make_product(shop, owner, title="Hat", category=hats, status=ProductStatus.ACTIVE)
    low = make_product(shop, owner, title="Low")
    out = make_product(shop, owner, title="Out")
    with tenancy.scope(shop):
        place = Location.objects.create(shop=shop, name="Main", kind="warehouse")
        other = Location.objects.create(shop=shop, name="Other", kind="shop")
        for product, on_hand, reserved in ((hat, 10, 0), (low, 5, 3), (out, 2, 2)):
            variant = Variant.objects.get(product=product)
            StockLevel.objects.create(
                shop=shop, variant=variant, location=place, on_hand=on_hand, reserved=reserved
            )
        StockLevel.objects.create(
            shop=shop, variant=Variant.objects.get(product=hat), location=other, on_hand=4
        )

        def titles(**filters):
            return sorted(
                r.title for r in product_page(filters=ProductFilters(**filters), low_stock=5).rows
            )

        assert titles(status="active") == ["Hat"]
        assert titles(status="bogus") == ["Hat", "Low", "Out"]
        assert titles(category=hats.pk) == ["Hat"]
        assert titles(stock="in") == ["Hat"]
        assert titles(stock="low") == ["Low"]
        assert titles(stock="out") == ["Out"]
        rows = {r.title: r.available for r in product_page(filters=ProductFilters()).rows}
        assert rows == {"Hat": 14, "Low": 2, "Out": 0}


def test_bulk_preview_counts_what_would_change(shop_and_owner, make_product, make_shop):
    shop, owner = shop_and_owner
    draft = make_product(shop, owner)
    active = make_product(shop, owner, status=ProductStatus.ACTIVE)
    other, other_owner = make_shop(slug="preview-other")
    theirs = make_product(other, other_owner)
    ids = [draft.pk, active.pk, theirs.pk, "junk"]
    with tenancy.scope(shop):
        assert selectors.bulk_preview(action="activate", ids=ids) == 1
        assert selectors.bulk_preview(action="archive", ids=ids) == 2
        assert selectors.bulk_preview(action="delete_drafts", ids=ids) == 1
        assert selectors.bulk_preview(action="price", ids=ids) == 2
