"""COPY rows in COPY's text format, and COPYs run behind the caller (core.copying): in order,
before any other statement, with their errors raised in the caller, and with the transaction's
foreign keys checked in the COPY instead of at COMMIT."""

import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from sellsafe.core.copying import copies_behind, copy_rows, copy_text

POSTGRES = connection.vendor == "postgresql"
needs_postgres = pytest.mark.skipif(not POSTGRES, reason="COPY is PostgreSQL's")


def test_values_in_copy_text_format():
    pk = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert copy_text(None) == "\\N"
    assert copy_text(True) == "t" and copy_text(False) == "f"
    assert copy_text(0) == "0" and copy_text(-12) == "-12"
    assert copy_text(pk) == "12345678-1234-5678-1234-567812345678"
    assert copy_text(Decimal("1.50")) == "1.50"
    moment = datetime(2026, 11, 29, 17, 5, 1, 250, tzinfo=UTC)
    assert copy_text(moment) == "2026-11-29T17:05:01.000250+00:00"
    assert copy_text("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
    assert copy_text("plain text, 'quoted' \"too\"") == "plain text, 'quoted' \"too\""


def _tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE copy_parent (id int PRIMARY KEY, note text);"
            "CREATE TEMP TABLE copy_child (id int PRIMARY KEY, parent_id int REFERENCES "
            "copy_parent (id) DEFERRABLE INITIALLY DEFERRED)"
        )


def _rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # nosec B608
        return list(cursor.fetchall())


PARENTS = "COPY copy_parent (id, note) FROM STDIN"
CHILDREN = "COPY copy_child (id, parent_id) FROM STDIN"


@needs_postgres
@pytest.mark.django_db
def test_queued_copies_run_in_order_before_the_next_statement():
    _tables()
    with copies_behind():
        copy_rows(PARENTS, [f"{n}\t{copy_text(f'note\t{n}')}\n" for n in range(1, 501)])
        copy_rows(CHILDREN, [f"{n}\t{n}\n" for n in range(1, 501)])  # needs its parents first
        assert len(_rows("copy_child")) == 500  # this SELECT waited for both
    assert _rows("copy_parent")[0] == (1, "note\t1")


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_copy_rows_returns_while_the_copy_still_waits_for_the_database():
    """The COPY waits for another transaction's lock; the caller is already back, and the block's
    end waits for it."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE copy_behind_probe (id int PRIMARY KEY)")
    params = connection.get_connection_params()
    other = psycopg.connect(**params)
    try:
        other.execute("LOCK TABLE copy_behind_probe IN ACCESS EXCLUSIVE MODE")
        release = threading.Timer(1.5, other.rollback)  # a COPY in place would wait this long
        release.start()
        with transaction.atomic(), copies_behind():
            started = time.monotonic()
            copy_rows("COPY copy_behind_probe (id) FROM STDIN", ["1\n", "2\n"])
            assert time.monotonic() - started < 0.5
            assert other.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        release.join()  # the block's end waited for the COPY, so for the lock's release
        assert _rows("copy_behind_probe") == [(1,), (2,)]
    finally:
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE copy_behind_probe")


@needs_postgres
@pytest.mark.django_db
def test_a_failed_copy_is_raised_by_the_next_statement_and_the_rest_dropped():
    _tables()
    copy_rows(PARENTS, ["1\tfirst\n"])  # outside the block: at once
    steps = []

    def write() -> None:
        with transaction.atomic(), copies_behind():
            copy_rows(PARENTS, ["2\tsecond\n", "1\tduplicate\n"])  # the error comes later
            copy_rows(PARENTS, ["3\tthird\n"])  # dropped: the transaction is aborted
            steps.append("queued")
            _rows("copy_parent")
            steps.append("read")

    with pytest.raises(IntegrityError):
        write()
    assert steps == ["queued"]
    assert _rows("copy_parent") == [(1, "first")]  # the savepoint rolled back, usable again


@needs_postgres
@pytest.mark.django_db
def test_foreign_keys_are_checked_in_the_copy_and_deferred_again_after_the_block():
    _tables()
    with pytest.raises(IntegrityError), transaction.atomic(), copies_behind():
        copy_rows(CHILDREN, ["1\t99\n"])  # no parent 99: refused now, not at COMMIT
    with transaction.atomic():
        with copies_behind():
            copy_rows(PARENTS, ["1\tok\n"])
        with connection.cursor() as cursor:  # deferred again: a dangling row waits for COMMIT
            cursor.execute("INSERT INTO copy_child (id, parent_id) VALUES (2, 98)")
            cursor.execute("DELETE FROM copy_child WHERE id = 2")
    assert _rows("copy_parent") == [(1, "ok")]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_needs_a_transaction():
    with pytest.raises(RuntimeError, match="transaction"), copies_behind():
        pass


@needs_postgres
@pytest.mark.django_db
def test_an_error_in_the_block_propagates_and_leaves_the_connection_usable():
    _tables()

    def write() -> None:
        with transaction.atomic(), copies_behind():
            copy_rows(PARENTS, ["1\tx\n"])
            raise ValueError("the caller failed")

    with pytest.raises(ValueError, match="caller"):
        write()
    assert _rows("copy_parent") == []


@needs_postgres
@pytest.mark.django_db
def test_a_block_inside_another_joins_it():
    """The inner block starts no helper of its own and, at its end, leaves the outer block's
    immediate foreign-key checks in force."""
    _tables()
    steps = []

    def write() -> None:
        with transaction.atomic(), copies_behind():
            with copies_behind():
                copy_rows(PARENTS, ["1\tx\n"])
            copy_rows(CHILDREN, ["1\t99\n"])  # no parent 99
            steps.append("queued")
            _rows("copy_child")  # the COPY's error is raised here, not at COMMIT
            steps.append("read")

    with pytest.raises(IntegrityError):
        write()
    assert steps == ["queued"]
    assert _rows("copy_parent") == []


# The one test for the other databases' branch; the tests above cover PostgreSQL's.
@pytest.mark.skipif(POSTGRES, reason="on PostgreSQL the block runs the COPYs behind (above)")
def test_elsewhere_the_block_does_nothing():
    with copies_behind():
        pass  # no transaction needed: nothing runs behind
