"""Writing a checked plan: bulk inserts and updates in batches of BATCH products, stock counts
through the inventory's bulk count (one call per location per batch), every price change audited
with its before/after in a few `product.bulk_price_changed` events per batch, the products' price
range refreshed per batch, and one `catalog.imported` event per import with the counts and the
file's SHA-256.

On PostgreSQL the batches' COPYs run behind the writer (`core.copying.copies_behind`): the
database writes batch n while Python builds batch n+1."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any
from uuid import uuid4

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from sellsafe.audit.services import record
from sellsafe.catalog import events
from sellsafe.catalog.csv_import.copying import insert_new, loaded, new_object, update_fields
from sellsafe.catalog.csv_import.planning import PRODUCT_COLUMNS, Plan, PlannedProduct, ids_in
from sellsafe.catalog.markdown import render
from sellsafe.catalog.models import Product, Variant
from sellsafe.catalog.services.bulk import REAUTH_DROP, REAUTH_PRODUCTS
from sellsafe.catalog.services.common import AUDIT_LIST_MAX, price_change
from sellsafe.catalog.services.price_range import refresh_price_range
from sellsafe.core.copying import copies_behind
from sellsafe.core.errors import DomainError
from sellsafe.inventory.bulk import stock_count_bulk
from sellsafe.inventory.models import Location
from sellsafe.shops.models import Membership, Shop

CATALOG_IMPORTED = "catalog.imported"
LABELS: dict[str, str] = {CATALOG_IMPORTED: "Catalog imported from CSV"}
BATCH = 500
STOCK_NOTE = "CSV import"
PRICE_LINES_PER_EVENT = 500
_ANALYZE = (
    "ANALYZE catalog_product (id, shop_id), "
    "catalog_variant (id, shop_id, product_id, low_stock_alerted), "
    "inventory_stock_level (id, shop_id, variant_id, location_id)"
)
_FIELD_NAMES = {"category_id": "category"}  # attribute -> field name for update_fields


@dataclass
class Counts:
    products_created: int = 0
    products_updated: int = 0
    products_unchanged: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    stock_counted: int = 0
    prices_changed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def price_lines(planned: PlannedProduct) -> list[dict[str, Any]]:
    changes = (
        price_change(
            old,
            sku=old.sku,
            price_minor=planned.data.variants[index].price_minor,
            compare_at_minor=planned.data.variants[index].compare_at_minor,
        )
        for index, old in planned.existing.items()
    )
    return [change for change in changes if change]


def needs_reauthentication(plan: Plan) -> bool:
    """The bulk price change rule: more than REAUTH_PRODUCTS products with new prices, or any
    price falling by more than REAUTH_DROP, needs a recent re-authentication."""
    changed = 0
    for planned in plan.products:
        lines = price_lines(planned)
        if lines:
            changed += 1
        for line in lines:
            before, after = line["price"]["before"], line["price"]["after"]
            if before and after < before * (1 - REAUTH_DROP):
                return True
    return changed > REAUTH_PRODUCTS


def _apply_product_fields(
    product: Product, planned: PlannedProduct, now: Any, html: Callable[[str], str]
) -> tuple[str, ...]:
    """Set the file's values on the product; returns the names of the fields to write (none
    when nothing changed). The product holds only PRODUCT_COLUMNS: description_html is set (and
    written) only with a new description."""
    data = planned.data
    new = {
        "title": data.title,
        "description": data.description,
        "category_id": data.category.pk if data.category else None,
        "brand": data.brand,
        "tags": data.tags,
        "status": data.status,
        "option_names": data.option_names,
    }
    changed = [name for name, value in new.items() if getattr(product, name) != value]
    if not changed:
        return ()
    for name in changed:
        setattr(product, name, new[name])
    fields = [_FIELD_NAMES.get(name, name) for name in changed]
    if "description" in changed:
        product.description_html = html(data.description)
        fields.append("description_html")
    product.updated_at = now
    return (*fields, "updated_at")


def _variant_values(planned: PlannedProduct, index: int) -> dict[str, Any]:
    """The file's values for the variant at `index` (all but its SKU)."""
    v = planned.data.variants[index]
    return {
        "barcode": v.barcode,
        "price_minor": v.price_minor,
        "compare_at_minor": v.compare_at_minor,
        "option_values": v.option_values,
        "weight_grams": v.weight_grams,
        "position": index,
    }


