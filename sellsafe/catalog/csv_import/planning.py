"""Checking a whole file before anything is written, and planning the writes.

Rows are grouped into products (by handle; by the product of an existing SKU; else by title).
Each product is checked with the catalog's own `check_product` (the rules product_create and
product_update apply), fed the product as it will be after the import: for an existing product
its current variants merged with the file's rows, so limits such as "at most 100 variants" and
"no two variants with the same options" hold for the result. Lookups are set-based: the shop's
SKUs, handles, categories, locations and stock levels are each loaded once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import JSONField, Model, QuerySet

from sellsafe.catalog.csv_import.copying import loaded
from sellsafe.catalog.csv_import.reading import Table
from sellsafe.catalog.csv_import.rows import (
    Group,
    Line,
    Plan,
    PlannedProduct,
    Progress,
    RowError,
    ShopIndex,
    group_lines,
    header_problems,
    read_lines,
)
from sellsafe.catalog.models import MAX_OPTIONS, Category, Product, Variant
from sellsafe.catalog.services.validation import CatalogInvalid, check_product, handle_base
from sellsafe.core import money, tenancy
from sellsafe.inventory.bulk import uuid_array
from sellsafe.inventory.models import Location, StockLevel
from sellsafe.inventory.services import MAX_QUANTITY
from sellsafe.shops.models import Membership, Shop

__all__ = ["Plan", "PlannedProduct", "RowError", "plan_import"]

_VARIANT_FIELD_COLUMN = {
    "sku": "sku",
    "barcode": "barcode",
    "price": "price",
    "compare_at": "compare_at_price",
    "weight": "weight_grams",
    "option_values": "option1_value",
    **{f"option_{n}": f"option{n}_value" for n in range(1, MAX_OPTIONS + 1)},
}
_PRODUCT_FIELD_COLUMN = {"option_names": "option1_name"}


def ids_in[M: Model](queryset: QuerySet[M], column: str, ids: Sequence[Any]) -> QuerySet[M]:
    """`column IN ids`; on PostgreSQL as one uuid[] parameter: psycopg's client-side binding of an
    IN list of a thousand parameters cost more CPU than the query."""
    if connection.vendor != "postgresql" or not ids:
        return queryset.filter(**{f"{column}__in": ids})  # empty: no query at all
    # Table and column are the model's and this module's own names; the ids are a bound parameter.
    where = f'"{queryset.model._meta.db_table}"."{column}" = ANY(%s::uuid[])'
    return queryset.extra(where=[where], params=[uuid_array(ids)])  # noqa: S610 # nosec B610


# What the check and the writer read of existing rows: loaded as values, not whole objects
# (Product.description_html, the largest column, is never read back).
PRODUCT_COLUMNS = (
    "id",
    "shop_id",
    "title",
    "description",
    "category_id",
    "brand",
    "tags",
    "status",
    "handle",
    "option_names",
)
VARIANT_COLUMNS = (
    "id",
    "shop_id",
    "product_id",
    "sku",
    "barcode",
    "price_minor",
    "compare_at_minor",
    "option_values",
    "weight_grams",
    "low_stock_threshold",
    "low_stock_alerted",
    "position",
)


def _values(
    model: type[Model],
    columns: Sequence[str],
    column: str,
    ids: Sequence[Any] | None,
    order: str = "",
) -> list[tuple[Any, ...]]:
    """`values_list(*columns)` of the active shop's rows whose `column` is in ids (None: all its
    rows). PostgreSQL: one plain statement with a uuid[] parameter, and each JSON column decoded
    in one `json.loads` of all its values (Django's per-row converters, then a `json.loads` per
    value, were most of the CPU of loading an existing catalog's 150,000 rows)."""
    if connection.vendor != "postgresql":
        queryset = model._default_manager.all()
        if ids is not None:
            queryset = queryset.filter(**{f"{column}__in": ids})
        if order:
            queryset = queryset.order_by(*order.split(", "))
        return list(queryset.values_list(*columns))
    meta = model._meta
    where, params = "shop_id = %s", [tenancy.current_shop().pk]
    if ids is not None:
        where, params = where + f" AND {column} = ANY(%s::uuid[])", [*params, uuid_array(ids)]
    # Table and columns are the model's and this module's own names; the values are parameters.
    sql = (
        f"SELECT {', '.join(columns)} FROM {meta.db_table} WHERE {where}"  # noqa: S608 # nosec B608
        + (f" ORDER BY {order}" if order else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    json_at = [
        index for index, name in enumerate(columns) if isinstance(meta.get_field(name), JSONField)
    ]
    if not json_at or not rows:
        return rows
    table = [list(row) for row in rows]
    for index in json_at:
        texts = [row[index] for row in table]
        # jsonb's output is one valid JSON value per row: as elements of one array, one parse.
        decoded = iter(json.loads("[" + ",".join(t for t in texts if t is not None) + "]"))
        for row, text in zip(table, texts, strict=True):
            row[index] = None if text is None else next(decoded)
    return [tuple(row) for row in table]


def _load_products(
    groups: list[Group], shop_products: int
) -> dict[str, tuple[Product, list[Variant]]]:
    """The existing products the file names, with their variants (position order). When that
    is most of the shop's products, the shop's rows are read in one statement per table instead
    of a lookup per thousand ids."""
    ids = [g.key[1] for g in groups if g.key[0] == "product"]
    if not ids:
        return {}
    wanted = set(ids)
    chunks: list[list[str] | None] = (
        [None]
        if len(ids) * 2 >= shop_products
        else [ids[start : start + 1000] for start in range(0, len(ids), 1000)]
    )
    found: dict[str, tuple[Product, list[Variant]]] = {}
    for batch in chunks:
        rows = _values(Product, PRODUCT_COLUMNS, "id", batch)
        products = {
            pk: p for p in loaded(Product, PRODUCT_COLUMNS, rows) if (pk := str(p.pk)) in wanted
        }
        variants: dict[str, list[Variant]] = {pk: [] for pk in products}
        rows = _values(Variant, VARIANT_COLUMNS, "product_id", batch, order="position, sku")
        for variant in loaded(Variant, VARIANT_COLUMNS, rows):
            found_variants = variants.get(str(variant.product_id))
            if found_variants is not None:
                found_variants.append(variant)
        for pk, product in products.items():
            found[pk] = (product, variants[pk])
    return found


def _product_value(group: Group, column: str, plan: Plan) -> tuple[str, int] | None:
    """The group's value for a product column (first non-empty) and its row; a different value
    on a later row is a problem."""
    chosen: tuple[str, int] | None = None
    for line in group.lines:
        value = line.get(column)
        if not value:
            continue
        if chosen is None:
            chosen = (value, line.number)
        elif value != chosen[0]:
            plan.error(
                line.number,
                column,
                value,
                f"Differs from row {chosen[1]} for the same product (leave it empty or repeat it).",
            )
    return chosen


def _where(
    problem_field: str | None, group: Group, index_rows: list[int], index_skus: list[str]
) -> tuple[int, str, str]:
    """Map a validation problem's form field back to (row, column, prefix)."""
    first = group.lines[0].number
    if problem_field and problem_field.startswith("variants-"):
        _, index_text, name = problem_field.split("-", 2)
        index = int(index_text)
        column = _VARIANT_FIELD_COLUMN.get(name, name)
        if index < len(index_rows) and index_rows[index]:
            return index_rows[index], column, ""
        sku = index_skus[index] if index < len(index_skus) else ""
        return first, column, f"Existing variant {sku}: "
    if problem_field is None:
        return first, "", ""
    return first, _PRODUCT_FIELD_COLUMN.get(problem_field, problem_field), ""


def _text(value: int | None, currency: str) -> str:
    return money.format_minor(value, currency)


def _variant_text(variant: Variant, currency: str) -> dict[str, Any]:
    return {
        "sku": variant.sku,
        "barcode": variant.barcode,
        "price": _text(variant.price_minor, currency),
        "compare_at": _text(variant.compare_at_minor, currency),
        "option_values": list(variant.option_values or []),
        "weight": "" if variant.weight_grams is None else str(variant.weight_grams),
    }


def _override(raw: dict[str, Any], line: Line) -> dict[str, Any]:
    """The row's non-empty cells replace the variant's current values (empty keeps them)."""
    for column, key in (
        ("barcode", "barcode"),
        ("price", "price"),
        ("compare_at_price", "compare_at"),
        ("weight_grams", "weight"),
    ):
        if line.get(column):
            raw[key] = line.get(column)
    values = [line.get(f"option{n}_value") for n in range(1, MAX_OPTIONS + 1)]
    if any(values):
        raw["option_values"] = values
    return raw


def _new_variant(line: Line) -> dict[str, Any]:
    return {
        "sku": line.get("sku"),
        "barcode": line.get("barcode"),
        "price": line.get("price"),
        "compare_at": line.get("compare_at_price"),
        "option_values": [line.get(f"option{n}_value") for n in range(1, MAX_OPTIONS + 1)],
        "weight": line.get("weight_grams"),
    }


class _Checker:
    def __init__(self, *, shop: Shop, table: Table, actor: Membership, progress: Progress) -> None:
        self.shop = shop
        self.table = table
        self.actor = actor
        self.progress = progress
        self.plan = Plan(rows=len(table.rows))
        self.context = ShopIndex(shop)
        self.category_by_id = {c.pk: c for c in self.context.categories.values()}
        self.taken = set(self.context.handles)
        self.levels: dict[tuple[Any, Any], tuple[int, int]] = {}
        self.suffix: dict[str, int] = {}

    def run(self) -> Plan:
        plan = self.plan
        self.stock_columns = header_problems(self.table, plan, self.context, actor=self.actor)
        if plan.errors:
            return plan  # a broken header: the rows cannot be read reliably
        groups = group_lines(read_lines(self.table), plan, self.context)
        loaded = _load_products(groups, len(self.context.handles))
        self._load_levels([v.pk for _p, variants in loaded.values() for v in variants])
        self.taken |= {g.key[1] for g in groups if g.key[0] == "handle"}
        for done, group in enumerate(groups, 1):
            before = len(plan.errors)
            planned = self._check(group, loaded)
            if planned is not None and len(plan.errors) == before:
                plan.products.append(planned)
            else:
                plan.bad_rows.update(line.number for line in group.lines)
            if done % 500 == 0 or done == len(groups):
                self.progress("checking", done, len(groups))
        plan.levels = self.levels
        return plan

    def _load_levels(self, variant_ids: list[Any]) -> None:
        """The stock levels of these variants; of all the shop's variants in one statement when
        they are most of them (levels of other variants are never looked up)."""
        columns = ("variant_id", "location_id", "on_hand", "reserved")
        chunks: list[list[Any] | None] = (
            [None]
            if len(variant_ids) * 2 >= len(self.context.skus)
            else [variant_ids[start : start + 2000] for start in range(0, len(variant_ids), 2000)]
        )
        for chunk in chunks if variant_ids else []:
            for variant_id, location_id, on_hand, reserved in _values(
                StockLevel, columns, "variant_id", chunk
            ):
                self.levels[(variant_id, location_id)] = (on_hand, reserved)

    def _fields(self, group: Group, product: Product | None) -> dict[str, Any]:
        plan = self.plan

        def value(column: str) -> str | None:
            found = _product_value(group, column, plan)
            return found[0] if found else None

        category: Category | None = None
        category_text = _product_value(group, "category", plan)
        if category_text is not None:
            category = self.context.categories.get(category_text[0].casefold())
            if category is None:
                plan.error(
                    category_text[1],
                    "category",
                    category_text[0],
                    'No category with this name (write the full path, e.g. "Clothing > Scarves").',
                )
        elif product is not None and product.category_id:
            category = self.category_by_id.get(product.category_id)
        names = [value(f"option{n}_name") or "" for n in range(1, MAX_OPTIONS + 1)]
        while names and not names[-1]:
            names.pop()
        status = value("status")
        tags = value("tags")
        return {
            "title": value("title") or (product.title if product else ""),
            "description": value("description") or (product.description if product else ""),
            "category": category,
            "brand": value("brand") or (product.brand if product else ""),
            "tags": tags if tags is not None else (product.tags if product else []),
            "status": status.lower() if status else (product.status if product else "draft"),
            "handle": product.handle if product else (value("handle") or ""),
            "option_names": names or (list(product.option_names) if product else []),
        }

    def _check(
        self, group: Group, loaded: dict[str, tuple[Product, list[Variant]]]
    ) -> PlannedProduct | None:
        plan = self.plan
        product: Product | None = None
        current: list[Variant] = []
        if group.key[0] == "product":
            if group.key[1] not in loaded:
                line = group.lines[0]
                plan.error(line.number, "sku", line.get("sku"), "That product changed meanwhile.")
                return None
            product, current = loaded[group.key[1]]
        fields = self._fields(group, product)
        currency = self.shop.currency
        variants: list[dict[str, Any]] = [_variant_text(v, currency) for v in current]
        rows: list[int] = [0] * len(variants)
        skus = [v.sku for v in current]
        by_sku = {v.sku: i for i, v in enumerate(current)}
        existing = {i: v for i, v in enumerate(current)}
        line_index: dict[int, int] = {}
        for line in group.lines:
            sku = line.get("sku")
            if sku in by_sku:
                index = by_sku[sku]
                variants[index] = _override(variants[index], line)
                rows[index] = line.number
            else:
                index = len(variants)
                variants.append(_new_variant(line))
                rows.append(line.number)
                skus.append(sku)
            line_index[line.number] = index
        try:
            data = check_product(
                currency=currency, shop_id=self.shop.pk, variants=variants, **fields
            )
        except CatalogInvalid as error:
            for problem_field, message in error.problems:
                row, column, prefix = _where(problem_field, group, rows, skus)
                cell = next((ln.get(column) for ln in group.lines if ln.number == row), "")
                plan.error(row, column, cell, prefix + message)
            return None
        counts = self._counts(group, line_index, existing)
        handle = fields["handle"] or self._new_handle(data.title)
        return PlannedProduct(
            product=product,
            data=data,
            handle=handle,
            rows=[line.number for line in group.lines],
            existing=existing,
            counts=counts,
        )

    def _counts(
        self, group: Group, line_index: dict[int, int], existing: dict[int, Variant]
    ) -> list[tuple[int, Location, int]]:
        counts: list[tuple[int, Location, int]] = []
        for line in group.lines:
            for column, location in self.stock_columns.items():
                text = line.get(column)
                if not text:
                    continue
                if not text.isdigit() or len(text) > 10 or int(text) > MAX_QUANTITY:
                    self.plan.error(
                        line.number,
                        column,
                        text,
                        f"Enter the units on hand as a whole number from 0 to {MAX_QUANTITY:,}.",
                    )
                    continue
                index = line_index[line.number]
                variant = existing.get(index)
                if variant is not None:
                    reserved = self.levels.get((variant.pk, location.pk), (0, 0))[1]
                    if int(text) < reserved:
                        self.plan.error(
                            line.number,
                            column,
                            text,
                            f"{reserved} units here are reserved for orders: "
                            f"the count cannot be below {reserved}.",
                        )
                        continue
                counts.append((index, location, int(text)))
        return counts

    def _new_handle(self, title: str) -> str:
        base = handle_base(title)
        candidate, n = base, self.suffix.get(base, 1)
        while candidate in self.taken:
            n += 1
            candidate = f"{base}-{n}"
        self.suffix[base] = n
        self.taken.add(candidate)
        return candidate


def plan_import(
    *, shop: Shop, table: Table, actor: Membership, progress: Progress | None = None
) -> Plan:
    """Check every row (inside the shop's scope); nothing is written."""
    return _Checker(
        shop=shop, table=table, actor=actor, progress=progress or (lambda *_: None)
    ).run()
