"""The catalog CSV import: create and update by SKU, the complete problem report, all or nothing
and valid rows only, dialects and encodings, hostile files, limits, shops kept apart."""

import pytest

from sellsafe.audit.models import AuditEvent
from sellsafe.catalog import events
from sellsafe.catalog.csv_export import catalog_export, csv_lines
from sellsafe.catalog.csv_import import CATALOG_IMPORTED, import_csv
from sellsafe.catalog.models import Product, Variant
from sellsafe.core import tenancy
from sellsafe.core.errors import NotAllowed
from sellsafe.inventory.models import StockLevel
from sellsafe.shops import roles
from sellsafe.shops import services as shop_services
from tests.catalog_csv.conftest import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = "handle,title,option1_name,option1_value,sku,price,compare_at_price,stock:Warehouse"


def run(shop, actor, data, **options):
    return import_csv(actor=actor, shop=shop, data=data, file_name="t.csv", **options)


def variants(shop):
    with tenancy.scope(shop):
        return {
            v.sku: (v.product.handle, v.price_minor, v.option_values)
            for v in Variant.objects.select_related("product")
        }


def on_hand(shop, sku):
    with tenancy.scope(shop):
        return StockLevel.objects.filter(variant__sku=sku).values_list("on_hand", flat=True).first()


def test_creates_products_with_variants_and_stock(csv_shop):
    shop, owner, _ = csv_shop
    result = run(
        shop,
        owner,
        csv_bytes(
            HEADER,
            "wool-scarf,Wool scarf,Colour,Red,SC-RED,12.50,,4",
            "wool-scarf,,,Blue,SC-BLUE,13.00,20.00,0",
            ",Plain mug,,,MUG-1,8,,2",
        ),
    )
    assert result.status == "done", result.errors
    assert result.counts["products_created"] == 2
    assert result.counts["variants_created"] == 3
    assert variants(shop) == {
        "SC-RED": ("wool-scarf", 1250, ["Red"]),
        "SC-BLUE": ("wool-scarf", 1300, ["Blue"]),
        "MUG-1": ("plain-mug", 800, []),
    }
    assert on_hand(shop, "SC-RED") == 4
    assert on_hand(shop, "SC-BLUE") is None  # a new variant starts at 0: nothing recorded
    assert on_hand(shop, "MUG-1") == 2


def test_updates_by_sku_audits_prices_and_keeps_unlisted_variants(csv_shop, make_product):
    shop, owner, _ = csv_shop
    product = make_product(
        shop,
        owner,
        title="Tee",
        handle="tee",
        option_names=["Size"],
        variants=[
            {"sku": "TEE-S", "price": "10.00", "option_values": ["S"]},
            {"sku": "TEE-M", "price": "10.00", "option_values": ["M"]},
        ],
    )
    result = run(
        shop,
        owner,
        csv_bytes(
            "sku,price,stock:Warehouse",
            "TEE-S,11.00,5",
        ),
    )
    assert result.status == "done", result.errors
    assert result.counts["variants_updated"] == 1
    assert result.counts["prices_changed"] == 1
    assert variants(shop)["TEE-S"] == ("tee", 1100, ["S"])
    assert variants(shop)["TEE-M"] == ("tee", 1000, ["M"])  # not in the file: kept
    assert on_hand(shop, "TEE-S") == 5
    price_event = AuditEvent.objects.filter(shop=shop, action=events.BULK_PRICE_CHANGED).latest(
        "seq"
    )
    assert price_event.changes["via"] == "csv import"
    assert price_event.changes["variant_count"] == 1
    line = price_event.changes["prices"][0]
    assert line["product"] == str(product.pk)
    assert line["sku"] == "TEE-S"
    assert line["price"] == {"before": 1000, "after": 1100}
    assert price_event.actor_user == owner.user
    stock_event = AuditEvent.objects.filter(shop=shop, action="stock.counted").get()
    assert stock_event.changes["counts"][0]["sku"] == "TEE-S"
    assert stock_event.changes["counts"][0]["on_hand"] == {"before": 0, "after": 5}
    assert stock_event.changes["note"] == "CSV import"
    summary = AuditEvent.objects.filter(shop=shop, action=CATALOG_IMPORTED).get()
    assert summary.changes["variants_updated"] == 1
    assert len(summary.changes["file_sha256"]) == 64
    assert summary.changes["mode"] == "all or nothing"


def test_adds_a_variant_to_an_existing_product_by_handle(csv_shop, make_product):
    shop, owner, _ = csv_shop
    make_product(
        shop,
        owner,
        title="Tee",
        handle="tee",
        option_names=["Size"],
        variants=[{"sku": "TEE-S", "price": "10.00", "option_values": ["S"]}],
    )
    result = run(shop, owner, csv_bytes("handle,option1_value,sku,price", "tee,L,TEE-L,12"))
    assert result.status == "done", result.errors
    assert variants(shop)["TEE-L"] == ("tee", 1200, ["L"])
    with tenancy.scope(shop):
        assert Product.objects.count() == 1


