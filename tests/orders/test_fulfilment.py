"""Status actions, shipping (partial, over-shipping refused), cancel and expiry releasing stock
exactly once, notes encrypted at rest, packing slips audited."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError, NotAllowed
from sellsafe.orders import events, packing_slip
from sellsafe.orders.models import OrderNote, Shipment
from sellsafe.orders.services import fulfilment, notes, status
from sellsafe.orders.tasks import expire_due, expire_unpaid_orders
from sellsafe.shops import roles
from tests.orders.conftest import fresh, level, lines_of, make_order, make_stock

pytestmark = pytest.mark.django_db


def ship(shop, actor, order, quantities=None, carrier="Royal Mail", tracking="AB123456789GB"):
    lines = lines_of(shop, order)
    chosen = [
        (line, (quantities or {}).get(line.sku, line.quantity - line.quantity_shipped))
        for line in lines
    ]
    return fulfilment.shipment_create(
        actor=actor, shop=shop, order=order, carrier=carrier, tracking_number=tracking, lines=chosen
    )


def test_partial_then_full_shipment_commits_the_sale(shop_with_stock, mailoutbox):
    shop, owner, variant, location = shop_with_stock
    other, _ = make_stock(shop, "MUG-1", on_hand=5)
    order = make_order(shop, [(variant, location, 3), (other, location, 2)], status="paid")
    assert level(shop, variant, location) == (10, 3)

    ship(shop, owner, order, {"TEE-1": 1, "MUG-1": 0})
    order = fresh(shop, order)
    assert (order.status, order.fulfilment_status) == ("paid", "partial")
    assert level(shop, variant, location) == (9, 2)

    ship(shop, owner, order)
    order = fresh(shop, order)
    assert (order.status, order.fulfilment_status) == ("fulfilled", "fulfilled")
    assert level(shop, variant, location) == (7, 0)
    assert level(shop, other, location) == (3, 0)
    shipped = AuditEvent.objects.filter(shop=shop, action=events.ORDER_SHIPPED).latest("seq")
    assert shipped.changes["carrier"] == "Royal Mail"
    assert "ann" not in str(shipped.changes).lower()  # no buyer data in the log


def test_shipped_email_goes_to_the_buyer(
    shop_with_stock, mailoutbox, django_capture_on_commit_callbacks
):
    shop, owner, variant, location = shop_with_stock
    order = make_order(shop, [(variant, location, 1)], status="paid")
    with django_capture_on_commit_callbacks(execute=True):
        ship(shop, owner, order)
    assert [m.to for m in mailoutbox] == [["ann.buyer@example.com"]]
    assert "AB123456789GB" in mailoutbox[0].body


def test_cannot_ship_more_than_ordered(shop_with_stock):
    shop, owner, variant, location = shop_with_stock
    order = make_order(shop, [(variant, location, 2)], status="paid")
    with pytest.raises(DomainError, match="only 2 left to ship"):
        ship(shop, owner, order, {"TEE-1": 3})
    ship(shop, owner, order, {"TEE-1": 1})
    with pytest.raises(DomainError, match="only 1 left to ship"):
        ship(shop, owner, order, {"TEE-1": 2})
    with tenancy.scope(shop):
        assert Shipment.objects.count() == 1
    assert level(shop, variant, location) == (9, 1)


@pytest.mark.parametrize(
    ("carrier", "tracking"),
    [("", "X1"), ("=cmd()", "X1"), ("DHL", "AB<script>"), ("DHL", "9" * 61)],
)
def test_carrier_and_tracking_are_validated(shop_with_stock, carrier, tracking):
    shop, owner, variant, location = shop_with_stock
    order = make_order(shop, [(variant, location, 1)], status="paid")
    with pytest.raises(DomainError):
        ship(shop, owner, order, carrier=carrier, tracking=tracking)
    assert fresh(shop, order).fulfilment_status == "unfulfilled"


def test_unpaid_orders_ship_only_for_cash_on_delivery(shop_with_stock):
    shop, owner, variant, location = shop_with_stock
    unpaid = make_order(shop, [(variant, location, 1)])
    with pytest.raises(DomainError, match="not paid yet"):
        ship(shop, owner, unpaid)
    cod = make_order(shop, [(variant, location, 1)], method="cod")
    ship(shop, owner, cod)
    cod = fresh(shop, cod)
    assert cod.status == "fulfilled"
    cod = status.order_mark_delivered(actor=owner, shop=shop, order=cod)
    assert (cod.status, cod.paid_minor) == ("delivered", cod.total_minor)


def test_status_pipeline_and_invalid_moves(shop_with_stock):
    shop, owner, variant, location = shop_with_stock
    order = make_order(shop, [(variant, location, 1)])
    with pytest.raises(DomainError, match="pending payment now, so it cannot become completed"):
        status.order_complete(actor=owner, shop=shop, order=order)
    order = status.order_mark_paid(actor=owner, shop=shop, order=order, reference="BANK-1")
    assert order.status == "paid"
    with pytest.raises(DomainError):
        status.order_mark_paid(actor=owner, shop=shop, order=order)
    ship(shop, owner, order)
    order = fresh(shop, order)
    with pytest.raises(DomainError, match="cannot become cancelled"):
        status.order_cancel(actor=owner, shop=shop, order=order, reason="too late")
    order = status.order_mark_delivered(actor=owner, shop=shop, order=order)
    order = status.order_complete(actor=owner, shop=shop, order=order)
    assert order.status == "completed"


def test_a_cancelled_order_cannot_be_shipped(shop_with_stock):
    shop, owner, variant, location = shop_with_stock
    order = make_order(shop, [(variant, location, 1)], status="paid")
    status.order_cancel(actor=owner, shop=shop, order=order, reason="Buyer asked")
    with pytest.raises(DomainError, match="cancelled, so it cannot be shipped"):
        ship(shop, owner, fresh(shop, order))


def test_cancel_releases_stock_exactly_once(shop_with_stock):
    shop, owner, variant, location = shop_with_stock
    before = level(shop, variant, location)
    order = make_order(shop, [(variant, location, 4)])
    assert level(shop, variant, location) == (10, 4)
    stale = fresh(shop, order)
    status.order_cancel(actor=owner, shop=shop, order=order, reason="Buyer asked")
    with pytest.raises(DomainError, match="cancelled now"):
        status.order_cancel(actor=owner, shop=shop, order=stale, reason="again")
    assert level(shop, variant, location) == before


def test_roles_are_enforced_by_the_services(shop_with_stock, add_member):
    shop, owner, variant, location = shop_with_stock
    order = make_order(shop, [(variant, location, 1)], status="paid")
    catalog = add_member(shop, roles.CATALOG)
    packer = add_member(shop, roles.FULFILMENT)
    analyst = add_member(shop, roles.ANALYST)
    with pytest.raises(NotAllowed):
        ship(shop, catalog, order)
    with pytest.raises(NotAllowed):
        status.order_cancel(actor=packer, shop=shop, order=order)
    with pytest.raises(NotAllowed):
        notes.order_note_add(actor=analyst, shop=shop, order=order, text="hi")
    with pytest.raises(NotAllowed):
        packing_slip.packing_slips_print(actor=analyst, shop=shop, orders=[order])
    assert fresh(shop, order).status == "paid"


def test_expiry_releases_once_and_spares_cod_and_paid(shop_with_stock):
    shop, owner, variant, location = shop_with_stock
    soon = timezone.now() + timedelta(minutes=30)
    unpaid = make_order(shop, [(variant, location, 2)], expires_at=soon)
    cod = make_order(shop, [(variant, location, 1)], method="cod", expires_at=soon)
    paid = make_order(shop, [(variant, location, 1)], expires_at=soon)
    status.order_mark_paid(actor=owner, shop=shop, order=paid)
    later = make_order(shop, [(variant, location, 1)], expires_at=soon + timedelta(hours=2))
    assert level(shop, variant, location) == (10, 5)

    assert expire_due() == 0  # nothing due yet
    with time_machine.travel(soon + timedelta(minutes=1)):
        assert expire_unpaid_orders.call() == 1
        assert expire_due() == 0  # a second run changes nothing
    assert fresh(shop, unpaid).status == "cancelled"
    assert fresh(shop, cod).status == "pending_payment"
    assert fresh(shop, paid).status == "paid"
    assert fresh(shop, later).status == "pending_payment"
    assert level(shop, variant, location) == (10, 3)
    assert AuditEvent.objects.filter(shop=shop, action=events.ORDER_EXPIRED).count() == 1


def test_expire_command(shop_with_stock, capsys):
    from django.core.management import call_command

    shop, owner, variant, location = shop_with_stock
    order = make_order(shop, [(variant, location, 1)], expires_at=timezone.now())
    call_command("orders", "expire")
    assert "Expired 1 unpaid order(s)." in capsys.readouterr().out
    assert fresh(shop, order).status == "cancelled"


def test_notes_are_encrypted_at_rest_and_limited(shop_with_stock, add_member):
    shop, owner, variant, location = shop_with_stock
    order = make_order(shop, [(variant, location, 1)])
    packer = add_member(shop, roles.FULFILMENT)
    note = notes.order_note_add(
        actor=packer, shop=shop, order=order, text="Buyer says ring flat 4B"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM orders_note WHERE id = %s", [note.pk.hex])
        row = cursor.fetchone()
        if row is None:
            cursor.execute("SELECT text FROM orders_note WHERE id = %s", [str(note.pk)])
            row = cursor.fetchone()
    assert "flat 4B" not in row[0]
    with tenancy.scope(shop):
        assert OrderNote.objects.get(pk=note.pk).text == "Buyer says ring flat 4B"
    audit = AuditEvent.objects.filter(shop=shop, action=events.ORDER_NOTE_ADDED).latest("seq")
    assert "flat" not in str(audit.changes)
    with pytest.raises(DomainError, match="under 2,000"):
        notes.order_note_add(actor=packer, shop=shop, order=order, text="x" * 2001)
    with pytest.raises(DomainError):
        notes.order_note_add(actor=packer, shop=shop, order=order, text="   ")


def test_packing_slip_is_a_pdf_and_audited(shop_with_stock):
    shop, owner, variant, location = shop_with_stock
    first = make_order(shop, [(variant, location, 1)], status="paid")
    second = make_order(shop, [(variant, location, 2)], status="paid", name="Zoë Ünicode 李")
    pdf = packing_slip.packing_slips_print(actor=owner, shop=shop, orders=[first, second])
    assert pdf.startswith(b"%PDF")
    printed = AuditEvent.objects.filter(shop=shop, action=events.ORDER_PACKING_SLIP_PRINTED)
    assert sorted(printed.values_list("target_id", flat=True)) == sorted(
        [str(first.pk), str(second.pk)]
    )
    with pytest.raises(DomainError):
        packing_slip.packing_slips_print(actor=owner, shop=shop, orders=[])
