"""stock_reserve_for_order: one conditional UPDATE per item, the first active location (by name)
with enough, movements in one INSERT, the low-stock check only near the threshold, no audit
event of its own, and a refusal leaves nothing behind."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.inventory import services
from sellsafe.inventory.models import Location, StockMovement
from sellsafe.inventory.reservations import reservation_movements_write, stock_reserve_for_order
from sellsafe.notifications.models import Notification
from tests.inventory.conftest import make_location, make_variant
from tests.inventory.test_services import adjust, level

pytestmark = pytest.mark.django_db


def reserve(shop, items, order_ref="#1001"):
    with tenancy.scope(shop):
        return stock_reserve_for_order(shop=shop, items=items, order_ref=order_ref)


def test_reserves_at_first_active_location_by_name_with_enough(stocked):
    shop, owner, variant, main = stocked  # "Main warehouse"
    annex = make_location(shop, name="Annex")
    closed = make_location(shop, name="Aardvark (closed)")
    for place, units in ((main, 10), (annex, 1), (closed, 50)):
        adjust(owner, shop, variant, place, change=units)
    with tenancy.scope(shop):
        Location.objects.filter(pk=closed.pk).update(is_active=False)
    [first] = reserve(shop, [(variant, 1)])
    assert (first.location_id, first.location_name) == (annex.pk, "Annex")
    assert (first.on_hand_after, first.reserved_after) == (1, 1)
    [second] = reserve(shop, [(variant, 2)])  # the annex has none left: next by name
    assert second.location_id == main.pk
    assert level(shop, variant, main) == (10, 2)
    assert level(shop, variant, closed) == (50, 0)
    with tenancy.scope(shop):
        rows = list(
            StockMovement.objects.filter(reason="reserved")
            .order_by("created_at")
            .values_list("location_id", "reserved_change", "reserved_after", "note")
        )
    assert rows == [(annex.pk, 1, 1, "Order #1001"), (main.pk, 2, 2, "Order #1001")]


def test_several_items_one_update_each_and_no_audit_event(stocked):
    shop, owner, tee, main = stocked
    mug = make_variant(shop, sku="MUG-1", title="Mug")
    adjust(owner, shop, tee, main, change=100)
    adjust(owner, shop, mug, main, change=100)
    before = AuditEvent.objects.filter(shop=shop).count()
    with CaptureQueriesContext(connection) as queries, tenancy.scope(shop):
        got = stock_reserve_for_order(shop=shop, items=[(mug, 3), (tee, 2)], order_ref="#7")
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 2
    assert [r.variant.pk for r in got] == sorted([tee.pk, mug.pk], key=str)  # lock order
    assert AuditEvent.objects.filter(shop=shop).count() == before
    assert level(shop, tee, main) == (100, 2) and level(shop, mug, main) == (100, 3)


def test_movements_can_wait_for_the_order_number(stocked):
    shop, owner, variant, main = stocked
    adjust(owner, shop, variant, main, change=5)
    with tenancy.scope(shop), transaction.atomic():
        got = stock_reserve_for_order(shop=shop, items=[(variant, 1)], order_ref=None)
        assert not StockMovement.objects.filter(reason="reserved").exists()
        reservation_movements_write(shop=shop, reservations=got, order_ref="#1002")
        assert StockMovement.objects.get(reason="reserved").note == "Order #1002"


@pytest.mark.parametrize(("units", "message"), [(0, "sold out"), (2, "only 2 of")])
def test_refusal_rolls_back_every_reservation(stocked, units, message):
    shop, owner, tee, main = stocked
    scarce = make_variant(shop, sku="SCARCE", title="Scarce thing")
    adjust(owner, shop, tee, main, change=10)
    if units:
        adjust(owner, shop, scarce, main, change=units)
    with pytest.raises(DomainError, match=message), transaction.atomic():
        reserve(shop, [(tee, 1), (scarce, 3)])
    assert level(shop, tee, main) == (10, 0)
    with tenancy.scope(shop):
        assert not StockMovement.objects.filter(reason="reserved").exists()


def test_low_stock_check_only_when_the_level_falls_below_the_threshold(stocked):
    shop, owner, variant, main = stocked
    variant.low_stock_threshold = 5
    with tenancy.scope(shop):
        variant.save(update_fields=["low_stock_threshold"])
    adjust(owner, shop, variant, main, change=8)

    def alerts():
        with tenancy.scope(shop):
            return Notification.objects.filter(kind=services.LOW_STOCK_KIND).count()

    reserve(shop, [(variant, 3)])  # 5 left: at the threshold, no alert
    assert alerts() == 0
    reserve(shop, [(variant, 1)])  # 4 left: crossed
    assert alerts() == 1
    reserve(shop, [(variant, 1)])  # already alerted
    assert alerts() == 1


def test_other_shops_variant_refused(stocked, make_shop):
    shop, owner, variant, main = stocked
    adjust(owner, shop, variant, main, change=5)
    other, _ = make_shop(slug="other-shop", name="Other")
    with pytest.raises(DomainError):
        reserve(other, [(variant, 1)])
    assert level(shop, variant, main) == (5, 0)


@pytest.mark.parametrize("quantity", [0, -1, 10**12, "1", None])
def test_bad_quantities_refused(stocked, quantity):
    shop, owner, variant, main = stocked
    adjust(owner, shop, variant, main, change=5)
    with pytest.raises(DomainError):
        reserve(shop, [(variant, quantity)])
    assert level(shop, variant, main) == (5, 0)
