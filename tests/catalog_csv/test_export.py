"""The catalog CSV export: one row per variant with stock per location, formula cells
neutralised, streamed, audited; and `sellsafe catalog export`."""

import csv
import io

import pytest
from django.core.management import call_command

from sellsafe.audit.models import AuditEvent
from sellsafe.catalog.csv_export import CATALOG_EXPORTED, catalog_export, csv_lines
from sellsafe.core import tenancy
from sellsafe.inventory.services import stock_adjust

pytestmark = pytest.mark.django_db


def exported(shop, actor):
    text = "".join(csv_lines(catalog_export(actor=actor, shop=shop)))
    return list(csv.DictReader(io.StringIO(text)))


def test_one_row_per_variant_with_stock_per_location(csv_shop, make_product):
    shop, owner, warehouse = csv_shop
    product = make_product(
        shop,
        owner,
        title="Wool scarf",
        handle="wool-scarf",
        brand="Acme",
        tags=["winter", "wool"],
        option_names=["Colour"],
        variants=[
            {"sku": "SC-R", "price": "12.50", "compare_at": "15.00", "option_values": ["Red"]},
            {"sku": "SC-B", "price": "13.00", "option_values": ["Blue"], "weight": "120"},
        ],
    )
    with tenancy.scope(shop):
        red = product.variants.get(sku="SC-R")
        stock_adjust(
            actor=owner, shop=shop, variant=red, location=warehouse, change=7, reason="received"
        )
    rows = exported(shop, owner.user)
    assert [r["sku"] for r in rows] == ["SC-R", "SC-B"]
    assert rows[0] == {
        "handle": "wool-scarf",
        "title": "Wool scarf",
        "description": "",
        "status": "draft",
        "category": "",
        "brand": "Acme",
        "tags": "winter, wool",
        "option1_name": "Colour",
        "option1_value": "Red",
        "option2_name": "",
        "option2_value": "",
        "option3_name": "",
        "option3_value": "",
        "sku": "SC-R",
        "barcode": "",
        "price": "12.50",
        "compare_at_price": "15.00",
        "weight_grams": "",
        "stock:Warehouse": "7",
    }
    assert rows[1]["stock:Warehouse"] == "0"
    assert rows[1]["weight_grams"] == "120"


def test_formula_cells_are_neutralised(csv_shop, make_product):
    shop, owner, _ = csv_shop
    make_product(shop, owner, title='=HYPERLINK("http://evil.example","x")', sku="F-1")
    make_product(shop, owner, title="+1+1", sku="F-2", brand="@SUM(A1)")
    make_product(shop, owner, title="-2", sku="F-3", description="\tTabbed")
    rows = {r["sku"]: r for r in exported(shop, owner.user)}
    assert rows["F-1"]["title"] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows["F-2"]["title"] == "'+1+1"
    assert rows["F-2"]["brand"] == "'@SUM(A1)"
    assert rows["F-3"]["title"] == "'-2"
    for row in rows.values():
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_the_export_is_audited_and_shows_only_this_shop(csv_shop, make_shop, make_product):
    shop, owner, _ = csv_shop
    other, other_owner = make_shop(slug="other-export")
    make_product(other, other_owner, title="Secret", sku="SECRET-1")
    make_product(shop, owner, title="Mine", sku="MINE-1")
    rows = exported(shop, owner.user)
    assert [r["sku"] for r in rows] == ["MINE-1"]
    event = AuditEvent.objects.filter(shop=shop, action=CATALOG_EXPORTED).get()
    assert event.actor_user == owner.user


def test_the_export_streams_in_chunks(csv_shop, make_product, monkeypatch):
    from sellsafe.catalog import csv_export

    shop, owner, _ = csv_shop
    monkeypatch.setattr(csv_export, "CHUNK", 2)
    for n in range(5):
        make_product(shop, owner, title=f"P{n}", sku=f"P-{n}")
    rows = catalog_export(actor=owner.user, shop=shop)
    assert next(rows)[0] == "handle"  # the header comes before any product is read
    assert len(list(rows)) == 5


def test_cli_export_to_a_file(csv_shop, make_product, tmp_path):
    shop, owner, _ = csv_shop
    make_product(shop, owner, title="=1+2", sku="CLI-1")
    target = tmp_path / "out.csv"
    call_command("catalog", "export", "--shop", shop.slug, "--output", str(target))
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert rows[0]["title"] == "'=1+2"
    event = AuditEvent.objects.filter(shop=shop, action=CATALOG_EXPORTED).latest("seq")
    assert event.changes == {"via": "cli"}
