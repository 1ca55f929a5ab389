"""COPY ... FROM STDIN (PostgreSQL) of rows in COPY's text format: at once, or, inside
`copies_behind()`, on a helper thread while the caller goes on building the next rows.

    with transaction.atomic(), copies_behind():
        copy_rows("COPY t (a, b) FROM STDIN", [f"{copy_text(a)}\\t{copy_text(b)}\\n", ...])
        ...  # returns at once; the next statement on the connection waits for the COPY first

Why: a bulk import alternates Python work (building rows) with database work (COPY, index
upkeep, foreign-key checks), and on one connection each waits for the other. Behind, the
database writes batch n while Python builds batch n+1: both cores are busy.

What keeps a COPY behind as safe as one in place:
* one connection, one transaction: the helper writes on the caller's own connection, and
  psycopg lets one thread use it at a time;
* order: the COPYs run in the order given, and every other statement on the connection (an
  execute wrapper) and the end of the block first wait for all of them, so nothing reads,
  commits or rolls back ahead of a queued row;
* errors: the first COPY that fails is raised in the caller, as Django's exception
  (IntegrityError, DataError, ...), by the next statement or the end of the block; the COPYs
  queued after it are dropped (the transaction is aborted anyway);
* constraints: the block sets the transaction's constraints IMMEDIATE (restored to DEFERRED,
  the foreign keys' initial mode, at its end), so each COPY's foreign-key checks run in the COPY
  behind the caller instead of all at COMMIT, where nothing can overlap them.

Elsewhere (SQLite) nothing is behind: there is no COPY, and `copies_behind()` does nothing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import connection

_PLAIN = (int, UUID)  # str() of these never holds a character COPY escapes (bool is an int)


def copy_text(value: Any) -> str:
    """One value in COPY's text format: NULL as \\N; backslash, tab, newline and carriage return
    escaped; booleans as t/f; datetimes in ISO 8601 with their offset."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, _PLAIN):
        return str(value)
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    # Four C-speed replaces (str.translate with a table goes through a dict per character).
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


class _Behind:
    """The helper thread and its queue of (sql, payload) for one `copies_behind()` block."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw  # the psycopg connection under Django's wrapper
        self.jobs: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self.error: BaseException | None = None
        self.dropping = False  # the caller failed: the queued COPYs would be rolled back
        self.thread = threading.Thread(target=self._run, name="copy-behind", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            try:
                if self.error is None and not self.dropping:  # else: aborted, or rolled back
                    sql, payload = job
                    with self.raw.cursor() as cursor, cursor.copy(sql) as copy:
                        copy.write(payload)
            except BaseException as error:  # raised in the caller by wait()
                self.error = error
            finally:
                self.jobs.task_done()
        self.jobs.task_done()

    def wait(self) -> None:
        """Until every queued COPY has run; then raise the first one's error, once."""
        self.jobs.join()
        error, self.error = self.error, None
        if error is not None:
            with connection.wrap_database_errors:
                raise error

    def stop(self, *, drop: bool) -> None:
        self.dropping = drop
        self.jobs.put(None)
        self.thread.join()


_behind: ContextVar[_Behind | None] = ContextVar("sellsafe_copy_behind", default=None)


def copy_rows(sql: str, rows: Sequence[str]) -> None:
    """COPY ... FROM STDIN of these rows (each already in COPY's text format, newline included):
    queued inside `copies_behind()`, else at once (PostgreSQL only)."""
    if not rows:
        return
    payload = "".join(rows)
    behind = _behind.get()
    if behind is not None:
        behind.jobs.put((sql, payload))
        return
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        copy.write(payload)


@contextmanager
def copies_behind() -> Iterator[None]:
    """Run the COPYs of this block on a helper thread (see the module's docstring). Only inside
    a transaction: the block's end waits for them, but a commit is not a statement the execute
    wrapper sees."""
    if connection.vendor != "postgresql" or _behind.get() is not None:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("copies_behind() needs a transaction around it.")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    behind = _Behind(connection.connection)
    token = _behind.set(behind)

    def first_the_copies(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        behind.wait()
        return execute(sql, params, many, context)

    done = False
    try:
        with connection.execute_wrapper(first_the_copies):
            yield
            behind.wait()
        done = True
    finally:
        _behind.reset(token)
        behind.stop(drop=not done)  # after an error: waits for the COPY under way only
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
