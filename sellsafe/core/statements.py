"""Raw statements of the hot write paths (checkout), sent the cheapest way each database allows.

    [(rows, count), ...] = run_counted([(sql, params), (sql, params)])
    rows = fetch(sql, params)                                    # one statement's rows

On PostgreSQL a statement goes with server-side binding: the values travel as parameters, dumped
in C (no quoting them into the text in Python), and once the connection has sent the same text
`prepare_threshold` times it is prepared, so PostgreSQL stops parsing and planning it. Django
turns prepared statements off by default for connection poolers; our settings turn them on
unless SELLSAFE_DB_PREPARED_STATEMENTS=off (PgBouncer in transaction mode before 1.21).

Several statements go in one round trip. When all but the last are plain INSERTs (the rows of a
checkout, a task row riding along), they become one statement: `WITH s0 AS (INSERT ...), s1 AS
(INSERT ...) <last statement>`, prepared like any other. PostgreSQL runs every part to completion
on one snapshot, so the last statement does not see the rows inserted before it (no caller here
reads them back), and the row count of an INSERT in front is not known (-1). Other groups stay
one multi-statement query with the values quoted in (PostgreSQL runs it as one implicit
transaction outside a transaction block). A psycopg pipeline would keep them apart and prepared,
but its Python side cost more CPU than the database saved (measured: docs/storefront-and-checkout.md).
SQLite runs them one by one. Django's execute wrappers and query log see each call as one
statement, as for a plain cursor.execute.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import connection

Statement = tuple[str, Sequence[Any]]
Result = tuple[list[tuple[Any, ...]], int]

_PLAIN_INSERT = re.compile(r"INSERT INTO [^;]*\Z", re.IGNORECASE | re.DOTALL)
_STANDS_LAST = re.compile(r"(SELECT|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def sends_several(db: Any = connection) -> bool:
    """Whether `db` takes several statements in one query: PostgreSQL with psycopg's
    client-side binding (the default); with server-side binding each needs its own."""
    options = db.settings_dict.get("OPTIONS", {})
    return db.vendor == "postgresql" and options.get("server_side_binding") is not True


def run_counted(statements: Sequence[Statement], db: Any = connection) -> list[Result]:
    """Run these statements in order on `db` and return each one's rows (empty for a statement
    that returns none) and row count. On PostgreSQL they go in one round trip: the first error
    aborts the rest and raises, as separate statements would; elsewhere one by one."""
    if not statements:
        return []
    with db.cursor() as cursor:
        together = as_one(statements) if db.vendor == "postgresql" else None
        if together is not None:
            return [([], -1)] * (len(statements) - 1) + [_bound(db, cursor, *together)]
        if len(statements) > 1 and sends_several(db):
            return _joined(cursor, statements)
        return [_one(cursor, sql, params) for sql, params in statements]


def fetch(sql: str, params: Sequence[Any], db: Any = connection) -> list[tuple[Any, ...]]:
    """The rows of one statement, sent as `run_counted` sends it."""
    return run_counted([(sql, params)], db)[0][0]


def as_one(statements: Sequence[Statement]) -> Statement | None:
    """These statements as one (the INSERTs in front as data-modifying WITH queries), or None
    when they cannot be."""
    *front, (last, last_params) = statements
    if not front:
        return last, last_params
    if not _STANDS_LAST.match(last) or not all(
        _PLAIN_INSERT.match(sql) and " RETURNING " not in sql.upper() for sql, _ in front
    ):
        return None
    queries = ", ".join(f"s{index} AS ({sql})" for index, (sql, _) in enumerate(front))
    params = [value for _, values in front for value in values]
    return f"WITH {queries} {last}", [*params, *last_params]


def _one(cursor: Any, sql: str, params: Sequence[Any]) -> Result:
    cursor.execute(sql, params)
    return (cursor.fetchall() if cursor.description else []), int(cursor.rowcount)


def _joined(cursor: Any, statements: Sequence[Statement]) -> list[Result]:
    cursor.execute("; ".join(sql for sql, _ in statements), [p for _, ps in statements for p in ps])
    results: list[Result] = []
    while True:
        results.append(((cursor.fetchall() if cursor.description else []), int(cursor.rowcount)))
        if not cursor.nextset():
            return results


def _bound(db: Any, cursor: Any, sql: str, params: Sequence[Any]) -> Result:
    """One statement with server-side binding, through the execute wrappers and the query log
    as Django's CursorWrapper.execute would send it."""
    from psycopg import Cursor  # server-side binding (Django's default cursor binds client-side)

    results: list[Result] = []

    def execute(sql: str, params: Any, _many: bool, _context: Any) -> None:
        db.validate_no_broken_transaction()
        with db.wrap_database_errors, Cursor(db.connection) as bound:
            bound.execute(sql, params)
            results.append(((bound.fetchall() if bound.description else []), int(bound.rowcount)))

    if db.queries_logged:
        with cursor.debug_sql(sql, params):
            cursor._execute_with_wrappers(sql, params, False, execute)
    else:
        cursor._execute_with_wrappers(sql, params, False, execute)
    return results[0]