def test_every_problem_is_reported_and_nothing_is_written(csv_shop, make_product):
    shop, owner, _ = csv_shop
    make_product(shop, owner, title="Existing", sku="TAKEN-1", price="5.00")
    before = variants(shop)
    events_before = AuditEvent.objects.filter(shop=shop).count()
    result = run(
        shop,
        owner,
        csv_bytes(
            "handle,title,status,sku,price,compare_at_price,stock:Warehouse",
            "good,Good product,active,GOOD-1,10.00,,1",
            "bad-price,Bad price,active,BAD-1,12.345,,1",
            "bad-status,Bad status,sold,BAD-2,1.00,,1",
            "dup,Duplicate,active,GOOD-1,1.00,,1",
            "bad-sku,Bad sku,active,has space,1.00,,1",
            "compare,Compare,active,CMP-1,10.00,5.00,1",
            "stock,Stock,active,STK-1,1.00,,lots",
            "," + "x" * 300 + ",active,LONG-1,1.00,,1",
        ),
    )
    assert result.status == "invalid"
    found = {(e["row"], e["column"]) for e in result.errors}
    assert found == {
        (3, "price"),
        (4, "status"),
        (5, "sku"),
        (6, "sku"),
        (7, "compare_at_price"),
        (8, "stock:Warehouse"),
        (9, "title"),
    }
    by_row = {e["row"]: e for e in result.errors}
    assert by_row[3]["value"] == "12.345"
    assert "two decimal places" in by_row[3]["message"]
    assert "appears twice" in by_row[5]["message"] and "row 2" in by_row[5]["message"]
    assert len(by_row[9]["value"]) <= 60  # long values are cut in the report
    assert "nothing was imported" in result.message
    assert variants(shop) == before
    assert AuditEvent.objects.filter(shop=shop).count() == events_before


def test_one_bad_row_means_nothing_is_written(csv_shop):
    shop, owner, _ = csv_shop
    result = run(
        shop,
        owner,
        csv_bytes("handle,title,sku,price", "a,A,A-1,1.00", "b,B,B-1,-3", "c,C,C-1,2.00"),
    )
    assert result.status == "invalid"
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, "price")]
    assert variants(shop) == {}


def test_valid_only_imports_the_other_products_and_skips_the_bad_ones(csv_shop):
    shop, owner, _ = csv_shop
    result = run(
        shop,
        owner,
        csv_bytes(
            "handle,title,option1_name,option1_value,sku,price",
            "a,A,,,A-1,1.00",
            "b,B,Size,S,B-S,1.00",
            "b,,,M,B-M,oops",
            "c,C,,,C-1,2.00",
        ),
        valid_only=True,
    )
    assert result.status == "done"
    assert set(variants(shop)) == {"A-1", "C-1"}  # product b had a bad row: all of it skipped
    assert result.rows_skipped == 2
    assert result.error_count == 1
    summary = AuditEvent.objects.filter(shop=shop, action=CATALOG_IMPORTED).get()
    assert summary.changes["mode"] == "valid rows only"
    assert summary.changes["products_created"] == 2


def test_dry_run_checks_and_writes_nothing(csv_shop):
    shop, owner, _ = csv_shop
    result = run(shop, owner, csv_bytes("handle,title,sku,price", "a,A,A-1,1.00"), dry_run=True)
    assert result.status == "checked"
    assert result.counts["products_created"] == 1
    assert variants(shop) == {}


def test_utf8_bom_and_excel_semicolons_and_quoted_newlines(csv_shop):
    shop, owner, _ = csv_shop
    data = csv_bytes(
        "handle;title;description;sku;price",
        'cafe;Café crème;"Line one\r\nline two; with a semicolon";CAFE-1;3.50',
        bom=True,
    )
    result = run(shop, owner, data)
    assert result.status == "done", result.errors
    with tenancy.scope(shop):
        product = Product.objects.get()
    assert product.title == "Café crème"
    assert product.description == "Line one\r\nline two; with a semicolon"


def test_row_numbers_count_records_not_lines(csv_shop):
    shop, owner, _ = csv_shop
    data = csv_bytes("handle,title,description,sku,price", 'a,A,"x\ny\nz",A-1,1', "b,B,,B-1,bad")
    result = run(shop, owner, data)
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, "price")]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"PK\x03\x04\x14\x00\x06\x00", "binary"),
        (b"handle,title,sku,price\r\na,Caf\xe9,A-1,1\r\n", "not UTF-8"),
        (b"", "empty"),
        (b"handle,title,sku,price\r\n", "no rows"),
        (b'handle,title\r\n"a,\r\n', "CSV"),
    ],
)
def test_files_that_are_not_csv_text_are_refused_clearly(csv_shop, data, words):
    shop, owner, _ = csv_shop
    result = run(shop, owner, data)
    assert result.status in ("refused", "invalid")
    assert words.lower() in result.message.lower()
    assert variants(shop) == {}


