"""The denormalised price range of products (`Product.price_min` / `price_max`).

Every write that creates, deletes or re-prices variants calls `refresh_price_range` in its own
transaction, after the variant rows are written, so the list can sort and page on an indexed
column instead of a MIN() subquery per product.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection

from sellsafe.catalog.models import Product
from sellsafe.core import tenancy

_CHUNK = 1000


def refresh_price_range(*, product_ids: Iterable[Any]) -> int:
    """Recompute price_min/price_max of these products (of the active shop) from their variants
    with one UPDATE per thousand products; returns how many rows were updated."""
    ids = list(dict.fromkeys(product_ids))
    if connection.vendor == "postgresql":
        return _refresh_grouped([str(pk) for pk in ids])
    return _refresh_correlated(ids)


# The variants are found by product id alone: the products are this shop's (the outer WHERE),
# so their variants are too, and SQLite then walks the (product, position) index. With the
# scoped manager's extra `shop_id =` it chose the shop's index instead and read every variant
# of the shop for each product (44 s for 9,000 products).
_CORRELATED = (
    "UPDATE catalog_product SET"
    " price_min = coalesce((SELECT min(v.price_minor) FROM catalog_variant AS v"
    " WHERE v.product_id = catalog_product.id), 0),"
    " price_max = coalesce((SELECT max(v.price_minor) FROM catalog_variant AS v"
    " WHERE v.product_id = catalog_product.id), 0)"
    " WHERE shop_id = %s AND id IN ({})"
)


def _refresh_correlated(ids: list[Any]) -> int:
    """Other databases (SQLite): one UPDATE with two correlated MIN/MAX per chunk."""
    pk = Product._meta.pk
    shop_id = pk.get_db_prep_value(tenancy.current_shop().pk, connection)
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _CHUNK):
            chunk = [pk.get_db_prep_value(i, connection) for i in ids[start : start + _CHUNK]]
            cursor.execute(_CORRELATED.format(", ".join(["%s"] * len(chunk))), [shop_id, *chunk])
            updated += cursor.rowcount
    return updated


def _refresh_grouped(ids: list[str]) -> int:
    """PostgreSQL: one UPDATE ... FROM a grouped MIN/MAX per chunk, instead of two correlated
    subqueries per product (a product without variants gets 0 .. 0, as above)."""
    shop_id = tenancy.current_shop().pk
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _CHUNK):
            cursor.execute(
                "UPDATE catalog_product AS p "
                "SET price_min = coalesce(r.mn, 0), price_max = coalesce(r.mx, 0) "
                "FROM (SELECT i.id, min(v.price_minor) AS mn, max(v.price_minor) AS mx "
                "FROM unnest(%s::uuid[]) AS i(id) "
                "LEFT JOIN catalog_variant AS v ON v.product_id = i.id AND v.shop_id = %s "
                "GROUP BY i.id) AS r "
                "WHERE p.id = r.id AND p.shop_id = %s",
                [ids[start : start + _CHUNK], shop_id, shop_id],
            )
            updated += cursor.rowcount
    return updated
