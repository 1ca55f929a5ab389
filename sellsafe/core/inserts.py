"""Plain multi-row INSERTs of model instances for the few hot write paths (checkout).

    inserted = insert_rows([order])                           # -> 1
    inserted = insert_rows([customer], ignore_conflicts=True)  # -> 0 when a unique key was taken
    insert_groups(movements, [order], lines)                  # several tables, one round trip

The same rows `bulk_create` would write (each field's `pre_save` and `get_db_prep_save`, so
defaults, `auto_now_add` and encrypted fields behave the same), without the query compiler: the
statement's text is built once per model and row count and reused, which saves about half of an
ORM insert's CPU. No signals, no RETURNING: every model written here has a client-side primary key.

Tenancy fails closed as `ShopOwned.save` does: a shop-owned row must belong to the active scope.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from sellsafe.core import tenancy


@functools.cache
def _fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    fields = tuple(f for f in model._meta.concrete_fields if not f.generated)
    if any(getattr(f, "db_returning", False) for f in fields):
        raise TypeError(f"{model._meta.label} has a database-generated column: use bulk_create.")
    return fields


@functools.lru_cache(maxsize=256)
def _statement(model: type[models.Model], rows: int, ignore_conflicts: bool, vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in _fields(model))
    one = "(" + ", ".join(["%s"] * len(_fields(model))) + ")"
    # Names come from the model's metadata, quoted; every value is a parameter.
    table = quote(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * rows)}"  # noqa: S608 # nosec B608
    return f"{sql} ON CONFLICT DO NOTHING" if ignore_conflicts else sql


def _check_scope(objs: Sequence[models.Model]) -> None:
    if not isinstance(objs[0], tenancy.ShopOwned):
        return
    active = tenancy.current_shop()  # raises outside a shop scope
    for obj in objs:
        if getattr(obj, "shop_id", None) != active.pk:
            raise tenancy.ScopeError("A row cannot be written into another shop than the scope.")


def _prepared(objs: Sequence[models.Model]) -> tuple[type[models.Model], list[Any]]:
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise TypeError("Each group of rows holds instances of one model.")
    _check_scope(objs)
    fields = _fields(model)
    params = [
        field.get_db_prep_save(field.pre_save(obj, True), connection)
        for obj in objs
        for field in fields
    ]
    return model, params


def _written(objs: Sequence[models.Model]) -> None:
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_rows(objs: Sequence[models.Model], *, ignore_conflicts: bool = False) -> int:
    """INSERT these instances of one model in one statement; the number of rows written
    (with `ignore_conflicts`, rows whose unique key was already taken are skipped)."""
    if not objs:
        return 0
    model, params = _prepared(objs)
    with connection.cursor() as cursor:
        cursor.execute(_statement(model, len(objs), ignore_conflicts, connection.vendor), params)
        written = int(cursor.rowcount)
    _written(objs)
    return written


def insert_many(objs: Sequence[models.Model], *, batch_size: int = 500) -> int:
    """`insert_rows` in batches of `batch_size` rows (bulk writes: SQLite caps the parameters of
    one statement); the number of rows written."""
    return sum(
        insert_rows(objs[start : start + batch_size]) for start in range(0, len(objs), batch_size)
    )


def insert_groups(*groups: Sequence[models.Model]) -> None:
    """INSERT several groups of rows (one model per group), in this order. On PostgreSQL they go
    in one round trip (psycopg's client-side binding sends the statements as one query; the first
    error aborts the rest and raises, as separate statements would); elsewhere one by one."""
    groups = tuple(group for group in groups if group)
    client_binding = (
        connection.settings_dict.get("OPTIONS", {}).get("server_side_binding") is not True
    )
    if connection.vendor != "postgresql" or not client_binding or len(groups) < 2:
        for group in groups:
            insert_rows(group)
        return
    statements: list[str] = []
    params: list[Any] = []
    for group in groups:
        model, values = _prepared(group)
        statements.append(_statement(model, len(group), False, connection.vendor))
        params.extend(values)
    with connection.cursor() as cursor:
        cursor.execute("; ".join(statements), params)
    for group in groups:
        _written(group)
