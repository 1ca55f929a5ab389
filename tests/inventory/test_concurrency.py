"""Stock under concurrent writers, on PostgreSQL: each thread has its own connection and its own
transaction, all released at once. The constraints and the conditional updates must hold: never
negative, never more reserved than on hand, every success has its movement, one alert per
crossing."""

from collections import Counter

import pytest

from sellsafe.audit.chain import chain_key, verify_chain
from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.inventory import services
from sellsafe.inventory.models import StockLevel, StockMovement
from sellsafe.notifications.models import Notification
from tests.concurrency import POSTGRES_ONLY, run_together
from tests.inventory.conftest import make_location

pytestmark = POSTGRES_ONLY


def level(shop, variant, location):
    with tenancy.scope(shop):
        return (
            StockLevel.objects.filter(variant=variant, location=location)
            .values_list("on_hand", "reserved")
            .get()
        )


def test_twenty_removals_from_ten_units_exactly_ten_succeed(stocked):
    shop, owner, variant, location = stocked
    services.stock_adjust(
        actor=owner, shop=shop, variant=variant, location=location, change=10, reason="received"
    )

    def remove_one():
        services.stock_adjust(
            actor=owner, shop=shop, variant=variant, location=location, change=-1, reason="damaged"
        )

    outcomes = run_together([remove_one] * 20)

    assert outcomes.count("ok") == 10
    refusals = [o for o in outcomes if o != "ok"]
    assert len(refusals) == 10 and all("only 0 on hand" in o for o in refusals)
    assert level(shop, variant, location) == (0, 0)
    with tenancy.scope(shop):
        removals = list(
            StockMovement.objects.filter(variant=variant, reason="damaged").values_list(
                "on_hand_change", "on_hand_after"
            )
        )
    assert len(removals) == 10
    assert sorted(after for _, after in removals) == list(range(10))
    assert all(change == -1 for change, _ in removals)
    report = verify_chain(chain_key(shop.pk))
    assert report.problem is None
    assert AuditEvent.objects.filter(shop=shop, action="stock.adjusted").count() == 11


def test_concurrent_increases_on_a_new_level_create_one_row(stocked):
    shop, owner, variant, location = stocked

    def add_one():
        services.stock_adjust(
            actor=owner, shop=shop, variant=variant, location=location, change=1, reason="received"
        )

    outcomes = run_together([add_one] * 12)
    assert outcomes == ["ok"] * 12
    assert level(shop, variant, location) == (12, 0)


def test_reservations_and_removals_never_exceed_what_is_on_hand(stocked):
    shop, owner, variant, location = stocked
    services.stock_adjust(
        actor=owner, shop=shop, variant=variant, location=location, change=10, reason="received"
    )

    def reserve(n):
        return lambda: services.stock_reserve(
            shop=shop, variant=variant, location=location, quantity=1, order_ref=f"#{n}"
        )

    def remove():
        services.stock_adjust(
            actor=owner, shop=shop, variant=variant, location=location, change=-1, reason="damaged"
        )

    jobs = [reserve(n) if n % 2 else remove for n in range(24)]
    outcomes = run_together(jobs)

    reserved_ok = sum(1 for n, o in enumerate(outcomes) if o == "ok" and n % 2)
    removed_ok = sum(1 for n, o in enumerate(outcomes) if o == "ok" and not n % 2)
    assert reserved_ok + removed_ok == 10
    on_hand, reserved = level(shop, variant, location)
    assert (on_hand, reserved) == (10 - removed_ok, reserved_ok)
    assert 0 <= reserved <= on_hand
    with tenancy.scope(shop):
        reasons = Counter(
            StockMovement.objects.filter(variant=variant).values_list("reason", flat=True)
        )
    assert reasons == Counter(received=1, reserved=reserved_ok, damaged=removed_ok)


def low_stock_notes(shop):
    with tenancy.scope(shop):
        return Notification.objects.filter(kind=services.LOW_STOCK_KIND).count()


@pytest.mark.parametrize("same_location", [True, False], ids=["same location", "two locations"])
def test_two_adjustments_crossing_together_alert_exactly_once(stocked, same_location):
    shop, owner, variant, location = stocked  # shop default threshold: 5
    other = location if same_location else make_location(shop, "Shop floor", "shop")
    for round_number in range(1, 6):
        # Up without crossing, then 6 available; two concurrent removals make 4, below 5.
        if same_location:
            counts = [(location, 10), (location, 6)]
        else:
            counts = [(location, 10), (other, 10), (location, 3), (other, 3)]
        for place, units in counts:
            services.stock_adjust(
                actor=owner,
                shop=shop,
                variant=variant,
                location=place,
                set_to=units,
                reason="counted",
            )
        with tenancy.scope(shop):
            variant.refresh_from_db()
        assert variant.low_stock_alerted is False

        def remove_at(place):
            return lambda: services.stock_adjust(
                actor=owner,
                shop=shop,
                variant=variant,
                location=place,
                change=-1,
                reason="damaged",
            )

        assert run_together([remove_at(location), remove_at(other)]) == ["ok", "ok"]
        assert low_stock_notes(shop) == round_number
