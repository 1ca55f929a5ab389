"""The product list page as HTML: rows built in the view (escaped), links, filters, query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sellsafe.catalog import services
from sellsafe.catalog.models import Variant
from sellsafe.catalog.selectors import ProductFilters, product_page
from sellsafe.core import tenancy
from sellsafe.inventory.models import Location, StockLevel
from sellsafe.shops import roles
from tests.shops.helpers import url


def test_rows_are_escaped_and_link_to_their_product(shop_and_owner, make_product, browser):
    shop, owner = shop_and_owner
    with tenancy.scope(shop):
        hats = services.category_create(actor=owner, shop=shop, name="Hats & <b>caps</b>")
    product = make_product(
        shop,
        owner,
        title='<script>alert("x")</script> Hat',
        category=hats,
        option_names=["Size"],
        variants=[
            {"sku": "HAT-S", "price": "4.00", "option_values": ["S"]},
            {"sku": "HAT-L", "price": "12.50", "option_values": ["L"]},
        ],
    )
    page = browser(owner.user).get(url(shop, "catalog_products")).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Hat" in page
    assert "Hats &amp; &lt;b&gt;caps&lt;/b&gt;" in page
    assert f'href="{url(shop, "catalog_product", product.pk)}"' in page
    assert f'value="{product.pk}" form="bulk-form"' in page  # the owner may select it
    assert 'name="action"' in page  # the bulk fields (rendered once per process)
    row = page[page.index(f'value="{product.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "4.00 to" in row and "12.50" in row
    assert "<td>2</td>" in row  # variants


def test_read_only_roles_get_no_checkboxes(shop_and_owner, make_product, browser, add_member):
    shop, owner = shop_and_owner
    make_product(shop, owner, title="Plain")
    page = browser(add_member(shop, roles.ANALYST).user).get(url(shop, "catalog_products"))
    html = page.content.decode()
    assert "Plain" in html and 'form="bulk-form"' not in html and 'name="action"' not in html


def test_category_filter_takes_an_id_of_this_shop(shop_and_owner, make_product, browser):
    shop, owner = shop_and_owner
    with tenancy.scope(shop):
        hats = services.category_create(actor=owner, shop=shop, name="Hats")
    make_product(shop, owner, title="Hat", category=hats)
    make_product(shop, owner, title="Scarf")
    client = browser(owner.user)
    page = client.get(url(shop, "catalog_products"), {"category": str(hats.pk)})
    assert page.status_code == 200
    assert "Hat" in page.content.decode() and "Scarf" not in page.content.decode()
    assert f'<option value="{hats.pk}" selected>Hats</option>' in page.content.decode()
    for junk in ("nope", "00000000-0000-0000-0000-000000000000"):
        refused = client.get(url(shop, "catalog_products"), {"category": junk})
        assert refused.status_code == 400
        assert "That category was not found in this shop" in refused.content.decode()


def test_sku_search_and_price_sort_pages(shop_and_owner, make_product, browser):
    shop, owner = shop_and_owner
    for n, price in enumerate(("9.00", "1.00", "5.00")):
        make_product(shop, owner, title=f"Item {n}", sku=f"ITEM-{n}", price=price)
    client = browser(owner.user)
    found = client.get(url(shop, "catalog_products"), {"q": "ITEM-2"}).content.decode()
    assert "Item 2" in found and "Item 0" not in found
    by_price = client.get(url(shop, "catalog_products"), {"sort": "price"}).content.decode()
    assert by_price.index("Item 1") < by_price.index("Item 2") < by_price.index("Item 0")


def test_the_page_costs_a_fixed_number_of_queries(shop_and_owner, make_product, browser):
    shop, owner = shop_and_owner
    client = browser(owner.user)
    make_product(shop, owner)
    client.get(url(shop, "catalog_products"))
    with CaptureQueriesContext(connection) as few:
        client.get(url(shop, "catalog_products"))
    for _ in range(30):
        make_product(shop, owner)
    with CaptureQueriesContext(connection) as many:
        client.get(url(shop, "catalog_products"))
    assert len(many) == len(few)
    assert not any("DECLARE" in q["sql"] for q in many.captured_queries)


@pytest.mark.parametrize("low_stock", [0, 1, 2, 5, 7])
def test_stock_states_at_their_boundaries(shop_and_owner, make_product, low_stock):
    """Every product is in exactly one state: out (<= 0), low (1 .. low_stock - 1), in (the rest,
    at least 1)."""
    shop, owner = shop_and_owner
    levels = {n: make_product(shop, owner, title=f"Stock {n}") for n in range(-1, 9)}
    with tenancy.scope(shop):
        place = Location.objects.create(shop=shop, name="Main", kind="warehouse")
        for n, product in levels.items():
            if n >= 0:  # "Stock -1" has no stock level at all
                StockLevel.objects.create(
                    shop=shop,
                    variant=Variant.objects.get(product=product),
                    location=place,
                    on_hand=n + 2,
                    reserved=2,
                )

        def counts(state):
            page = product_page(filters=ProductFilters(stock=state), low_stock=low_stock)
            return sorted(int(row.title.split()[1]) for row in page.rows)

        assert counts("out") == [-1, 0]
        assert counts("low") == [n for n in range(1, 9) if n < low_stock]
        assert counts("in") == [n for n in range(1, 9) if n >= max(low_stock, 1)]


@pytest.mark.parametrize(
    ("sort", "column", "op"),
    [("updated", "updated_at", "<="), ("title", "title", ">="), ("price", "price_min", ">=")],
)
def test_a_deep_page_bounds_its_index_scan(shop_and_owner, make_product, sort, column, op):
    """Besides the (key, id) OR, the page query has a plain `column >= / <= key` condition: the
    only one an index scan can start from, so page 2,000 costs what page 2 costs."""
    shop, owner = shop_and_owner
    for n in range(4):
        make_product(shop, owner, price=f"{n}.00")
    with tenancy.scope(shop):
        first = product_page(filters=ProductFilters(sort=sort), size=2)
        with CaptureQueriesContext(connection) as captured:
            product_page(filters=ProductFilters(sort=sort), cursor=first.next_cursor, size=2)
    page_sql = next(q["sql"] for q in captured if 'FROM "catalog_product"' in q["sql"])
    assert f'"catalog_product"."{column}" {op} ' in page_sql
