"""The denormalised price range of products (`Product.price_min` / `price_max`).

Every write that creates, deletes or re-prices variants calls `refresh_price_range` in its own
transaction, after the variant rows are written, so the list can sort and page on an indexed
column instead of a MIN() subquery per product.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce

from sellsafe.catalog.models import Product, Variant

_CHUNK = 1000


def refresh_price_range(*, product_ids: Iterable[Any]) -> int:
    """Recompute price_min/price_max of these products (of the active shop) from their variants
    with one UPDATE per thousand products; returns how many rows were updated."""
    ids = list(dict.fromkeys(product_ids))
    updated = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        variants = Variant.objects.filter(product=OuterRef("pk")).order_by().values("product")
        updated += Product.objects.filter(pk__in=chunk).update(
            price_min=Coalesce(Subquery(variants.annotate(m=Min("price_minor")).values("m")), 0),
            price_max=Coalesce(Subquery(variants.annotate(m=Max("price_minor")).values("m")), 0),
        )
    return updated
