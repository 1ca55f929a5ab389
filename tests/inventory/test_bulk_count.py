"""Counting many variants at once (inventory.bulk.stock_count_bulk): the same rules as a single
count, in set operations; one audit event per call; concurrency on PostgreSQL."""

import threading

import pytest
from django.db import close_old_connections, connection, connections

from sellsafe.audit.chain import chain_key, verify_chain
from sellsafe.audit.models import AuditEvent
from sellsafe.catalog.models import Variant
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError, NotAllowed
from sellsafe.inventory import events, services
from sellsafe.inventory.bulk import stock_count_bulk
from sellsafe.inventory.models import StockLevel, StockMovement
from sellsafe.notifications.models import Notification
from sellsafe.shops import roles
from tests.inventory.conftest import make_location, make_variant

pytestmark = pytest.mark.django_db


def count(actor, shop, location, counts, note="Stock take"):
    return stock_count_bulk(actor=actor, shop=shop, location=location, counts=counts, note=note)


def levels(shop, location):
    with tenancy.scope(shop):
        return dict(
            StockLevel.objects.filter(location=location).values_list("variant__sku", "on_hand")
        )


def movements(shop):
    with tenancy.scope(shop):
        return list(
            StockMovement.objects.order_by("variant__sku").values_list(
                "variant__sku", "reason", "on_hand_change", "on_hand_after", "note"
            )
        )


@pytest.fixture
def three(stocked):
    shop, owner, tee, location = stocked
    return shop, owner, [tee, make_variant(shop, "CAP-1"), make_variant(shop, "MUG-1")], location


def test_counts_are_applied_with_movements_and_one_audit_event(three):
    shop, owner, (tee, cap, mug), location = three
    services.stock_adjust(
        actor=owner, shop=shop, variant=tee, location=location, change=10, reason="received"
    )
    changed = count(owner, shop, location, [(tee, 12), (cap, 7), (mug, 0)])
    assert changed == 2  # mug: no level, count 0 is no change (a level row exists now)
    assert levels(shop, location) == {"TEE-1": 12, "CAP-1": 7, "MUG-1": 0}
    assert movements(shop)[:2] == [
        ("CAP-1", "counted", 7, 7, "Stock take"),
        ("TEE-1", "received", 10, 10, ""),
    ]
    assert ("TEE-1", "counted", 2, 12, "Stock take") in movements(shop)
    event = AuditEvent.objects.filter(shop=shop, action=events.STOCK_COUNTED).get()
    assert event.actor_user_id == owner.user.pk
    assert event.target_id == str(location.pk)
    assert event.changes["changed"] == 2
    by_sku = {line["sku"]: line["on_hand"] for line in event.changes["counts"]}
    assert by_sku == {"TEE-1": {"before": 10, "after": 12}, "CAP-1": {"before": 0, "after": 7}}
    assert verify_chain(chain_key(shop.pk)).problem is None
    # Counting again to the same values changes and records nothing.
    assert count(owner, shop, location, [(tee, 12), (cap, 7)]) == 0
    assert AuditEvent.objects.filter(shop=shop, action=events.STOCK_COUNTED).count() == 1


def test_a_count_below_reserved_refuses_the_whole_call_and_writes_nothing(three):
    shop, owner, (tee, cap, _mug), location = three
    services.stock_adjust(
        actor=owner, shop=shop, variant=tee, location=location, change=5, reason="received"
    )
    services.stock_reserve(shop=shop, variant=tee, location=location, quantity=3, order_ref="A")
    before_movements = movements(shop)
    before_events = AuditEvent.objects.filter(shop=shop).count()
    with pytest.raises(DomainError, match=r"TEE-1.*cannot be below 3"):
        count(owner, shop, location, [(cap, 9), (tee, 2)])
    assert levels(shop, location) == {"TEE-1": 5}  # no level created for CAP-1 either
    assert movements(shop) == before_movements
    assert AuditEvent.objects.filter(shop=shop).count() == before_events


