"""Exporting the catalog as CSV: one row per variant with its product's fields and its on-hand
count per location (`stock:<location name>` columns). Streamed: variants are read in chunks with
`.iterator()` and each chunk's stock levels in one query, so memory stays flat at any size.

Every cell goes through `neutralise` (the activity-log export's rule): a value starting with
= + - @, a tab or a carriage return gets a leading single quote, so a spreadsheet shows it as text
instead of running it as a formula. Exporting is audited (`catalog.exported`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db import transaction

from sellsafe.audit.exports import neutralise
from sellsafe.audit.services import record
from sellsafe.catalog.csv_import.columns import category_paths, header
from sellsafe.catalog.models import MAX_OPTIONS, Category, Variant
from sellsafe.core import money, tenancy
from sellsafe.inventory.models import Location, StockLevel
from sellsafe.shops.models import Shop

CATALOG_EXPORTED = "catalog.exported"
LABELS: dict[str, str] = {CATALOG_EXPORTED: "Catalog exported as CSV"}
CHUNK = 2000


class _Echo:
    """A file-like object whose write() returns the line: csv.writer streams through it."""

    def write(self, value: str) -> str:
        return value


def _variant_cells(
    variant: Variant,
    *,
    currency: str,
    paths: dict[object, str],
    locations: list[Any],
    stock: dict[tuple[Any, Any], int],
) -> list[str]:
    product = variant.product
    names = list(product.option_names or [])
    values = list(variant.option_values or [])
    cells = [
        product.handle,
        product.title,
        product.description,
        product.status,
        paths.get(product.category_id, "") if product.category_id else "",
        product.brand,
        ", ".join(product.tags or []),
    ]
    for n in range(MAX_OPTIONS):
        cells += [names[n] if n < len(names) else "", values[n] if n < len(values) else ""]
    cells += [
        variant.sku,
        variant.barcode,
        money.format_minor(variant.price_minor, currency),
        money.format_minor(variant.compare_at_minor, currency),
        "" if variant.weight_grams is None else str(variant.weight_grams),
    ]
    cells += [str(stock.get((variant.pk, location.pk), 0)) for location in locations]
    return [neutralise(str(cell)) for cell in cells]


def _rows(shop: Shop) -> Iterator[list[str]]:
    # The scope is entered only to build the querysets (the scoped manager filters by shop when
    # the queryset is made), never across a yield: streaming runs after the view has returned.
    with tenancy.scope(shop):
        locations = list(Location.objects.order_by("name"))
        paths = category_paths(Category.objects.all())
        variants = (
            Variant.objects.select_related("product")
            .order_by("product__handle", "product_id", "position", "sku")
            .iterator(chunk_size=CHUNK)
        )
    yield [neutralise(cell) for cell in header(location.name for location in locations)]
    chunk: list[Variant] = []
    for variant in variants:
        chunk.append(variant)
        if len(chunk) >= CHUNK:
            yield from _chunk_rows(chunk, shop=shop, paths=paths, locations=locations)
            chunk = []
    if chunk:
        yield from _chunk_rows(chunk, shop=shop, paths=paths, locations=locations)


def _chunk_rows(
    chunk: list[Variant], *, shop: Shop, paths: dict[object, str], locations: list[Any]
) -> Iterator[list[str]]:
    stock: dict[tuple[Any, Any], int] = {}
    if locations:
        with tenancy.scope(shop):
            levels = list(
                StockLevel.objects.filter(variant_id__in=[v.pk for v in chunk]).values_list(
                    "variant_id", "location_id", "on_hand"
                )
            )
        stock = {(variant_id, location_id): on_hand for variant_id, location_id, on_hand in levels}
    for variant in chunk:
        yield _variant_cells(
            variant, currency=shop.currency, paths=paths, locations=locations, stock=stock
        )


def catalog_export(*, actor: Any, shop: Shop, via: str = "console") -> Iterator[list[str]]:
    """Record the export, then return the rows to stream (the header first). The caller has
    checked `catalog.view`; `actor` is the user (None for the system)."""
    with tenancy.scope(shop), transaction.atomic():
        record(
            shop=shop,
            action=CATALOG_EXPORTED,
            actor=actor,
            target_type="shop",
            target_id=str(shop.pk),
            changes={"via": via},
        )
    return _rows(shop)


def csv_lines(rows: Iterator[list[str]]) -> Iterator[str]:
    """The rows as CSV text lines (comma dialect, CRLF line ends, quoted where needed)."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)
