"""core.inserts: the plain INSERTs of the checkout write what the ORM would, stay inside the shop
scope, and keep a failed statement from writing anything."""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from sellsafe.core import tenancy
from sellsafe.core.inserts import (
    PreparedRows,
    insert_groups,
    insert_later,
    insert_rows,
    ride_along,
    run_statements,
)
from sellsafe.customers.models import Customer
from sellsafe.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_rows_read_back_as_written_with_defaults_and_encryption(make_shop):
    shop, _ = make_shop()
    with tenancy.scope(shop):
        new = Customer(shop=shop, email="ada@example.com", email_index="i1", name="Ada")
        assert insert_rows([new]) == 1
        assert new._state.adding is False
        stored = Customer.objects.get(pk=new.pk)
    assert (stored.email, stored.name, stored.orders_count) == ("ada@example.com", "Ada", 0)
    assert stored.created_at is not None  # auto_now_add ran
    with connection.cursor() as cursor:  # encrypted at rest, as through save()
        cursor.execute("SELECT email FROM customers_customer WHERE email_index = %s", ["i1"])
        assert "ada@example.com" not in str(cursor.fetchone()[0])


def test_ignore_conflicts_counts_only_new_rows(make_shop):
    shop, _ = make_shop()
    with tenancy.scope(shop):
        assert insert_rows([Customer(shop=shop, email_index="same")], ignore_conflicts=True) == 1
        again = Customer(shop=shop, email_index="same", name="Other")
        assert insert_rows([again], ignore_conflicts=True) == 0
        assert Customer.objects.filter(email_index="same").count() == 1
        with pytest.raises(IntegrityError), transaction.atomic():
            insert_rows([Customer(shop=shop, email_index="same")])


def test_rows_stay_in_the_active_shop(make_shop):
    shop, _ = make_shop()
    other, _ = make_shop()
    with pytest.raises(tenancy.ScopeError):  # no scope at all
        insert_rows([Customer(shop=shop, email_index="a")])
    with tenancy.scope(shop), pytest.raises(tenancy.ScopeError):
        insert_rows([Customer(shop=shop, email_index="b"), Customer(shop=other, email_index="c")])
    with tenancy.scope(other):
        assert not Customer.objects.exists()
    with tenancy.scope(shop):
        assert not Customer.objects.exists()


def test_one_model_per_group(make_shop):
    shop, _ = make_shop()
    with tenancy.scope(shop), pytest.raises(TypeError):
        insert_rows([Customer(shop=shop), Notification(shop=shop, title="x")])


def test_groups_are_one_round_trip_on_postgresql_and_all_or_nothing(make_shop):
    shop, _ = make_shop()
    with tenancy.scope(shop):
        first = [Customer(shop=shop, email_index=f"g{i}") for i in range(3)]
        second = [Customer(shop=shop, email_index="g9")]
        with CaptureQueriesContext(connection) as queries:
            insert_groups(first, [], second)
        expected = 1 if connection.vendor == "postgresql" else 2
        assert len(queries) == expected
        assert Customer.objects.count() == 4
        # A later statement failing: the earlier ones in the batch are undone with it.
        clash = [Customer(shop=shop, email_index="h1")], [Customer(shop=shop, email_index="g0")]
        with pytest.raises(IntegrityError), transaction.atomic():
            insert_groups(*clash)
        assert not Customer.objects.filter(email_index="h1").exists()
        assert insert_groups() is None  # nothing to write: no statement


def test_primary_keys_are_client_side(make_shop):
    shop, _ = make_shop()
    with tenancy.scope(shop):
        row = Customer(shop=shop, email_index="k")
        chosen = row.pk
        insert_rows([row])
        assert isinstance(chosen, uuid.UUID) and Customer.objects.get(email_index="k").pk == chosen