def _apply_variant_fields(variant: Variant, planned: PlannedProduct, index: int) -> tuple[str, ...]:
    """Set the file's values on the variant; returns the names of the fields that changed."""
    new = _variant_values(planned, index)
    changed = tuple(name for name, value in new.items() if getattr(variant, name) != value)
    for name in changed:
        setattr(variant, name, new[name])
    return changed


class _Writer:
    def __init__(self, *, actor: Membership, shop: Shop, plan: Plan) -> None:
        self.actor, self.shop, self.plan = actor, shop, plan
        self.counts = Counts()
        self.product_ids: list[str] = []
        self.batches = 0
        self.rendered: dict[str, str] = {}
        self.analysed_rows: int | None = None

    def batch(self, batch: list[PlannedProduct]) -> None:
        shop, now = self.shop, timezone.now()
        existing_ids = [p.product.pk for p in batch if p.product is not None]
        rows = (
            ids_in(Product.objects.select_for_update(), "id", existing_ids)
            .order_by("pk")
            .values_list(*PRODUCT_COLUMNS)
        )
        locked = {p.pk: p for p in loaded(Product, PRODUCT_COLUMNS, rows)}
        new_products: list[Product] = []
        new_variants: list[Variant] = []
        changed_products: dict[tuple[str, ...], list[Product]] = {}
        changed_variants: dict[tuple[str, ...], list[Variant]] = {}
        by_index: list[dict[int, Variant]] = []
        grown: list[Any] = []  # existing products that get new variants
        # Before/after of every price, taken before the rows are changed in memory.
        prices = [(planned, price_lines(planned)) for planned in batch]
        for planned in batch:
            data = planned.data
            variants: dict[int, Variant] = {}
            if planned.product is None:
                product = new_object(
                    Product,
                    {
                        "id": uuid4(),
                        "shop_id": shop.pk,
                        "title": data.title,
                        "description": data.description,
                        "description_html": self.html(data.description),
                        "category_id": data.category.pk if data.category else None,
                        "brand": data.brand,
                        "tags": data.tags,
                        "status": data.status,
                        "handle": planned.handle,
                        "option_names": data.option_names,
                    },
                )
                # Every variant of a new product is in the file: its price range is known.
                prices_minor = [v.price_minor for v in data.variants]
                if prices_minor:
                    product.price_min, product.price_max = min(prices_minor), max(prices_minor)
                new_products.append(product)
                self.counts.products_created += 1
            else:
                product = locked.get(planned.product.pk) or planned.product
                product_fields = _apply_product_fields(product, planned, now, self.html)
                variants_changed = False
                for index, variant in planned.existing.items():
                    fields = _apply_variant_fields(variant, planned, index)
                    if fields:
                        changed_variants.setdefault(fields, []).append(variant)
                        self.counts.variants_updated += 1
                        variants_changed = True
                    variants[index] = variant
                if len(planned.existing) < len(data.variants):
                    grown.append(product.pk)
                if len(planned.existing) < len(data.variants) and not product_fields:
                    product.updated_at = now
                    product_fields = ("updated_at",)
                if product_fields:
                    changed_products.setdefault(product_fields, []).append(product)
                    self.counts.products_updated += 1
                elif variants_changed:
                    self.counts.products_updated += 1
                else:
                    self.counts.products_unchanged += 1
            for index, v in enumerate(data.variants):
                if index in planned.existing:
                    continue
                variant = new_object(
                    Variant,
                    {
                        "id": uuid4(),
                        "shop_id": shop.pk,
                        "product_id": product.pk,
                        "sku": v.sku,
                        **_variant_values(planned, index),
                    },
                )
                new_variants.append(variant)
                variants[index] = variant
                self.counts.variants_created += 1
            by_index.append(variants)
            self.product_ids.append(str(product.pk))
        insert_new(Product, new_products, now=now)
        insert_new(Variant, new_variants, now=now)
        # Grouped by the fields that changed (usually the price alone), in small statements:
        # bulk_update's CASE per field costs rows x rows in one UPDATE.
        for fields, products in changed_products.items():
            update_fields(Product, products, fields)
        for fields, variants_of in changed_variants.items():
            update_fields(Variant, variants_of, fields)
        repriced = self._audit_prices(prices)
        self._analyze()
        refresh_price_range(product_ids=grown + repriced)
        self._stock(batch, by_index)

    def html(self, text: str) -> str:
        """The rendered description: rendered ahead by the prefetch thread, or now."""
        found = self.rendered.get(text)
        return found if found is not None else render(text)

    def _analyze(self) -> None:
        """PostgreSQL: refresh the planner's statistics while an import grows the tables well past
        what they said, after batch 1, 2, 4, 8, ... as long as this import created more variants
        than the table had when last analysed. A fresh shop's tables have no statistics
        (autovacuum cannot count rows of the import's open transaction; ANALYZE in it does), and
        with a table a hundred times larger than its statistics say the planner scans the whole
        shop's index per row: `refresh_price_range` and the stock-level lookups then take seconds
        per batch. Imports that mostly update existing rows never analyse.

        Only the columns the import's own statements filter and join on (_ANALYZE): ~8x cheaper
        than whole rows with their text and JSON, and a column list does not reset the tables'
        autovacuum counters, so autovacuum still analyses them fully after the commit."""
        self.batches += 1
        if connection.vendor != "postgresql" or len(self.plan.products) <= BATCH:
            return
        if self.batches & (self.batches - 1):
            return  # not a power of two
        with connection.cursor() as cursor:
            if self.analysed_rows is None:
                cursor.execute(
                    "SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = %s::regclass",
                    [Variant._meta.db_table],
                )
                row = cursor.fetchone()
                self.analysed_rows = int(row[0]) if row else 0
            if self.counts.variants_created <= self.analysed_rows:
                return
            cursor.execute(_ANALYZE)
            self.analysed_rows += self.counts.variants_created

    def _audit_prices(self, prices: list[tuple[PlannedProduct, list[dict[str, Any]]]]) -> list[Any]:
        """Every changed price with its before/after, in `product.bulk_price_changed` events of
        at most PRICE_LINES_PER_EVENT lines (one or a few per batch instead of one per product).
        Returns the ids of the products whose prices changed."""
        lines: list[dict[str, Any]] = []
        products: list[Any] = []
        for planned, changes in prices:
            if not changes or planned.product is None:
                continue
            products.append(planned.product.pk)
            lines.extend({"product": str(planned.product.pk), **line} for line in changes)
        self.counts.prices_changed += len(lines)
        parts = range(0, len(lines), PRICE_LINES_PER_EVENT)
        for number, start in enumerate(parts, 1):
            part = lines[start : start + PRICE_LINES_PER_EVENT]
            record(
                shop=self.shop,
                action=events.BULK_PRICE_CHANGED,
                actor=self.actor.user,
                target_type="shop",
                target_id=str(self.shop.pk),
                changes={
                    "via": "csv import",
                    "part": f"{number}/{len(parts)}",
                    "product_count": len({line["product"] for line in part}),
                    "variant_count": len(part),
                    "prices": part,
                },
            )
        return products

    def _stock(self, batch: list[PlannedProduct], by_index: list[dict[int, Variant]]) -> None:
        """The batch's stock cells, one `stock_count_bulk` per location."""
        by_location: dict[Any, tuple[Location, list[tuple[Variant, int]]]] = {}
        new: set[Any] = set()  # variants created by this batch, not counted anywhere yet
        for planned, variants in zip(batch, by_index, strict=True):
            for index, location, count in planned.counts:
                variant = variants[index]
                if index not in planned.existing:
                    if count == 0:
                        continue  # a new variant starts with nothing on hand
                    new.add(variant.pk)
                elif count == self.plan.levels.get((variant.pk, location.pk), (0, 0))[0]:
                    continue
                by_location.setdefault(location.pk, (location, []))[1].append((variant, count))
        for location, counts in by_location.values():
            self.counts.stock_counted += stock_count_bulk(
                actor=self.actor,
                shop=self.shop,
                location=location,
                counts=counts,
                note=STOCK_NOTE,
                new_variants=new,
                savepoint=False,  # the batch's transaction is all or nothing for it
            )
            new = new - {variant.pk for variant, _ in counts}  # counted: no longer stockless


