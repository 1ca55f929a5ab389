"""Writes whose loss in a crash costs nothing worth an fsync: a session's latest save, a rate-limit
count. On PostgreSQL such a statement, when it runs on its own (autocommit, outside any
transaction), is sent as `SET LOCAL synchronous_commit TO off; <statement>`: the two run as one
implicit transaction whose COMMIT does not wait for the WAL to reach the disk (PostgreSQL's own
advice for "transactions that are not critical"). The write is still atomic and visible at once;
a crash of the database server within ~0.6 s (3 x wal_writer_delay) may forget it, never
corrupt anything. Orders, payments and the audit log never go this way: inside a transaction the
prefix is not used, so it cannot weaken a caller's transaction.
"""

from __future__ import annotations

from typing import Any

from sellsafe.core.statements import sends_several

NO_FLUSH = "SET LOCAL synchronous_commit TO off; "


def no_flush_prefix(connection: Any) -> str:
    """The prefix for a harmless-to-lose write on `connection` now, or "" (SQLite; PostgreSQL
    inside a transaction; server-side binding, which takes one statement per query)."""
    if not sends_several(connection) or connection.in_atomic_block:
        return ""
    return NO_FLUSH if connection.get_autocommit() else ""


def execute_unflushed(cursor: Any, connection: Any, sql: str, params: Any) -> None:
    """Run `sql` as a harmless-to-lose write; the cursor is left on its result (rowcount,
    fetchall) as after a plain execute."""
    prefix = no_flush_prefix(connection)
    cursor.execute(prefix + sql, params)
    if prefix:
        cursor.nextset()  # past the SET's (empty) result
