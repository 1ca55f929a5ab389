"""The import's fast paths give what the slower general ones give: cells cleaned in one pass,
existing rows loaded as values into objects without Model.__init__, only the product fields that
changed written (description_html only with a new description), stock levels locked before the
missing ones are inserted, and new variants' levels written by COPY on PostgreSQL."""

import gc
import random
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_init

from sellsafe.catalog.csv_import import _cyclic_gc_paused, import_csv, writing
from sellsafe.catalog.csv_import.copying import loaded, new_object
from sellsafe.catalog.csv_import.reading import Table
from sellsafe.catalog.csv_import.rows import clean_cell, read_lines
from sellsafe.catalog.models import Product, Variant
from sellsafe.core import tenancy
from sellsafe.inventory.bulk import stock_count_bulk, uuid_array
from sellsafe.inventory.models import StockLevel, StockMovement
from tests.catalog_csv.conftest import csv_bytes

pytestmark = pytest.mark.django_db


def run(shop, actor, *lines):
    return import_csv(actor=actor, shop=shop, data=csv_bytes(*lines), file_name="t.csv")


def test_cells_are_cleaned_as_clean_cell_does():
    rng = random.Random(3)
    pieces = ["'", "=", "+", "-", "@", "\t", "\r", " ", "a", "1", "'=", "''", "x y"]
    header = ["title", "SKU", "stock:Main", "price"]
    rows = [
        (n, ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 5))) for _ in range(4)])
        for n in range(2, 3000)
    ]
    lines = read_lines(Table(header=header, delimiter=",", rows=rows))
    names = ["title", "sku", "stock:Main", "price"]
    for line, (number, cells) in zip(lines, rows, strict=True):
        assert line.number == number
        assert line.cells == dict(zip(names, map(clean_cell, cells), strict=True))


def test_loaded_objects_hold_the_values_and_defer_the_rest(csv_shop, make_product):
    shop, owner, _ = csv_shop
    make_product(shop, owner, title="Mug", sku="MUG-1", description="**Big**")
    with tenancy.scope(shop):
        columns = ("id", "shop_id", "title", "tags")
        (product,) = loaded(Product, columns, Product.objects.values_list(*columns))
        assert product.title == "Mug" and product.shop_id == shop.pk and product.tags == []
        assert not product._state.adding
        assert product.get_deferred_fields() >= {"description", "description_html", "handle"}
        assert product.description == "**Big**"  # a deferred field loads on first use


def test_objects_are_built_like_the_orm_builds_them(csv_shop):
    shop, _owner, _ = csv_shop
    values = {"shop_id": shop.pk, "product_id": None, "sku": "A-1", "price_minor": 5}
    built, orm = new_object(Variant, values), Variant(**values)
    assert {k: v for k, v in vars(built).items() if k not in ("_state", "id")} == {
        k: v for k, v in vars(orm).items() if k not in ("_state", "id")
    }
    assert built._state.adding and built._state.db is None


def test_models_with_init_signals_are_refused():
    class Receiver:
        def __call__(self, **kwargs):
            pass

    receiver = Receiver()
    post_init.connect(receiver, sender=StockMovement, weak=False)
    try:
        with pytest.raises(TypeError):
            loaded(StockMovement, ("id",), [])
    finally:
        post_init.disconnect(receiver, sender=StockMovement)


def test_only_the_product_fields_that_changed_are_written(csv_shop, make_product):
    shop, owner, _ = csv_shop
    make_product(
        shop, owner, title="Mug", handle="mug", sku="MUG-1", brand="Old", description="**One**"
    )
    with tenancy.scope(shop):
        Product.objects.filter(handle="mug").update(description_html="<p>kept as stored</p>")
        before = Product.objects.get(handle="mug")
    result = run(shop, owner, "handle,brand,sku,price", "mug,New,MUG-1,12")
    assert result.status == "done", result.errors
    with tenancy.scope(shop):
        product = Product.objects.get(handle="mug")
        variant = Variant.objects.get(sku="MUG-1")
    assert product.brand == "New" and product.updated_at > before.updated_at
    assert product.description == "**One**"
    assert product.description_html == "<p>kept as stored</p>"  # not re-rendered, not cleared
    assert (product.price_min, product.price_max, variant.price_minor) == (1200, 1200, 1200)
    result = run(shop, owner, "handle,description,sku", "mug,**Two**,MUG-1")
    assert result.status == "done", result.errors
    with tenancy.scope(shop):
        product = Product.objects.get(handle="mug")
    assert product.description_html == "<p><strong>Two</strong></p>\n"
    assert product.brand == "New"