def test_oversized_files_and_too_many_rows_are_refused(csv_shop, settings):
    shop, owner, _ = csv_shop
    settings.SELLSAFE_IMPORT_MAX_BYTES = 100
    result = run(shop, owner, csv_bytes("handle,title,sku,price", *["a,A,A-1,1"] * 20))
    assert result.status == "refused"
    assert "larger than the limit" in result.message
    settings.SELLSAFE_IMPORT_MAX_BYTES = 10_000
    settings.SELLSAFE_IMPORT_MAX_ROWS = 3
    result = run(shop, owner, csv_bytes("title,sku,price", *[f"T{n},S-{n},1" for n in range(5)]))
    assert result.status == "refused"
    assert "more than 3 rows" in result.message


def test_header_problems_stop_the_import(csv_shop):
    shop, owner, _ = csv_shop
    result = run(
        shop, owner, csv_bytes("title,price,colour,stock:Mars", "A,1,red,3"), valid_only=True
    )
    assert result.status == "invalid"
    columns = {e["column"] for e in result.errors if e["row"] == 1}
    assert columns == {"sku", "colour", "stock:Mars"}
    assert variants(shop) == {}


def test_the_same_sku_in_two_shops_is_fine_and_shops_stay_apart(csv_shop, make_shop, make_product):
    shop, owner, _ = csv_shop
    other, other_owner = make_shop(slug="other-csv", name="Other")
    make_product(other, other_owner, title="Theirs", sku="SHARED-1", price="99.00")
    result = run(shop, owner, csv_bytes("handle,title,sku,price", "mine,Mine,SHARED-1,1.00"))
    assert result.status == "done", result.errors
    assert variants(shop) == {"SHARED-1": ("mine", 100, [])}
    assert variants(other)["SHARED-1"][1] == 9900  # untouched


def test_a_sku_cannot_move_to_another_product(csv_shop, make_product):
    shop, owner, _ = csv_shop
    make_product(shop, owner, title="One", handle="one", sku="ONE-1")
    make_product(shop, owner, title="Two", handle="two", sku="TWO-1")
    result = run(shop, owner, csv_bytes("handle,sku,price", "two,ONE-1,1"))
    assert result.status == "invalid"
    assert result.errors[0]["column"] == "sku"
    assert "belongs to another product" in result.errors[0]["message"]


def test_formula_quote_from_the_export_round_trips(csv_shop, make_product):
    shop, owner, _ = csv_shop
    make_product(shop, owner, title='=HYPERLINK("http://evil")', sku="F-1", price="2.00")
    exported = "".join(csv_lines(catalog_export(actor=owner.user, shop=shop))).encode()
    result = run(shop, owner, exported)
    assert result.status == "done", result.errors
    assert result.counts["products_unchanged"] == 1
    with tenancy.scope(shop):
        assert Product.objects.get().title == '=HYPERLINK("http://evil")'


def test_stock_columns_need_inventory_adjust(csv_shop, add_member, make_user):
    shop, owner, _ = csv_shop
    with tenancy.scope(shop):
        role = shop_services.role_create(
            actor=owner, shop=shop, name="Editors", codes=["catalog.view", "catalog.edit"]
        )
    editor = add_member(shop, roles.CATALOG, email="editor@example.com")
    with tenancy.scope(shop):
        editor.role = role
        editor.save(update_fields=["role"])
    result = run(shop, editor, csv_bytes("title,sku,price,stock:Warehouse", "A,A-1,1,5"))
    assert result.status == "invalid"
    assert "permission to adjust stock" in result.errors[0]["message"]
    result = run(shop, editor, csv_bytes("title,sku,price", "A,A-1,1"))
    assert result.status == "done"


def test_only_catalog_editors_may_import(csv_shop, add_member):
    shop, _, _ = csv_shop
    analyst = add_member(shop, roles.ANALYST)
    with pytest.raises(NotAllowed):
        run(shop, analyst, csv_bytes("title,sku,price", "A,A-1,1"))
    assert AuditEvent.objects.filter(shop=shop, action=events.CATALOG_REFUSED).exists()


def test_many_price_changes_need_reauthentication(csv_shop, make_product):
    shop, owner, _ = csv_shop
    make_product(shop, owner, title="Pricey", sku="P-1", price="100.00")
    data = csv_bytes("sku,price", "P-1,1.00")  # a drop of 99%
    result = run(shop, owner, data)
    assert result.status == "refused"
    assert "Confirm your password" in result.message
    assert variants(shop)["P-1"][1] == 10000
    assert run(shop, owner, data, reauthenticated=True).status == "done"
    assert variants(shop)["P-1"][1] == 100


def test_conflicting_product_fields_and_unknown_categories_are_reported_once(csv_shop):
    shop, owner, _ = csv_shop
    result = run(
        shop,
        owner,
        csv_bytes(
            "handle,title,tags,category,option1_name,option1_value,sku,price",
            "tee,Tee,summer,Clothing > Tees,Size,S,T-S,1",
            "tee,Tee,winter,,,M,T-M,1",
        ),
    )
    assert result.status == "invalid"
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, "category"), (3, "tags")]
    assert "row 2" in result.errors[1]["message"]
