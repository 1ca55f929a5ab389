"""What the storefront reads: active products, their variants and how many units are available.

Call inside the shop's scope. Available = on hand - reserved, summed over active locations.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery, Sum

from sellsafe.catalog.models import Category, Product, ProductImage, ProductStatus, Variant
from sellsafe.inventory.models import StockLevel

FEW_LEFT = 5


@dataclass(frozen=True, slots=True)
class Stock:
    available: int

    @property
    def state(self) -> str:
        if self.available <= 0:
            return "sold_out"
        return "few" if self.available <= FEW_LEFT else "in_stock"

    @property
    def label(self) -> str:
        if self.available <= 0:
            return "Sold out"
        if self.available <= FEW_LEFT:
            return f"Only {self.available} left"
        return "In stock"


def active_products(category_id: Any = None) -> QuerySet[Product]:
    """Active products with their first picture (`cover`, or None) in one extra query."""
    first_image = ProductImage.objects.filter(product=OuterRef("pk")).order_by(
        "position", "created_at"
    )
    products = (
        Product.objects.filter(status=ProductStatus.ACTIVE)
        .annotate(cover=Subquery(first_image.values("pk")[:1]))
        .order_by("title", "id")
    )
    if category_id:
        try:
            products = products.filter(category_id=uuid.UUID(str(category_id)))
        except ValueError:
            return products.none()
    return products


def categories() -> QuerySet[Category]:
    used = Product.objects.filter(status=ProductStatus.ACTIVE, category__isnull=False)
    return Category.objects.filter(pk__in=used.values("category_id")).order_by("name")


def pictures(product: Product) -> list[ProductImage]:
    return list(ProductImage.objects.filter(product=product).order_by("position", "created_at"))


def product_by_handle(handle: str) -> Product | None:
    if not isinstance(handle, str) or len(handle) > 120:
        return None
    return Product.objects.filter(status=ProductStatus.ACTIVE, handle=handle).first()


def available(variant_ids: Iterable[Any]) -> dict[Any, Stock]:
    ids = list(variant_ids)
    rows = (
        StockLevel.objects.filter(variant_id__in=ids, location__is_active=True)
        .values("variant_id")
        .annotate(free=Sum(F("on_hand") - F("reserved")))
    )
    free = {row["variant_id"]: int(row["free"] or 0) for row in rows}
    return {pk: Stock(available=free.get(pk, 0)) for pk in ids}


def sellable_variants(ids: Iterable[str]) -> dict[str, Variant]:
    """This shop's variants of active products, by id string (others silently absent)."""
    uuids = []
    for value in ids:
        try:
            uuids.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    found = Variant.objects.filter(
        pk__in=uuids, product__status=ProductStatus.ACTIVE
    ).select_related("product")
    return {str(v.pk): v for v in found}