def test_bad_counts_are_refused(three):
    shop, owner, (tee, cap, _mug), location = three
    for counts, message in (
        ([(tee, -1)], "from 0"),
        ([(tee, "3")], "whole number"),
        ([(tee, 1), (tee, 2)], "counted twice"),
    ):
        with pytest.raises(DomainError, match=message):
            count(owner, shop, location, counts)
    assert levels(shop, location) == {}


def test_low_stock_alerts_once_per_crossing(three, django_capture_on_commit_callbacks):
    shop, owner, (tee, cap, _mug), location = three  # shop default threshold: 5

    def notes():
        with tenancy.scope(shop):
            return list(
                Notification.objects.filter(kind=services.LOW_STOCK_KIND)
                .order_by("title")
                .values_list("title", flat=True)
            )

    with django_capture_on_commit_callbacks(execute=True):
        count(owner, shop, location, [(tee, 10), (cap, 3)])
    assert notes() == ["Low stock: CAP-1"]
    count(owner, shop, location, [(tee, 4), (cap, 2)])  # tee crosses; cap still low: no repeat
    assert notes() == ["Low stock: CAP-1", "Low stock: TEE-1"]
    count(owner, shop, location, [(tee, 9), (cap, 9)])  # both recover: re-armed
    with tenancy.scope(shop):
        tee.refresh_from_db()
        assert not tee.low_stock_alerted
    count(owner, shop, location, [(cap, 1)])
    assert notes().count("Low stock: CAP-1") == 2
    assert AuditEvent.objects.filter(shop=shop, action=events.STOCK_LOW).count() == 3


def test_many_crossings_in_one_call_are_summarised_once(stocked, mailoutbox):
    shop, owner, tee, location = stocked
    variants = [tee] + [make_variant(shop, f"V-{n:02d}") for n in range(11)]
    count(owner, shop, location, [(v, 1) for v in variants])
    with tenancy.scope(shop):
        notes = list(Notification.objects.filter(kind=services.LOW_STOCK_KIND))
        assert all(v.low_stock_alerted for v in Variant.objects.all())
    assert [n.title for n in notes] == ["Low stock: 12 variants"]
    event = AuditEvent.objects.filter(shop=shop, action=events.STOCK_LOW).get()
    assert event.changes["variant_count"] == 12
    assert {line["sku"] for line in event.changes["variants"]} == {v.sku for v in variants}
    count(owner, shop, location, [(v, 0) for v in variants])  # still low: no new alert
    assert AuditEvent.objects.filter(shop=shop, action=events.STOCK_LOW).count() == 1


def _low_stock_outcome(shop, owner, location, pairs, *, new):
    stock_count_bulk(
        actor=owner, shop=shop, location=location, counts=pairs, note="", new_variants=new
    )
    with tenancy.scope(shop):
        flags = dict(Variant.objects.values_list("sku", "low_stock_alerted"))
        titles = sorted(
            Notification.objects.filter(kind=services.LOW_STOCK_KIND).values_list(
                "title", flat=True
            )
        )
    return flags, titles


@pytest.mark.parametrize("declared_new", [False, True])
def test_new_variants_skip_the_lock_but_alert_exactly_as_before(
    make_shop, django_capture_on_commit_callbacks, declared_new
):
    """A variant created in the caller's transaction and counted at 2 (threshold 5) alerts; one
    counted at 9 does not; one with its own threshold 10 counted at 9 alerts: the same whether
    the caller declares them new (no lock, no sum) or not."""
    shop, owner = make_shop()
    location = make_location(shop)
    low, fine, own = (
        make_variant(shop, "LOW-1"),
        make_variant(shop, "OK-1"),
        make_variant(shop, "OWN-1", threshold=10),
    )
    new = {low.pk, fine.pk, own.pk} if declared_new else ()
    with django_capture_on_commit_callbacks(execute=True):
        flags, titles = _low_stock_outcome(
            shop, owner, location, [(low, 2), (fine, 9), (own, 9)], new=new
        )
    assert flags == {"LOW-1": True, "OK-1": False, "OWN-1": True}
    assert titles == ["Low stock: LOW-1", "Low stock: OWN-1"]
    # A second location: no longer new to this transaction, summed over both locations.
    second = make_location(shop, "Shop floor", kind="store")
    with django_capture_on_commit_callbacks(execute=True):
        flags, _ = _low_stock_outcome(shop, owner, second, [(low, 4)], new=())
    assert flags["LOW-1"] is False  # 2 + 4 >= 5: re-armed


