"""How the import writes: new rows (COPY on PostgreSQL, bulk_create elsewhere) hold what the ORM
would write, the price range is set for new products and refreshed for grown ones, and a clash at
write time (a SKU taken meanwhile) rolls everything back with a clear message."""

import pytest

from sellsafe.audit.models import AuditEvent
from sellsafe.catalog.csv_import import CATALOG_IMPORTED, import_csv, writing
from sellsafe.catalog.models import Product, Variant
from sellsafe.core import tenancy
from sellsafe.inventory.models import StockLevel, StockMovement
from tests.catalog_csv.conftest import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = (
    "handle,title,description,tags,option1_name,option1_value,sku,barcode,price,stock:Warehouse"
)


def run(shop, actor, data, **options):
    return import_csv(actor=actor, shop=shop, data=data, file_name="t.csv", **options)


def test_new_rows_hold_what_the_orm_writes(csv_shop):
    shop, owner, warehouse = csv_shop
    result = run(
        shop,
        owner,
        csv_bytes(
            HEADER,
            'mug,Mug,"**Big** mug",kitchen; gift,Size,Large,MUG-L,4006381333931,12.50,7',
            "mug,,,,,Small,MUG-S,,8,0",
        ),
    )
    assert result.status == "done", result.errors
    with tenancy.scope(shop):
        product = Product.objects.get(handle="mug")
        small, large = Variant.objects.filter(product=product).order_by("price_minor")
        level = StockLevel.objects.get(variant=large, location=warehouse)
        movement = StockMovement.objects.get(variant=large)
    assert product.shop_id == shop.pk and small.shop_id == shop.pk
    assert product.title == "Mug"
    assert product.description == "**Big** mug"
    assert product.description_html == "<p><strong>Big</strong> mug</p>\n"
    assert product.option_names == ["Size"]
    assert isinstance(product.tags, list) and product.tags
    assert (product.price_min, product.price_max) == (800, 1250)
    assert product.created_at is not None and product.updated_at is not None
    assert (large.sku, large.barcode, large.option_values, large.position) == (
        "MUG-L",
        "4006381333931",
        ["Large"],
        0,
    )
    assert (small.compare_at_minor, small.weight_grams, small.low_stock_alerted) == (
        None,
        None,
        False,
    )
    assert (level.on_hand, level.reserved) == (7, 0)
    assert (movement.on_hand_change, movement.on_hand_after) == (7, 7)


def test_a_new_variant_of_an_existing_product_refreshes_its_price_range(csv_shop, make_product):
    shop, owner, _ = csv_shop
    make_product(
        shop,
        owner,
        title="Tee",
        handle="tee",
        option_names=["Size"],
        variants=[{"sku": "TEE-S", "price": "10.00", "option_values": ["S"]}],
    )
    result = run(shop, owner, csv_bytes("handle,option1_value,sku,price", "tee,XL,TEE-XL,25"))
    assert result.status == "done", result.errors
    with tenancy.scope(shop):
        product = Product.objects.get(handle="tee")
    assert (product.price_min, product.price_max) == (1000, 2500)


def test_a_sku_taken_while_writing_rolls_everything_back(csv_shop, make_product, monkeypatch):
    shop, owner, _ = csv_shop
    real_batch = writing._Writer.batch

    def batch_after_a_rival(self, planned):
        # Another writer takes the SKU after the file was checked.
        make_product(shop, owner, title="Rival", sku="MUG-2")
        return real_batch(self, planned)

    monkeypatch.setattr(writing._Writer, "batch", batch_after_a_rival)
    result = run(
        shop,
        owner,
        csv_bytes(HEADER, "mug,Mug,,,,,MUG-1,,8,3", "cup,Cup,,,,,MUG-2,,9,4"),
    )
    assert result.status == "refused"
    assert "Nothing was imported" in result.message
    with tenancy.scope(shop):
        assert not Product.objects.exists()
        assert not Variant.objects.exists()
        assert not StockLevel.objects.exists()
        assert not AuditEvent.objects.filter(action=CATALOG_IMPORTED).exists()
