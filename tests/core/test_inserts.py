"""core.inserts: the plain INSERTs of the checkout write what the ORM would, stay inside the shop
scope, and keep a failed statement from writing anything."""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from sellsafe.core import tenancy
from sellsafe.core.inserts import insert_groups, insert_rows
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
