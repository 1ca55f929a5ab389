"""Reveal, export, erase and retention, at the service level."""

import json
import logging
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from sellsafe.audit.models import AuditEvent
from sellsafe.catalog.services.bulk import ReauthenticationRequired
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError, NotAllowed, NotFound
from sellsafe.customers import events, selectors
from sellsafe.customers.models import Customer
from sellsafe.customers.services.data_requests import customer_erase, customer_export
from sellsafe.customers.services.retention import anonymise_completed_orders
from sellsafe.customers.services.reveal import customer_reveal, order_buyer_reveal
from sellsafe.orders.models import Order, OrderNote, OrderStatus, ReturnRequest
from sellsafe.shops import roles
from tests.customers.conftest import EMAIL, NAME, NOTE, PHONE, RETURN_REASON, STREET

pytestmark = pytest.mark.django_db
PLAINTEXT = [EMAIL, PHONE, NAME, STREET, NOTE, RETURN_REASON, "Baker", "jane.doe"]


def _raw_rows(*tables):
    with connection.cursor() as cursor:
        rows = []
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")  # fixed table names
            rows.extend(cursor.fetchall())
    return " ".join(str(value) for row in rows for value in row)


def test_personal_data_is_not_in_plain_text_in_the_database(world):
    dump = _raw_rows("customers_customer", "orders_order", "orders_note", "orders_return")
    for value in PLAINTEXT:
        assert value not in dump


def test_customer_service_can_reveal_and_each_reveal_is_audited_without_values(
    world, add_member, caplog
):
    shop, customer = world["shop_a"], world["customer_a"]
    agent = add_member(shop, roles.CUSTOMER_SERVICE)
    caplog.set_level(logging.DEBUG)
    with tenancy.scope(shop):
        shown = customer_reveal(actor=agent, shop=shop, customer=customer)
        again = customer_reveal(actor=agent, shop=shop, customer=customer)
        buyer = order_buyer_reveal(actor=agent, shop=shop, order=world["order_a"])
    assert shown == again
    assert shown["email"] == EMAIL and shown["phone"] == PHONE and shown["name"] == NAME
    assert shown["addresses"][0]["line1"] == STREET
    assert buyer["address"]["line1"] == STREET and buyer["delivery_note"] == NOTE
    reveals = AuditEvent.objects.filter(shop=shop, action=events.CUSTOMER_PII_REVEALED)
    assert reveals.count() == 3
    assert {(e.target_type, e.actor_user_id) for e in reveals} == {
        ("customer", agent.user_id),
        ("order", agent.user_id),
    }
    stored = json.dumps([e.changes for e in reveals])
    assert "email" in stored
    for value in PLAINTEXT:
        assert value not in stored
        assert value not in caplog.text


@pytest.mark.parametrize("role_key", [roles.ANALYST, roles.FULFILMENT, roles.CATALOG])
def test_reveal_without_view_pii_is_refused_and_audited(world, add_member, role_key):
    shop = world["shop_a"]
    member = add_member(shop, role_key)
    with tenancy.scope(shop):
        with pytest.raises(NotAllowed):
            customer_reveal(actor=member, shop=shop, customer=world["customer_a"])
        with pytest.raises(NotAllowed):
            order_buyer_reveal(actor=member, shop=shop, order=world["order_a"])
    refused = AuditEvent.objects.filter(shop=shop, action=events.CUSTOMER_REFUSED)
    assert refused.count() == 2
    assert not AuditEvent.objects.filter(shop=shop, action=events.CUSTOMER_PII_REVEALED).exists()


def test_another_shops_customer_cannot_be_revealed(world):
    shop_b, owner_b = world["shop_b"], world["owner_b"]
    with pytest.raises(NotFound):
        customer_reveal(actor=owner_b, shop=shop_b, customer=world["customer_a"])
    with pytest.raises(NotFound):
        order_buyer_reveal(actor=owner_b, shop=shop_b, order=world["order_a"])


def test_export_holds_everything_and_is_audited_with_counts(world):
    shop, owner, customer = world["shop_a"], world["owner_a"], world["customer_a"]
    with pytest.raises(ReauthenticationRequired):
        customer_export(actor=owner, shop=shop, customer=customer, reauthenticated=False)
    assert not AuditEvent.objects.filter(shop=shop, action=events.CUSTOMER_EXPORTED).exists()
    data = customer_export(actor=owner, shop=shop, customer=customer, reauthenticated=True)
    json.dumps(data)  # serialisable
    assert data["customer"]["email"] == EMAIL
    assert data["customer"]["addresses"][0]["line1"] == STREET
    assert len(data["orders"]) == 2
    first = data["orders"][0]
    assert first["lines"][0]["sku"] == "MUG-1"
    assert first["notes"][0]["text"] == NOTE
    assert first["returns"][0]["reason"] == RETURN_REASON
    assert first["buyer"]["shipping_address"]["line1"] == STREET
    event = AuditEvent.objects.get(shop=shop, action=events.CUSTOMER_EXPORTED)
    assert event.changes["orders"] == 2 and event.changes["notes"] == 2
    assert EMAIL not in json.dumps(event.changes)


def test_export_and_erase_need_the_export_permission(world, add_member):
    shop = world["shop_a"]
    agent = add_member(shop, roles.CUSTOMER_SERVICE)
    for service in (customer_export, customer_erase):
        with pytest.raises(NotAllowed):
            service(actor=agent, shop=shop, customer=world["customer_a"], reauthenticated=True)
    assert AuditEvent.objects.filter(shop=shop, action=events.CUSTOMER_REFUSED).count() == 2


