"""Plain multi-row INSERTs of model instances for the few hot write paths (checkout).

    inserted = insert_rows([order])                           # -> 1
    inserted = insert_rows([customer], ignore_conflicts=True)  # -> 0 when a unique key was taken
    insert_groups(movements, [order], lines)                  # several tables, one round trip
    rows = run_statements([(sql, params), (sql, params)])       # one list of rows per statement

The same rows `bulk_create` would write (each field's `pre_save` and `get_db_prep_save`, so
defaults, `auto_now_add` and encrypted fields behave the same), without the query compiler: the
statement's text is built once per model and row count and reused, which saves about half of an
ORM insert's CPU. No signals, no RETURNING: every model written here has a client-side primary key.
`core.statements` sends them (on PostgreSQL bound, prepared, and several in one statement).

Tenancy fails closed as `ShopOwned.save` does: a shop-owned row must belong to the active scope.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

from sellsafe.core import tenancy
from sellsafe.core.statements import Statement, run_counted

# Rows waiting to ride along with the next round trip (see ride_along), or None outside one.
_riders: ContextVar[list[Statement] | None] = ContextVar("sellsafe_inserts_riders", default=None)


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
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it costs a lookup per attribute read
    params = [_value(field, obj, db) for obj in objs for field in fields]
    return model, params


def _value(field: models.Field, obj: models.Model, db: BaseDatabaseWrapper) -> Any:
    return field.get_db_prep_save(field.pre_save(obj, True), db)


@functools.cache
def _positions(model: type[models.Model]) -> dict[str, int]:
    return {field.name: index for index, field in enumerate(_fields(model))}


class PreparedRows:
    """Rows of one model with their values computed (defaults, encryption) ahead of the INSERT,
    so that a caller can do that work before it takes a lock and send the rows after; `set`
    changes a field the caller learns only under the lock (an order's number)."""

    def __init__(self, objs: Sequence[models.Model]) -> None:
        self.objs = objs
        self.model, self.params = _prepared(objs) if objs else (models.Model, [])

    def set(self, name: str, value: Any) -> None:
        """Set field `name` to `value` on every row, instance and prepared value alike."""
        position, width = _positions(self.model)[name], len(_fields(self.model))
        field, db = _fields(self.model)[position], connections[DEFAULT_DB_ALIAS]
        for row, obj in enumerate(self.objs):
            setattr(obj, field.attname, value)
            self.params[row * width + position] = _value(field, obj, db)

    def statement(self) -> Statement:
        return _statement(self.model, len(self.objs), False, connection.vendor), self.params


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
    statement = (_statement(model, len(objs), ignore_conflicts, connection.vendor), params)
    written = _run([statement])[-1][1]
    _written(objs)
    return written


def insert_later(objs: Sequence[models.Model]) -> None:
    """INSERT these rows with the next round trip of this module inside `ride_along()` (the rows
    are not written before it: for a row nobody reads back in the meantime); at once outside."""
    riders = _riders.get()
    if riders is None or not objs:
        insert_rows(objs)
        return
    riders.append(PreparedRows(objs).statement())
    _written(objs)


@contextmanager
def ride_along() -> Iterator[None]:
    """Inside, `insert_later` rows wait for the next statement sent through this module and go
    with it (one round trip on PostgreSQL); any still waiting at the end are sent then. If the
    block raises, they are dropped with the caller's transaction."""
    token = _riders.set([])
    try:
        yield
        waiting = _riders.get()
        if waiting:
            _run([])
    finally:
        _riders.reset(token)


def insert_many(objs: Sequence[models.Model], *, batch_size: int = 500) -> int:
    """`insert_rows` in batches of `batch_size` rows (bulk writes: SQLite caps the parameters of
    one statement); the number of rows written."""
    return sum(
        insert_rows(objs[start : start + batch_size]) for start in range(0, len(objs), batch_size)
    )


# psycopg parses a statement's placeholders once and caches the result, but only for statements
# of at most 50 parameters (its guard against caching bulk INSERTs of every row count). The
# checkout's one round trip has ~110 and is the same text every time: parsing it cost ~4% of
# the checkout's CPU. Statements still have to be at most 4 KB to be cached, and there are at
# most 128 of them, so memory stays small.
STATEMENT_CACHE_PARAMS = 160


def cache_statements_up_to(params: int = STATEMENT_CACHE_PARAMS) -> None:
    """Let psycopg cache the parsing of statements with up to `params` parameters (called once
    at start-up by the core app)."""
    try:
        from psycopg import _queries
    except ImportError:  # SQLite-only installs
        return
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, params)


def run_statements(statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
    """Run these statements in order, after any rows waiting in `ride_along`, and return each
    one's rows (empty for a statement that returns none). On PostgreSQL they go in one round
    trip: the first error aborts the rest and raises, as separate statements would."""
    return [rows for rows, _ in _run(statements)]


def _run(statements: Sequence[Statement]) -> list[tuple[list[tuple[Any, ...]], int]]:
    """(rows, row count) of each statement, after sending any rows waiting in `ride_along`."""
    riders = _riders.get()
    waiting = list(riders) if riders else []
    if riders:
        riders.clear()
    return run_counted([*waiting, *statements])[len(waiting) :]


def insert_groups(
    *groups: Sequence[models.Model] | PreparedRows, then: Sequence[Statement] = ()
) -> None:
    """INSERT several groups of rows (one model per group; instances, or PreparedRows), in this
    order, then run the statements in `then` (say an UPDATE that must follow the rows): on
    PostgreSQL all in one round trip (see run_statements)."""
    prepared = [g if isinstance(g, PreparedRows) else PreparedRows(g) for g in groups]
    prepared = [group for group in prepared if group.objs]
    run_statements([*(group.statement() for group in prepared), *then])
    for group in prepared:
        _written(group.objs)