def test_counts_mix_existing_missing_and_new_levels(csv_shop, make_product):
    """One call with a variant that has a level, one that has none, and one declared new."""
    shop, owner, warehouse = csv_shop
    for sku in ("A-1", "B-1", "C-1"):
        make_product(shop, owner, sku=sku)
    with tenancy.scope(shop):
        stocked, bare, new = (Variant.objects.get(sku=sku) for sku in ("A-1", "B-1", "C-1"))
        StockLevel.objects.create(shop=shop, variant=stocked, location=warehouse, on_hand=4)
        with transaction.atomic():
            changed = stock_count_bulk(
                actor=owner,
                shop=shop,
                location=warehouse,
                counts=[(stocked, 9), (bare, 3), (new, 6)],
                note="test",
                new_variants={new.pk},
            )
        levels = dict(StockLevel.objects.values_list("variant__sku", "on_hand"))
        moves = sorted(StockMovement.objects.values_list("variant__sku", "on_hand_change"))
    assert changed == 3
    assert levels == {"A-1": 9, "B-1": 3, "C-1": 6}
    assert moves == [("A-1", 5), ("B-1", 3), ("C-1", 6)]


def test_a_variant_wrongly_declared_new_is_never_counted_silently(csv_shop, make_product):
    """new_variants promises the variants have no level yet. Broken on PostgreSQL, the COPY is
    refused by the unique constraint; elsewhere the level is found and counted as usual."""
    shop, owner, warehouse = csv_shop
    make_product(shop, owner, sku="A-1")
    with tenancy.scope(shop):
        variant = Variant.objects.get(sku="A-1")
        StockLevel.objects.create(shop=shop, variant=variant, location=warehouse, on_hand=4)

        def count():
            with transaction.atomic():
                return stock_count_bulk(
                    actor=owner,
                    shop=shop,
                    location=warehouse,
                    counts=[(variant, 9)],
                    new_variants={variant.pk},
                )

        if connection.vendor == "postgresql":
            with pytest.raises(IntegrityError):
                count()
            assert StockLevel.objects.get(variant=variant).on_hand == 4
        else:
            assert count() == 1
            assert StockLevel.objects.get(variant=variant).on_hand == 9


def test_movements_and_levels_written_as_copy_text_hold_the_exact_values(csv_shop, make_product):
    """PostgreSQL composes the COPY text itself: a note with a tab, a newline, a backslash and
    "\\N" must come back as it was, and the time to the microsecond."""
    shop, owner, warehouse = csv_shop
    make_product(shop, owner, sku="A-1")
    make_product(shop, owner, sku="B-1")
    note = "take\t1\\N \\ line\r\nend"
    with tenancy.scope(shop):
        old, new = Variant.objects.get(sku="A-1"), Variant.objects.get(sku="B-1")
        StockLevel.objects.create(shop=shop, variant=old, location=warehouse, on_hand=4)
        with transaction.atomic():
            stock_count_bulk(
                actor=owner,
                shop=shop,
                location=warehouse,
                counts=[(old, 9), (new, 6)],
                note=note,
                new_variants={new.pk},
            )
        moves = {m.variant_id: m for m in StockMovement.objects.all()}
        level = StockLevel.objects.get(variant=new)
    assert (level.shop_id, level.location_id, level.on_hand, level.reserved) == (
        shop.pk,
        warehouse.pk,
        6,
        0,
    )
    assert {
        pk: (m.on_hand_change, m.on_hand_after, m.reserved_after) for pk, m in moves.items()
    } == {
        old.pk: (5, 9, 0),
        new.pk: (6, 6, 0),
    }
    for movement in moves.values():
        assert movement.note == note.strip()
        assert (movement.reason, movement.actor_id, movement.shop_id) == (
            "counted",
            owner.user_id,
            shop.pk,
        )
        assert movement.location_id == warehouse.pk
    first, second = moves.values()
    assert first.created_at.tzinfo is not None
    assert abs((first.created_at - second.created_at).total_seconds()) < 5
    if connection.vendor == "postgresql":  # one time for the call, to the microsecond
        assert first.created_at == second.created_at


