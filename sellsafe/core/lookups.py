"""One row by one unique column, for lookups every request makes (the storefront's shop by slug).

    shop = row_by(Shop, "slug", slug)    # a Shop, or None

The same instance the ORM's `Model.objects.filter(slug=slug).first()` would give (every
concrete column, the backend's and the fields' converters applied, `Model.from_db`), with the
statement text and the converters worked out once per model and column instead of by the query
compiler on each call, which costs more than the query. Shop-owned models are filtered by the
active scope as their manager would, and fail closed without one.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection, models

from sellsafe.core import tenancy
from sellsafe.core.statements import fetch

Converters = list[tuple[int, list[Any], Any]]


def _field(model: type[models.Model], name: str) -> Any:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model._meta.label}.{name} is not a column.")
    return field


@functools.cache
def _plan(model: type[models.Model], column: str, vendor: str) -> tuple[str, list[str], Converters]:
    meta = model._meta
    field = _field(model, column)
    if not (field.unique or field.primary_key):
        raise TypeError(f"{meta.label}.{column} is not unique: row_by reads one row.")
    quote = connection.ops.quote_name
    fields = list(meta.concrete_fields)
    table = quote(meta.db_table)
    names = ", ".join(f"{table}.{quote(str(f.column))}" for f in fields)
    where = f"{table}.{quote(str(field.column))} = %s"
    if issubclass(model, tenancy.ShopOwned):
        where += f" AND {table}.{quote('shop_id')} = %s"
    converters: Converters = []
    for position, each in enumerate(fields):
        col = each.get_col(meta.db_table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if found:
            converters.append((position, found, col))
    # Names come from the model's metadata, quoted; the value is a parameter.
    sql = f"SELECT {names} FROM {table} WHERE {where}"  # noqa: S608 # nosec B608
    return sql, [f.attname for f in fields], converters


def row_by(model: type[models.Model], column: str, value: Any) -> Any:
    """The row whose unique `column` equals `value`, or None."""
    sql, attnames, converters = _plan(model, column, connection.vendor)
    params = [_field(model, column).get_db_prep_value(value, connection)]
    if issubclass(model, tenancy.ShopOwned):
        shop = tenancy.current_shop()  # raises outside a shop scope
        params.append(
            model._meta.get_field("shop").target_field.get_db_prep_value(shop.pk, connection)
        )
    rows = fetch(sql, params)
    if not rows:
        return None
    values = list(rows[0])
    for position, found, col in converters:
        for converter in found:
            values[position] = converter(values[position], col, connection)
    return model.from_db(connection.alias, attnames, values)
