"""Harmless-to-lose writes (a session's save, a rate-limit count) skip the WAL flush on
PostgreSQL when they run on their own, and never relax a transaction they run inside."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from sellsafe.core import ratelimit
from sellsafe.core.durability import NO_FLUSH, no_flush_prefix
from sellsafe.core.sessions import SessionStore

POSTGRES = connection.vendor == "postgresql"


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('synchronous_commit')")
        return str(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)  # autocommit, as a request runs
def test_session_saves_and_counts_skip_the_flush_and_leave_the_connection_as_it_was():
    """PostgreSQL: each write carries the prefix. SQLite has no such setting: the same writes go
    as plain statements and behave the same."""
    store = SessionStore()
    store["cart"] = {"a": 1}
    store.save()
    store["cart"] = {"a": 2}
    with CaptureQueriesContext(connection) as queries:
        store.save()
        counts = [ratelimit.hit("durability-test", window_seconds=60) for _ in range(2)]
    in_database = 3 if ratelimit._redis_client() is None else 1  # counts are Redis's with Redis
    assert len(queries) == in_database
    assert all(q["sql"].startswith(NO_FLUSH) == POSTGRES for q in queries)
    assert counts == [1, 2]  # the count still comes back from the upsert
    assert SessionStore(session_key=store.session_key)["cart"] == {"a": 2}
    if POSTGRES:
        assert _setting() == "on"  # SET LOCAL ended with the statement's own transaction


@pytest.mark.django_db(transaction=True)
def test_a_transaction_is_never_relaxed():
    with transaction.atomic():
        assert no_flush_prefix(connection) == ""
        with CaptureQueriesContext(connection) as queries:
            ratelimit.hit("durability-inside", window_seconds=60)
            SessionStore().save()  # created, and saved inside the caller's transaction
        assert queries and not any(NO_FLUSH in q["sql"] for q in queries)
        if POSTGRES:
            assert _setting() == "on"
    if not POSTGRES:
        assert no_flush_prefix(connection) == ""