def _to_render(batch: list[PlannedProduct]) -> list[str]:
    """The batch's descriptions that will be written (new products, changed descriptions), each
    once."""
    out: dict[str, None] = {}
    for planned in batch:
        text = planned.data.description
        if text and (planned.product is None or planned.product.description != text):
            out[text] = None
    return list(out)


def _rendered(texts: list[str]) -> dict[str, str]:
    return {text: render(text) for text in texts}


class _Prefetch:
    """Render batch n+1's descriptions while batch n is written, on a helper thread: the
    renderer (cmark) and the sanitiser (nh3) are native code that releases the GIL."""

    def __init__(self, products: list[PlannedProduct]) -> None:
        self.products = products
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv-render")
        self.next: Future[dict[str, str]] | None = None
        self.submit(0)

    def submit(self, start: int) -> None:
        texts = _to_render(self.products[start : start + BATCH])
        self.next = self.pool.submit(_rendered, texts) if texts else None

    def take(self, writer: _Writer, start: int) -> None:
        current, self.next = self.next, None
        self.submit(start + BATCH)
        writer.rendered = current.result() if current else {}

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def apply_plan(
    *,
    actor: Membership,
    shop: Shop,
    plan: Plan,
    all_or_nothing: bool,
    summary: dict[str, Any],
    progress: Callable[[str, int, int], None],
) -> tuple[Counts, list[tuple[list[int], str]]]:
    """Write the plan in batches. All or nothing: one transaction around every batch and the
    summary event. Valid rows only: one transaction per batch, a batch that fails is reported
    (its rows, the reason) and the others are kept. Returns the counts and the failed batches."""
    writer = _Writer(actor=actor, shop=shop, plan=plan)
    failed: list[tuple[list[int], str]] = []
    products = plan.products
    total = len(products)

    def summarise() -> None:
        record(
            shop=shop,
            action=CATALOG_IMPORTED,
            actor=actor.user,
            target_type="shop",
            target_id=str(shop.pk),
            changes={
                **summary,
                **writer.counts.as_dict(),
                "products": writer.product_ids[:AUDIT_LIST_MAX],
                "listed": min(len(writer.product_ids), AUDIT_LIST_MAX),
            },
        )

    prefetch = _Prefetch(products)
    try:
        if all_or_nothing:
            with transaction.atomic(), copies_behind():
                for start in range(0, total, BATCH):
                    prefetch.take(writer, start)
                    writer.batch(products[start : start + BATCH])
                    progress("writing", min(start + BATCH, total), total)
                summarise()
            return writer.counts, failed
        _valid_only(writer, prefetch, failed, progress)
    finally:
        prefetch.close()
    with transaction.atomic():
        summarise()
    return writer.counts, failed


def _valid_only(
    writer: _Writer,
    prefetch: _Prefetch,
    failed: list[tuple[list[int], str]],
    progress: Callable[[str, int, int], None],
) -> None:
    """One transaction per batch; a batch that fails is reported and the others are kept."""
    products = writer.plan.products
    total = len(products)
    for start in range(0, total, BATCH):
        prefetch.take(writer, start)
        batch = products[start : start + BATCH]
        saved = (writer.counts.as_dict(), len(writer.product_ids))
        try:
            with transaction.atomic(), copies_behind():
                writer.batch(batch)
        except (DatabaseError, DomainError) as error:
            writer.counts = Counts(**saved[0])
            del writer.product_ids[saved[1] :]
            message = getattr(error, "message", "") or "A row changed while importing."
            failed.append(([row for p in batch for row in p.rows], str(message)))
        progress("writing", min(start + BATCH, total), total)
