"""Buyer emails of every kind: sent after commit, with the private link, nothing unexpected."""

import pytest
from django.core import mail

from sellsafe.core import tenancy
from sellsafe.orders import links
from sellsafe.orders.emails import queue_buyer_email
from sellsafe.orders.models import Order
from tests.storefront.conftest import BUYER, place

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "extra", "expected"),
    [
        ("shipped", {"carrier": "Royal Mail", "tracking": "RM123GB"}, ["Royal Mail", "RM123GB"]),
        ("refunded", {"amount": 1250}, ["12.50 GBP"]),
        ("return_update", {"status": "Approved", "secret": "dropped"}, ["Approved"]),
        ("confirmation", None, ["Total: 16.50 GBP"]),
    ],
)
def test_each_kind(client, store, django_capture_on_commit_callbacks, kind, extra, expected):
    place(client, store)
    with tenancy.scope(store.shop):
        order = Order.objects.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        queue_buyer_email(shop=store.shop, order=order, kind=kind, extra=extra)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [BUYER["email"]]
    assert f"#{order.number}" in email.subject
    assert links.order_url(order) in email.body
    for text in expected:
        assert text in email.body
    assert "dropped" not in email.body


def test_unknown_kind_is_a_programming_error(store):
    with pytest.raises(ValueError):
        queue_buyer_email(shop=store.shop, order=None, kind="spam")


def test_nothing_is_sent_if_the_transaction_rolls_back(client, store):
    from django.db import transaction

    place(client, store)
    with tenancy.scope(store.shop):
        order = Order.objects.get()
    mail.outbox.clear()

    def queue_then_fail():
        with transaction.atomic():
            queue_buyer_email(shop=store.shop, order=order, kind="shipped")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        queue_then_fail()
    assert mail.outbox == []


class _Rollback(Exception):
    pass


def test_with_the_database_queue_the_email_task_commits_with_the_order(
    store, settings, django_capture_on_commit_callbacks
):
    """Database queue: the task row is written in the caller's transaction (no order without its
    email, no email for an order that was rolled back); other queues wait for the commit."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from sellsafe.orders.emails import queue_in_transaction

    with tenancy.scope(store.shop):
        order = Order(shop=store.shop, number=1)  # not saved: the task only carries ids
    settings.TASKS = {"default": {"BACKEND": "sellsafe.core.task_queue.DatabaseBackend"}}
    assert queue_in_transaction()  # the test runs inside a transaction

    def queue_then_fail() -> None:
        with transaction.atomic():
            queue_buyer_email(shop=store.shop, order=order, kind="confirmation")
            assert DBTaskResult.objects.count() == 1  # in this transaction, before any commit
            raise _Rollback

    with pytest.raises(_Rollback):
        queue_then_fail()
    assert DBTaskResult.objects.count() == 0  # rolled back with it
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    assert not queue_in_transaction()
    from django.tasks import task_backends

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue_buyer_email(shop=store.shop, order=order, kind="confirmation")
        assert task_backends["default"].results == []  # not before the commit
    assert len(callbacks) == 1
    assert len(task_backends["default"].results) == 1


def test_the_checkouts_email_task_rides_along_with_the_customers_insert(client, store, settings):
    """Database queue, real checkout: the confirmation's task row is written with the order (in
    its transaction), sent in the same round trip as the customer's INSERT on PostgreSQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult

    from tests.storefront.conftest import BUYER, add_to_cart, checkout_key, url

    settings.TASKS = {"default": {"BACKEND": "sellsafe.core.task_queue.DatabaseBackend"}}
    add_to_cart(client, store)
    key = checkout_key(client, store)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url(store, "checkout"), {**BUYER, "idempotency_key": key})
    assert response.status_code == 302
    with tenancy.scope(store.shop):
        order = Order.objects.get()
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["kwargs"]["order_id"] == str(order.pk)
    tasks = [q["sql"] for q in queries if "django_tasks" in q["sql"]]
    assert len(tasks) == 1
    if connection.vendor == "postgresql":
        assert 'INSERT INTO "customers_customer"' in tasks[0]