def test_members_without_inventory_adjust_are_refused(three, add_member):
    shop, _owner, (tee, _cap, _mug), location = three
    analyst = add_member(shop, roles.ANALYST)
    with pytest.raises(NotAllowed):
        count(analyst, shop, location, [(tee, 5)])
    assert levels(shop, location) == {}
    assert AuditEvent.objects.filter(shop=shop, action=events.INVENTORY_REFUSED).exists()


def test_another_shops_variant_or_location_is_refused(three, make_shop):
    shop, owner, (tee, _cap, _mug), location = three
    other_shop, _ = make_shop(slug="other")
    other_variant = make_variant(other_shop, sku="OTHER")
    other_location = make_location(other_shop, "Other warehouse")
    with pytest.raises(DomainError, match="not found"):
        count(owner, shop, location, [(tee, 5), (other_variant, 5)])
    with pytest.raises(DomainError, match="not found"):
        count(owner, shop, other_location, [(tee, 5)])
    assert levels(shop, location) == {}


# --- PostgreSQL: a bulk count racing single adjustments ------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Concurrent writers need PostgreSQL (SQLite serialises every write); "
    "run with DATABASE_URL=postgres://...",
)
def test_bulk_counts_and_adjustments_race_without_breaking_the_constraints(stocked):
    shop, owner, tee, location = stocked
    variants = [tee] + [make_variant(shop, f"V-{n:02d}") for n in range(20)]
    for variant in variants:
        services.stock_adjust(
            actor=owner, shop=shop, variant=variant, location=location, change=5, reason="received"
        )
        services.stock_reserve(
            shop=shop, variant=variant, location=location, quantity=2, order_ref="A"
        )
    outcomes: list[str] = []
    barrier = threading.Barrier(3)

    def job(work):
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                try:
                    work()
                    outcomes.append("ok")
                except DomainError as error:
                    outcomes.append(error.message)
        except Exception as error:
            outcomes.append(f"crash: {error!r}")
        finally:
            connections.close_all()

    def bulk():
        count(owner, shop, location, [(v, 3) for v in reversed(variants)])

    def bulk_high():
        count(owner, shop, location, [(v, 8) for v in variants])

    def single():
        for variant in variants[::3]:
            services.stock_adjust(
                actor=owner, shop=shop, variant=variant, location=location, change=-1,
                reason="damaged",
            )  # fmt: skip
            services.stock_reserve(
                shop=shop, variant=variant, location=location, quantity=1, order_ref="B"
            )

    threads = [threading.Thread(target=job, args=(w,)) for w in (bulk, bulk_high, single)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert not [o for o in outcomes if o.startswith("crash")], outcomes
    with tenancy.scope(shop):
        rows = list(StockLevel.objects.values_list("on_hand", "reserved"))
        assert all(0 <= reserved <= on_hand for on_hand, reserved in rows)
        # Every level's final value is the last movement's on_hand_after: nothing lost.
        for level in StockLevel.objects.all():
            last = StockMovement.objects.filter(
                variant_id=level.variant_id, location_id=level.location_id
            ).latest("created_at", "on_hand_after")
            assert (last.on_hand_after, last.reserved_after) == (level.on_hand, level.reserved)
    assert verify_chain(chain_key(shop.pk)).problem is None