def test_statements_return_their_rows_in_one_round_trip_on_postgresql(make_shop):
    shop, _ = make_shop()
    with tenancy.scope(shop):
        insert_rows([Customer(shop=shop, email_index="r1", name="Rae")])
        table = Customer._meta.db_table
        with CaptureQueriesContext(connection) as queries:
            counted, nothing, named = run_statements(
                [
                    (f"SELECT count(*) FROM {table} WHERE email_index = %s", ["r1"]),
                    (f"UPDATE {table} SET orders_count = 1 WHERE email_index = %s", ["none"]),
                    (f"SELECT email_index FROM {table} WHERE email_index = %s", ["r1"]),
                ]
            )
        assert len(queries) == (1 if connection.vendor == "postgresql" else 3)
        assert (counted, nothing, named) == ([(1,)], [], [("r1",)])
        # A failing statement raises, and the transaction loses what the batch did before it.
        with pytest.raises(IntegrityError), transaction.atomic():
            run_statements(
                [
                    (f"UPDATE {table} SET name = %s WHERE email_index = %s", ["Changed", "r1"]),
                    (f"UPDATE {table} SET orders_count = -1 WHERE email_index = %s", ["r1"]),
                ]
            )
        assert Customer.objects.get(email_index="r1").name == "Rae"


def test_long_statements_are_parsed_once(make_shop):
    """psycopg (installed everywhere) caches the parse of a ~110-parameter statement: the setting
    is applied at start-up, and on PostgreSQL a second run of the same text hits the cache, bound
    (one statement) and quoted in (several that cannot be one) alike."""
    from psycopg import _queries

    from sellsafe.core.inserts import STATEMENT_CACHE_PARAMS

    assert _queries.MAX_CACHED_STATEMENT_PARAMS >= STATEMENT_CACHE_PARAMS
    expected = 1 if connection.vendor == "postgresql" else 0  # SQLite binds without psycopg
    one = [("SELECT " + ", ".join(["%s"] * 120), list(range(120)))]
    two = [("SELECT " + ", ".join(["%s"] * 60), list(range(60)))] * 2
    for statements, cache in ((one, _queries._query2pg), (two, _queries._query2pg_client)):
        run_statements(statements)
        before = cache.cache_info().hits
        assert run_statements(statements) == [[tuple(p)] for _, p in statements]
        assert cache.cache_info().hits == before + expected


def test_prepared_rows_take_a_late_value_encrypted_like_the_rest(make_shop):
    shop, _ = make_shop()
    with tenancy.scope(shop):
        rows = PreparedRows(
            [Customer(shop=shop, email_index=f"p{i}", name="Early") for i in (1, 2)]
        )
        rows.set("name", "Late")
        insert_groups(rows)
        assert [row.name for row in Customer.objects.all()] == ["Late", "Late"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM customers_customer")
            assert all("Late" not in str(value) for (value,) in cursor.fetchall())
        other, _ = make_shop()
        with pytest.raises(tenancy.ScopeError):
            PreparedRows([Customer(shop=other, email_index="x")])


def test_rows_ride_along_with_the_next_statement(make_shop):
    shop, _ = make_shop()
    one_trip = connection.vendor == "postgresql"
    with tenancy.scope(shop):
        with CaptureQueriesContext(connection) as queries, ride_along():
            insert_later([Customer(shop=shop, email_index="later")])
            assert not Customer.objects.filter(email_index="later").exists()  # not yet: waits
            written = insert_rows([Customer(shop=shop, email_index="now")], ignore_conflicts=True)
        assert written == 1  # the count is the caller's own statement's
        assert Customer.objects.filter(email_index__in=["later", "now"]).count() == 2
        inserts = [q for q in queries if "INSERT" in q["sql"]]
        assert len(inserts) == (1 if one_trip else 2)
        with ride_along():  # nothing else came: sent at the end of the block
            insert_later([Customer(shop=shop, email_index="alone")])
        assert Customer.objects.filter(email_index="alone").exists()

        def failing() -> None:
            with ride_along():  # the block fails: its waiting rows are dropped
                insert_later([Customer(shop=shop, email_index="dropped")])
                raise RuntimeError

        with pytest.raises(RuntimeError):
            failing()
        insert_later([Customer(shop=shop, email_index="outside")])  # no ride: at once
        assert Customer.objects.filter(email_index="outside").exists()
        assert not Customer.objects.filter(email_index="dropped").exists()
