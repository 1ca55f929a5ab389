"""Catalog reads: the product list (search, filters, sorting, keyset pagination), a product with
its variants and stock, categories, and what a bulk action would change.

Run inside a shop scope (the console opens it per request): every query goes through the scoped
managers, so another shop's ids are simply not found.

The product list never uses OFFSET: a page starts after the last row of the previous one (its sort
value and id, in an opaque cursor), so page 2,000 costs what page 1 costs. With the default sort it
walks the `product_list_recent` index; with the title sort `product_list_title`; with the price
sort `product_list_price` (on the denormalised `Product.price_min`, see services/price_range.py).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Abs, Coalesce
from django.utils.dateparse import parse_datetime

from sellsafe.catalog.models import Category, Product, ProductStatus, Variant
from sellsafe.core.errors import DomainError
from sellsafe.inventory.models import StockLevel

PAGE_SIZE = 50
SELECTION_MAX = 1000
SEARCH_MAX = 200
SORTS = ("updated", "title", "price")
STOCK_STATES = ("in", "low", "out")
_CURSOR_MAX = 600


def _available_by_product() -> Subquery:
    """Units on hand minus reserved over every variant and location of the outer product."""
    levels = (
        StockLevel.objects.filter(variant__product=OuterRef("pk"))
        .order_by()
        .values("variant__product")
        .annotate(total=Sum(F("on_hand") - F("reserved")))
        .values("total")
    )
    return Subquery(levels, output_field=IntegerField())


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    status: str = ""
    category: UUID | None = None
    stock: str = ""
    sort: str = "updated"


@dataclass
class ProductRow:
    id: UUID
    title: str
    status: str
    handle: str
    category: str
    updated_at: datetime
    price_min: int | None
    price_max: int | None
    variant_count: int
    available: int


@dataclass
class ProductPage:
    rows: list[ProductRow] = field(default_factory=list)
    next_cursor: str = ""
    previous_cursor: str = ""


def encode_cursor(*, sort: str, key: Any, pk: Any, direction: str) -> str:
    if isinstance(key, datetime):
        key = key.isoformat()
    payload = json.dumps(
        {"s": sort, "k": key, "id": str(pk), "d": direction}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, UUID, str] | None:
    """(key, id, direction) from a cursor made for this sort, or None for anything else."""
    if not cursor or not isinstance(cursor, str) or len(cursor) > _CURSOR_MAX:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("s") != sort or data.get("d") not in ("n", "p"):
            return None
        pk = UUID(str(data["id"]))
        key = data["k"]
        if sort == "updated":
            key = parse_datetime(key) if isinstance(key, str) else None
            if key is None or key.tzinfo is None:
                return None
        elif sort == "title":
            if not isinstance(key, str) or len(key) > 200:
                return None
        elif isinstance(key, bool) or not isinstance(key, int) or not 0 <= key < 10**13:
            return None
        return key, pk, data["d"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def exact_match(q: str) -> list[Any]:
    """Ids of the products with a variant whose SKU or barcode is exactly `q` (index lookups on
    `variant_unique_sku` and `variant_by_barcode`)."""
    found = (
        Variant.objects.filter(Q(sku=q) | Q(barcode=q))
        .order_by()
        .values_list("product_id", flat=True)
        .distinct()
    )
    return list(found[:SELECTION_MAX])


def _filtered(filters: ProductFilters, *, low_stock: int) -> QuerySet[Product]:
    products = Product.objects.all()
    q = filters.q.strip()[:SEARCH_MAX]
    if q:
        exact = exact_match(q)
        # An exact SKU or barcode is what the seller is after: show those products alone. Only
        # when nothing matches exactly, search titles (one indexed query either way; an OR of
        # the two would walk the whole catalogue).
        products = products.filter(pk__in=exact) if exact else products.filter(title__icontains=q)
    if filters.status in ProductStatus.values:
        products = products.filter(status=filters.status)
    if filters.category is not None:
        products = products.filter(category_id=filters.category)
    if filters.stock in STOCK_STATES:
        products = products.alias(available=Coalesce(_available_by_product(), 0))
        if filters.stock == "out":
            products = products.filter(available__lte=0)
        elif filters.stock == "low":
            # 1 <= available <= low_stock - 1, written so the subquery appears once in the SQL:
            # PostgreSQL expands a BETWEEN (or two comparisons) into two evaluations per row.
            products = products.alias(
                low_band=Abs(2 * F("available") - low_stock, output_field=IntegerField())
            ).filter(low_band__lte=low_stock - 2)
        else:
            products = products.filter(available__gte=max(low_stock, 1))
    return products


_ORDER = {
    # sort: (sort column, ascending)
    "updated": ("updated_at", False),
    "title": ("title", True),
    "price": ("price_min", True),
}


def product_page(
    *, filters: ProductFilters, cursor: str = "", low_stock: int = 5, size: int = PAGE_SIZE
) -> ProductPage:
    """One page of the product list. A bad or foreign cursor gives the first page."""
    sort = filters.sort if filters.sort in SORTS else "updated"
    column, ascending = _ORDER[sort]
    products = _filtered(filters, low_stock=low_stock)
    position = decode_cursor(cursor, sort)
    backwards = position is not None and position[2] == "p"
    forward = ascending != backwards  # the direction the query walks
    if position is not None:
        key, pk, _ = position
        op = "gt" if forward else "lt"
        # The first condition alone is what bounds the index scan (the OR below is not an index
        # condition): without it, page N walks the N * size rows before it.
        products = products.filter(Q(**{f"{column}__{op}e": key})).filter(
            Q(**{f"{column}__{op}": key}) | Q(**{column: key, f"pk__{op}": pk})
        )
    order = [column, "pk"] if forward else [f"-{column}", "-pk"]
    fields = ["pk", "title", "status", "handle", "updated_at", "category__name"]
    fields += ["price_min", "price_max", column]
    rows = list(products.order_by(*order).values(*dict.fromkeys(fields))[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    page = ProductPage(rows=_rows(rows))
    if not rows:
        return page
    first, last = rows[0], rows[-1]
    if more or backwards:  # walking back from a page means there is one after it
        page.next_cursor = encode_cursor(sort=sort, key=last[column], pk=last["pk"], direction="n")
    if (position is not None and not backwards) or (backwards and more):
        page.previous_cursor = encode_cursor(
            sort=sort, key=first[column], pk=first["pk"], direction="p"
        )
    return page


def _rows(rows: list[dict[str, Any]]) -> list[ProductRow]:
    """The page's variant counts and available stock in one query, whatever the page size (the
    price range is the product's own denormalised columns)."""
    ids = [row["pk"] for row in rows]
    per_variant = (
        StockLevel.objects.filter(variant=OuterRef("pk"))
        .order_by()
        .values("variant")
        .annotate(total=Sum(F("on_hand") - F("reserved")))
        .values("total")
    )
    counts: dict[Any, int] = {}
    available: dict[Any, int] = {}
    for product_id, units in (
        Variant.objects.filter(product_id__in=ids)
        .order_by()
        .values_list("product_id", Subquery(per_variant, output_field=IntegerField()))
    ):
        counts[product_id] = counts.get(product_id, 0) + 1
        available[product_id] = available.get(product_id, 0) + (units or 0)
    return [
        ProductRow(
            id=row["pk"],
            title=row["title"],
            status=row["status"],
            handle=row["handle"],
            category=row["category__name"] or "",
            updated_at=row["updated_at"],
            price_min=row["price_min"] if counts.get(row["pk"]) else None,
            price_max=row["price_max"] if counts.get(row["pk"]) else None,
            variant_count=counts.get(row["pk"], 0),
            available=available.get(row["pk"], 0),
        )
        for row in rows
    ]


