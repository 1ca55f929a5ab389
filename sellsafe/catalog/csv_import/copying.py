"""Inserting many new model rows at once: PostgreSQL `COPY ... FROM STDIN` (core.copying), else
`bulk_create`.

`bulk_create` prepares every field of every object through Django's field machinery and builds
one large INSERT; for the import's ~150,000 new rows that is most of the write's CPU. COPY sends
the same values (the objects' attributes in COPY's text format, JSON fields as JSON text, the
auto_now timestamps set here as `pre_save` would) in the connection's current transaction; the
tables' constraints (SKU and handle uniqueness, checks, foreign keys) still apply, and a
violation is raised as Django's IntegrityError like an INSERT's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection, models
from django.db.models.base import ModelState

from sellsafe.core import tenancy
from sellsafe.core.copying import copy_rows, copy_text
from sellsafe.core.inserts import insert_many
from sellsafe.inventory.bulk import uuid_array

_BATCH = 1000


@cache
def _layout(model: type[models.Model]) -> tuple[tuple[str, models.Field[Any, Any]], ...]:
    return tuple((field.attname, field) for field in model._meta.concrete_fields)


@cache
def _check_no_init_signals(model: type[models.Model]) -> None:
    """Refuse to build objects of a model with init signals without `Model.__init__` (which is
    what sends them). No model the import writes has any: `crypto.fields` connects post_init for
    models with encrypted fields only. Checked once per model: receivers are connected when the
    model classes are prepared."""
    signals = models.signals
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        raise TypeError(f"{model.__name__} has init signals: build it through the ORM.")


def new_object[M: models.Model](model: type[M], values: dict[str, Any]) -> M:
    """A new, unsaved object from attribute values (`shop_id`, `product_id`, ...; fields left
    out get their default), as `Model.__init__` would set them for a new object: every field's
    attribute, and a fresh state. Built directly: Django's keyword path resolves every field and
    default by name, and even its positional path costs ~4x this, a large share of the import's
    CPU at ~150,000 objects."""
    _check_no_init_signals(model)
    obj = object.__new__(model)  # Model defines no __new__ of its own
    attributes = obj.__dict__
    for name, field in _layout(model):
        attributes[name] = values[name] if name in values else field.get_default()
    obj._state = ModelState()
    return obj


def loaded[M: models.Model](
    model: type[M], attnames: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[M]:
    """Saved objects from rows read with `values_list(*attnames)`: like `.only(...)`, the other
    fields are deferred (reading one costs a query). Built without `Model.__init__` (a quarter
    of the cost per object; the import loads up to ~150,000 existing rows): the values are the
    ones the ORM already converted (see `_check_no_init_signals`)."""
    _check_no_init_signals(model)
    new = object.__new__
    alias = connection.alias
    out: list[M] = []
    for row in rows:
        obj = new(model)
        obj.__dict__.update(zip(attnames, row, strict=True))
        state = ModelState()
        state.adding = False
        state.db = alias
        obj._state = state
        out.append(obj)
    return out


def _columns(model: type[models.Model]) -> list[tuple[str, str, bool, bool]]:
    """(column, attname, is JSON, is auto_now[_add]) of the model's concrete fields."""
    out: list[tuple[str, str, bool, bool]] = []
    for field in model._meta.concrete_fields:
        auto = bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
        out.append((str(field.column), field.attname, isinstance(field, models.JSONField), auto))
    return out


def insert_new(model: type[models.Model], objs: Sequence[models.Model], *, now: datetime) -> None:
    """Insert these new objects (primary keys already set, as the UUID models here do)."""
    if not objs:
        return
    fields = _columns(model)
    shop_id = tenancy.current_shop().pk  # the rows must belong to the active scope's shop
    for obj in objs:
        if getattr(obj, "shop_id", shop_id) != shop_id:
            raise tenancy.ScopeError("A row cannot be written into another shop than the scope.")
        for _, attname, _, auto in fields:
            if auto:
                setattr(obj, attname, now)
    if connection.vendor != "postgresql":
        insert_many(objs, batch_size=_BATCH)
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column, _, _, _ in fields)
    dumps = json.dumps
    rows: list[str] = []
    for obj in objs:
        values = obj.__dict__
        cells = []
        for _, attname, is_json, _ in fields:
            value = values[attname]
            cells.append(copy_text(dumps(value) if is_json and value is not None else value))
        rows.append("\t".join(cells) + "\n")
    # Behind the caller inside copies_behind() (the import's writer), else at once.
    copy_rows(f"COPY {table} ({names}) FROM STDIN", rows)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def update_fields(
    model: type[models.Model], objs: Sequence[models.Model], names: Sequence[str]
) -> None:
    """Write these fields of these objects. PostgreSQL: one `UPDATE ... FROM unnest(...)` per
    thousand rows (one typed array per field), limited to the active shop's rows; elsewhere
    `bulk_update` in small statements (its CASE per field costs rows x rows)."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, list(names), batch_size=200)
        return
    shop_id = tenancy.current_shop().pk
    fields = [field for field in model._meta.concrete_fields if field.name in names]
    quote = connection.ops.quote_name
    sets, arrays = [], []
    for index, field in enumerate(fields):
        is_json = isinstance(field, models.JSONField)
        kind = "text" if is_json else field.db_type(connection)
        arrays.append(f"%s::{kind}[]")
        sets.append(f"{quote(str(field.column))} = u.c{index}" + ("::jsonb" if is_json else ""))
    columns = ", ".join(f"c{index}" for index in range(len(fields)))
    # Table, columns and types come from the model, never from the file.
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {', '.join(sets)} "  # noqa: S608 # nosec B608
        f"FROM unnest(%s::uuid[], {', '.join(arrays)}) AS u(id, {columns}) "
        "WHERE t.id = u.id AND t.shop_id = %s"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objs), _BATCH):
            part = objs[start : start + _BATCH]
            params: list[Any] = [uuid_array(obj.pk for obj in part)]
            for field in fields:
                values = [getattr(obj, field.attname) for obj in part]
                if isinstance(field, models.JSONField):
                    values = [None if v is None else json.dumps(v) for v in values]
                params.append(values)
            params.append(shop_id)
            cursor.execute(sql, params)