def test_erase_removes_personal_data_keeps_the_books_and_cannot_run_twice(world, caplog):
    shop, owner, customer = world["shop_a"], world["owner_a"], world["customer_a"]
    with pytest.raises(ReauthenticationRequired):
        customer_erase(actor=owner, shop=shop, customer=customer, reauthenticated=False)
    caplog.set_level(logging.DEBUG)
    customer_erase(actor=owner, shop=shop, customer=customer, reauthenticated=True)
    with tenancy.scope(shop):
        erased = Customer.objects.get(pk=customer.pk)
        assert (erased.email, erased.name, erased.phone, erased.addresses) == ("", "", "", "")
        assert erased.email_index == "" and erased.phone_index == "" and erased.erased_at
        assert erased.orders_count == 2 and erased.total_spent_minor == 5000
        orders = list(Order.objects.filter(customer=customer))
        assert len(orders) == 2
        for order in orders:
            assert order.buyer_email == order.buyer_name == order.buyer_phone == ""
            assert order.shipping_address == order.delivery_note == ""
            assert order.buyer_email_index == order.buyer_phone_index == ""
            assert order.anonymised_at is not None
            assert order.total_minor == 2500 and order.ship_country == "GB"
            assert order.lines.count() == 1
        assert set(OrderNote.objects.values_list("text", flat=True)) == {""}
        assert set(ReturnRequest.objects.values_list("reason", flat=True)) == {""}
        # Searching by the old email or phone finds nothing.
        assert selectors.customer_list(country="GB", query=EMAIL).rows == []
        assert selectors.customer_list(country="GB", query=PHONE).rows == []
    dump = _raw_rows("customers_customer", "orders_order", "orders_note", "orders_return")
    for value in PLAINTEXT:
        assert value not in dump
        assert value not in caplog.text
    event = AuditEvent.objects.get(shop=shop, action=events.CUSTOMER_ERASED)
    assert event.changes["orders_anonymised"] == 2
    with pytest.raises(DomainError, match="already erased"):
        customer_erase(actor=owner, shop=shop, customer=erased, reauthenticated=True)
    # Shop B's customer is untouched.
    with tenancy.scope(world["shop_b"]):
        assert Customer.objects.get().email == "bob@example.net"


def test_retention_anonymises_only_orders_completed_before_the_cutoff(
    world, make_customer, make_order
):
    shop = world["shop_a"]
    shop.retention_days = 30
    shop.save(update_fields=["retention_days"])
    now = timezone.now()
    old_customer = make_customer(shop, email="old@example.org", phone="+447700900111")
    with time_machine.travel(now - timedelta(days=40), tick=False):
        old = make_order(shop, old_customer, completed_at=now - timedelta(days=31))
    recent = make_order(shop, old_customer, completed_at=now - timedelta(days=29))
    pending = make_order(
        shop, old_customer, status=OrderStatus.PAID, completed_at=now - timedelta(days=90)
    )
    assert anonymise_completed_orders(shop=shop, now=now) == 1
    with tenancy.scope(shop):
        old.refresh_from_db()
        recent.refresh_from_db()
        pending.refresh_from_db()
        assert old.anonymised_at and old.buyer_email == "" and old.buyer_email_index == ""
        assert recent.anonymised_at is None and recent.buyer_email == "old@example.org"
        assert pending.anonymised_at is None
        # The customer still has non-anonymised orders: kept.
        assert Customer.objects.get(pk=old_customer.pk).erased_at is None
    assert anonymise_completed_orders(shop=shop, now=now) == 0  # idempotent
    events_run = AuditEvent.objects.filter(shop=shop, action=events.CUSTOMERS_RETENTION_ANONYMISED)
    assert events_run.count() == 1 and events_run.get().changes["orders"] == 1


def test_retention_erases_customers_whose_orders_are_all_anonymised(
    world, make_customer, make_order
):
    shop = world["shop_a"]
    shop.retention_days = 30
    shop.save(update_fields=["retention_days"])
    now = timezone.now()
    lone = make_customer(shop, email="lone@example.org", phone="+447700900222")
    make_order(shop, lone, completed_at=now - timedelta(days=60))
    with time_machine.travel(now + timedelta(days=1)):
        # Only the lone order: world's completed order was completed just now.
        assert anonymise_completed_orders(shop=shop) == 1
    with tenancy.scope(shop):
        lone.refresh_from_db()
        assert lone.erased_at is not None and lone.email == "" and lone.email_index == ""
        assert Customer.objects.get(pk=world["customer_a"].pk).erased_at is None


def test_retention_off_does_nothing(world):
    shop = world["shop_a"]
    assert shop.retention_days is None
    assert anonymise_completed_orders(shop=shop, now=timezone.now() + timedelta(days=9999)) == 0


def test_retention_command_and_task_walk_shops_with_retention(world, make_order):
    from io import StringIO

    from django.core.management import call_command

    from sellsafe.customers.tasks import retention_task

    shop = world["shop_a"]
    shop.retention_days = 30
    shop.save(update_fields=["retention_days"])
    out = StringIO()
    call_command("customers", "retention", stdout=out)
    assert "Nothing to anonymise" in out.getvalue()
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        call_command("customers", "retention", "--shop", shop.slug, stdout=out)
        assert f"{shop.slug}: 1 order(s) anonymised." in out.getvalue()
        make_order(shop, world["customer_a"], completed_at=timezone.now() - timedelta(days=40))
        assert retention_task.call() == 1
    # Shop B has no retention: untouched.
    with tenancy.scope(world["shop_b"]):
        assert Order.objects.get().anonymised_at is None
