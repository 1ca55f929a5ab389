"""The buyer's personal data: encrypted in the database, absent from the logs."""

import logging

import pytest
from django.db import connection

from tests.storefront.conftest import BUYER, place

pytestmark = pytest.mark.django_db

SECRETS = [
    BUYER["email"],
    BUYER["name"],
    "Quietbuyer",
    "7911123456",
    "Hiddenstreet",
    "Leave with the neighbour",
]


def all_rows_text():
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table.startswith(("orders_", "customers_", "audit_", "inventory_", "django_tasks")):
                cursor.execute(f'SELECT * FROM "{table}"')
                chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_personal_data_is_not_stored_in_plain_text(
    client, store, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        response = place(client, store, payment_method="bank_transfer")
    assert response.status_code == 302
    client.get(response["Location"])
    text = all_rows_text()
    assert "orders_order" in connection.introspection.table_names()
    for secret in SECRETS:
        assert secret not in text, secret
        assert secret.lower() not in text.lower(), secret
        assert secret not in caplog.text, secret


def test_refusals_log_no_personal_data(client, store, caplog):
    caplog.set_level(logging.DEBUG)
    place(client, store, website="spam", payment_method="cod")
    place(client, store, postcode="WRONG")
    for secret in SECRETS:
        assert secret not in caplog.text
