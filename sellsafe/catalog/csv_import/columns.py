"""The columns of the catalog CSV file, shared by export and import (docs/catalog-csv.md)."""

from __future__ import annotations

from collections.abc import Iterable

from sellsafe.catalog.models import MAX_OPTIONS, Category

STOCK_PREFIX = "stock:"
CATEGORY_SEPARATOR = " > "

PRODUCT_COLUMNS = (
    "handle",
    "title",
    "description",
    "status",
    "category",
    "brand",
    "tags",
    *(f"option{n}_name" for n in range(1, MAX_OPTIONS + 1)),
)
VARIANT_COLUMNS = (
    *(f"option{n}_value" for n in range(1, MAX_OPTIONS + 1)),
    "sku",
    "barcode",
    "price",
    "compare_at_price",
    "weight_grams",
)
KNOWN = frozenset(PRODUCT_COLUMNS) | frozenset(VARIANT_COLUMNS)


def header(location_names: Iterable[str]) -> list[str]:
    """The export's column order: product fields, then option names and values interleaved,
    then the variant's own fields, then one `stock:<location>` column per location."""
    columns = list(PRODUCT_COLUMNS[:7])
    for n in range(1, MAX_OPTIONS + 1):
        columns += [f"option{n}_name", f"option{n}_value"]
    columns += list(VARIANT_COLUMNS[MAX_OPTIONS:])
    columns += [f"{STOCK_PREFIX}{name}" for name in location_names]
    return columns


def category_paths(categories: Iterable[Category]) -> dict[object, str]:
    """Every category's full path ("Clothing > Scarves"), by id."""
    by_id = {c.pk: c for c in categories}
    paths: dict[object, str] = {}
    for pk, category in by_id.items():
        names: list[str] = []
        seen: set[object] = set()
        node: Category | None = category
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = by_id.get(node.parent_id) if node.parent_id else None
        paths[pk] = CATEGORY_SEPARATOR.join(reversed(names))
    return paths