def stock_by_product(product_ids: Iterable[Any]) -> dict[Any, int]:
    """Available units (on hand minus reserved) per product: one aggregate query."""
    ids = list(product_ids)
    if not ids:
        return {}
    totals = (
        StockLevel.objects.filter(variant__product_id__in=ids)
        .values("variant__product_id")
        .annotate(total=Sum(F("on_hand") - F("reserved")))
        .order_by()
    )
    return {row["variant__product_id"]: row["total"] or 0 for row in totals}


def stock_by_variant(variant_ids: Iterable[Any]) -> dict[Any, int]:
    ids = list(variant_ids)
    if not ids:
        return {}
    totals = (
        StockLevel.objects.filter(variant_id__in=ids)
        .values("variant_id")
        .annotate(total=Sum(F("on_hand") - F("reserved")))
        .order_by()
    )
    return {row["variant_id"]: row["total"] or 0 for row in totals}


def product_by_id(product_id: Any) -> Product | None:
    """A product of the current shop with its category and variants, or None."""
    try:
        pk = UUID(str(product_id))
    except ValueError:
        return None
    return (
        Product.objects.select_related("category")
        .prefetch_related("variants")
        .filter(pk=pk)
        .first()
    )


def categories() -> list[Category]:
    return list(Category.objects.order_by("name", "pk"))


def category_by_id(category_id: Any) -> Category | None:
    try:
        pk = UUID(str(category_id))
    except ValueError:
        return None
    return Category.objects.filter(pk=pk).first()


def product_ids(raw: Iterable[Any]) -> list[UUID]:
    """Valid UUIDs from a selection, in order, without repeats; anything else is ignored."""
    ids: list[UUID] = []
    seen: set[UUID] = set()
    for value in raw:
        try:
            pk = UUID(str(value))
        except ValueError:
            continue
        if pk not in seen:
            seen.add(pk)
            ids.append(pk)
    if len(ids) > SELECTION_MAX:
        raise DomainError(f"Select at most {SELECTION_MAX} products at a time.")
    return ids


BULK_ACTIONS = ("activate", "archive", "delete_drafts", "price")


def bulk_affected(action: str, ids: Iterable[Any]) -> QuerySet[Product]:
    """The products of the selection this action would change."""
    products = Product.objects.filter(pk__in=product_ids(ids))
    if action == "activate":
        return products.exclude(status=ProductStatus.ACTIVE)
    if action == "archive":
        return products.exclude(status=ProductStatus.ARCHIVED)
    if action == "delete_drafts":
        return products.filter(status=ProductStatus.DRAFT)
    if action == "price":
        return products
    raise DomainError("Choose an action.", field="action")


def bulk_preview(*, action: str, ids: Iterable[Any]) -> int:
    """How many products the action would change (for the confirmation step)."""
    return bulk_affected(action, ids).count()