def test_uuid_arrays_are_literals_of_uuids_only():
    first, second = uuid.UUID(int=1), uuid.UUID(int=2**128 - 1)
    assert uuid_array([first, str(second)]) == (
        "{00000000-0000-0000-0000-000000000001,ffffffff-ffff-ffff-ffff-ffffffffffff}"
    )
    assert uuid_array([]) == "{}"
    with pytest.raises(ValueError):
        uuid_array([first, "1}', '2"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::uuid[]", [uuid_array([first, second])])
            assert cursor.fetchone()[0] == [first, second]


def test_the_cyclic_collector_is_paused_during_an_import_and_restored(csv_shop):
    shop, owner, _ = csv_shop
    seen = []

    def progress(phase, done, total):
        seen.append(gc.isenabled())

    assert gc.isenabled()
    result = import_csv(
        actor=owner,
        shop=shop,
        data=csv_bytes("handle,title,sku,price", "mug,Mug,MUG-1,8"),
        progress=progress,
    )
    assert result.status == "done", result.errors
    assert seen and not any(seen)
    assert gc.isenabled()


def test_the_collector_comes_back_after_a_failure_and_only_if_it_was_on():
    def failing_import():
        with _cyclic_gc_paused():
            with _cyclic_gc_paused():  # overlapping imports (threads): the last one restores it
                assert not gc.isenabled()
            assert not gc.isenabled()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        failing_import()
    assert gc.isenabled()
    gc.disable()
    try:
        with _cyclic_gc_paused():
            pass
        assert not gc.isenabled()  # it was off: left off
    finally:
        gc.enable()


@pytest.mark.parametrize("valid_only", [False, True])
def test_a_write_refused_behind_the_writer_loses_nothing_and_names_the_rows(
    csv_shop, make_product, monkeypatch, valid_only
):
    """After batch 1 a SKU of batch 2 is taken inside the import's own transaction (as a
    concurrent change would be): batch 2's variants COPY (behind the writer, on PostgreSQL) is
    refused. All or nothing: nothing at all is written. Valid rows only: batch 1 and 3 are kept,
    batch 2's rows are reported."""
    shop, owner, _ = csv_shop
    monkeypatch.setattr(writing, "BATCH", 2)
    lines = ["handle,title,sku,price,stock:Warehouse"]
    lines += [f"p{n},Product {n},SKU-{n},{n}.00,{n}" for n in range(1, 7)]

    def progress(phase, done, total):
        if phase == "writing" and done == 2:
            make_product(shop, owner, sku="SKU-3")

    result = import_csv(
        actor=owner, shop=shop, data=csv_bytes(*lines), valid_only=valid_only, progress=progress
    )
    with tenancy.scope(shop):
        skus = sorted(Variant.objects.values_list("sku", flat=True))
        movements = StockMovement.objects.count()
    if not valid_only:
        assert result.status == "refused"
        assert "taken by another change" in result.message
        assert skus == [] and movements == 0
    else:
        assert result.status == "done"
        assert [e["row"] for e in result.errors] == [4, 5]
        assert skus == ["SKU-1", "SKU-2", "SKU-3", "SKU-5", "SKU-6"]  # SKU-3: the other change's
        assert movements == 4
