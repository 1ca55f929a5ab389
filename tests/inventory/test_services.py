"""Stock services: adjustments with their history and audit, refusals that write nothing, counts,
reservations, the database constraints, thresholds and low-stock alerts once per crossing."""

import pytest
from django.db import IntegrityError, transaction

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError, NotAllowed
from sellsafe.inventory import events, selectors, services
from sellsafe.inventory.models import StockLevel, StockMovement
from sellsafe.notifications.models import Notification
from sellsafe.notifications.selectors import recent_for
from sellsafe.shops import roles
from tests.inventory.conftest import make_location, make_variant

pytestmark = pytest.mark.django_db


def adjust(owner, shop, variant, location, change=None, set_to=None, reason="received", note=""):
    return services.stock_adjust(
        actor=owner,
        shop=shop,
        variant=variant,
        location=location,
        change=change,
        set_to=set_to,
        reason=reason,
        note=note,
    )


def level(shop, variant, location):
    with tenancy.scope(shop):
        row = StockLevel.objects.filter(variant=variant, location=location).first()
        return (row.on_hand, row.reserved) if row else None


def movements(shop, variant):
    with tenancy.scope(shop):
        return list(
            StockMovement.objects.filter(variant=variant)
            .order_by("created_at")
            .values_list("reason", "on_hand_change", "reserved_change", "on_hand_after")
        )


def stock_events(shop):
    return list(AuditEvent.objects.filter(shop=shop, action__startswith="stock.").order_by("seq"))


def test_adjustments_change_stock_write_history_and_audit(stocked):
    shop, owner, variant, location = stocked
    adjust(owner, shop, variant, location, change=10, note="Delivery 42")
    adjust(owner, shop, variant, location, change=-2, reason="damaged")
    adjust(owner, shop, variant, location, change=1, reason="returned")
    adjust(owner, shop, variant, location, change=-1, reason="correction")

    assert level(shop, variant, location) == (8, 0)
    assert movements(shop, variant) == [
        ("received", 10, 0, 10),
        ("damaged", -2, 0, 8),
        ("returned", 1, 0, 9),
        ("correction", -1, 0, 8),
    ]
    adjusted = [e for e in stock_events(shop) if e.action == events.STOCK_ADJUSTED]
    assert len(adjusted) == 4
    first = adjusted[0]
    assert first.actor_user_id == owner.user.pk
    assert first.target_type == "variant" and first.target_id == str(variant.pk)
    assert first.changes["on_hand"] == {"before": 0, "after": 10}
    assert first.changes["note"] == "Delivery 42"
    assert first.changes["location"] == location.name


def test_a_decrease_below_zero_is_refused_clearly_and_writes_nothing(stocked):
    shop, owner, variant, location = stocked
    adjust(owner, shop, variant, location, change=3)
    events_before = AuditEvent.objects.filter(shop=shop).count()

    with pytest.raises(DomainError) as refused:
        adjust(owner, shop, variant, location, change=-5, reason="damaged")

    assert "only 3 on hand" in refused.value.message
    assert refused.value.field == "quantity"
    assert level(shop, variant, location) == (3, 0)
    assert len(movements(shop, variant)) == 1
    assert AuditEvent.objects.filter(shop=shop).count() == events_before


def test_refusal_messages_survive_braces_in_names(stocked, make_shop):
    shop, owner, variant, location = stocked
    odd = make_location(shop, "Bay {0} {on_hand} %s")
    with pytest.raises(DomainError) as refused:
        adjust(owner, shop, variant, odd, change=-1, reason="damaged")
    assert refused.value.message == "Cannot remove 1: only 0 on hand at Bay {0} {on_hand} %s."


def test_a_decrease_with_no_stock_row_is_refused_and_creates_no_row(stocked):
    shop, owner, variant, location = stocked
    with pytest.raises(DomainError, match="only 0 on hand"):
        adjust(owner, shop, variant, location, change=-1, reason="damaged")
    assert level(shop, variant, location) is None


def test_reserved_units_cannot_be_removed(stocked):
    shop, owner, variant, location = stocked
    adjust(owner, shop, variant, location, change=5)
    services.stock_reserve(
        shop=shop, variant=variant, location=location, quantity=4, order_ref="A1"
    )
    with pytest.raises(DomainError, match="only 5 on hand at Main warehouse, 4 of them reserved"):
        adjust(owner, shop, variant, location, change=-2, reason="damaged")
    adjust(owner, shop, variant, location, change=-1, reason="damaged")
    assert level(shop, variant, location) == (4, 4)


def test_a_count_sets_the_number_on_hand(stocked):
    shop, owner, variant, location = stocked
    adjust(owner, shop, variant, location, change=7)
    adjust(owner, shop, variant, location, set_to=4, reason="counted", note="Stocktake")
    assert level(shop, variant, location) == (4, 0)
    assert movements(shop, variant)[-1] == ("counted", -3, 0, 4)
    # A count on a location never stocked creates the row.
    other = make_location(shop, "Shop floor", "shop")
    adjust(owner, shop, variant, other, set_to=2, reason="counted")
    assert level(shop, variant, other) == (2, 0)


def test_a_count_below_the_reserved_units_is_refused(stocked):
    shop, owner, variant, location = stocked
    adjust(owner, shop, variant, location, change=5)
    services.stock_reserve(shop=shop, variant=variant, location=location, quantity=3, order_ref="A")
    with pytest.raises(DomainError, match="cannot be below 3"):
        adjust(owner, shop, variant, location, set_to=2, reason="counted")
    assert level(shop, variant, location) == (5, 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"change": 0}, "other than 0"),
        ({"change": 10**12}, "at most"),
        ({"change": -(10**12)}, "at most"),
        ({"change": "3"}, "whole number"),
        ({"change": 2.5}, "whole number"),
        ({"change": True}, "whole number"),
        ({"change": 1, "set_to": 1}, "number of units"),
        ({}, "number of units"),
        ({"set_to": -1, "reason": "counted"}, "count from 0"),
        ({"set_to": 10**12, "reason": "counted"}, "count from 0"),
        ({"change": 3, "reason": "counted"}, "sets the number"),
        ({"set_to": 3, "reason": "received"}, "enter a change"),
        ({"change": 1, "reason": "sold"}, "reason from the list"),
        ({"change": 1, "reason": "<script>"}, "reason from the list"),
        ({"change": 1, "note": "x" * 501}, "note"),
    ],
)
def test_bad_adjustments_are_refused_with_a_message(stocked, kwargs, message):
    shop, owner, variant, location = stocked
    kwargs = {"reason": "received", **kwargs}
    with pytest.raises(DomainError) as refused:
        services.stock_adjust(actor=owner, shop=shop, variant=variant, location=location, **kwargs)
    assert message in refused.value.message
    assert level(shop, variant, location) is None


def test_stock_beyond_the_maximum_is_refused(stocked):
    shop, owner, variant, location = stocked
    adjust(owner, shop, variant, location, change=services.MAX_QUANTITY)
    with pytest.raises(DomainError, match="more than"):
        adjust(owner, shop, variant, location, change=1)
    assert level(shop, variant, location) == (services.MAX_QUANTITY, 0)


def test_members_without_inventory_adjust_are_refused_and_it_is_audited(stocked, add_member):
    shop, owner, variant, location = stocked
    analyst = add_member(shop, roles.ANALYST)
    with pytest.raises(NotAllowed):
        adjust(analyst, shop, variant, location, change=5)
    assert level(shop, variant, location) is None
    refusal = AuditEvent.objects.filter(shop=shop, action=events.INVENTORY_REFUSED).get()
    assert refusal.actor_user_id == analyst.user.pk
    for call in (
        lambda: services.location_create(actor=analyst, shop=shop, name="X", kind="shop"),
        lambda: services.variant_threshold_set(
            actor=analyst, shop=shop, variant=variant, threshold=3
        ),
        lambda: services.shop_low_stock_default_set(actor=analyst, shop=shop, threshold=3),
    ):
        with pytest.raises(NotAllowed):
            call()


def test_another_shops_variant_or_location_is_refused(stocked, make_shop):
    shop, owner, variant, location = stocked
    other_shop, _ = make_shop(slug="other")
    other_variant = make_variant(other_shop, sku="OTHER")
    other_location = make_location(other_shop, "Other warehouse")
    with pytest.raises(DomainError, match="not found"):
        adjust(owner, shop, other_variant, location, change=1)
    with pytest.raises(DomainError, match="not found"):
        adjust(owner, shop, variant, other_location, change=1)
    with pytest.raises(DomainError, match="not found"):
        services.stock_reserve(
            shop=shop, variant=variant, location=other_location, quantity=1, order_ref="X"
        )
    with tenancy.unscoped():
        assert not StockLevel.objects.exists()


# --- Reservations ------------------------------------------------------------------------------


def test_reserve_release_and_sell_go_through_the_same_conditional_updates(stocked):
    shop, owner, variant, location = stocked
    adjust(owner, shop, variant, location, change=5)
    services.stock_reserve(shop=shop, variant=variant, location=location, quantity=3, order_ref="1")
    assert level(shop, variant, location) == (5, 3)
    with pytest.raises(DomainError, match="only 2 available"):
        services.stock_reserve(
            shop=shop, variant=variant, location=location, quantity=3, order_ref="2"
        )
    services.stock_release(shop=shop, variant=variant, location=location, quantity=1, order_ref="1")
    assert level(shop, variant, location) == (5, 2)
    with pytest.raises(DomainError, match="only 2 reserved"):
        services.stock_commit_sale(
            shop=shop, variant=variant, location=location, quantity=3, order_ref="1"
        )
    services.stock_commit_sale(
        shop=shop, variant=variant, location=location, quantity=2, order_ref="1"
    )
    assert level(shop, variant, location) == (3, 0)
    with pytest.raises(DomainError, match="only 0 reserved"):
        services.stock_release(
            shop=shop, variant=variant, location=location, quantity=1, order_ref="1"
        )
    assert [m[0] for m in movements(shop, variant)] == ["received", "reserved", "released", "sold"]
    system = [
        e for e in stock_events(shop) if e.action not in (events.STOCK_ADJUSTED, events.STOCK_LOW)
    ]
    assert [e.action for e in system] == [
        events.STOCK_RESERVED,
        events.STOCK_RELEASED,
        events.STOCK_SOLD,
    ]
    assert all(e.actor_user_id is None and e.actor_type == "system" for e in system)


@pytest.mark.parametrize("quantity", [0, -1, 10**12, "1", 1.0, None])
def test_reservations_refuse_bad_quantities(stocked, quantity):
    shop, owner, variant, location = stocked
    adjust(owner, shop, variant, location, change=5)
    with pytest.raises(DomainError):
        services.stock_reserve(
            shop=shop, variant=variant, location=location, quantity=quantity, order_ref="1"
        )
    assert level(shop, variant, location) == (5, 0)


# --- The database itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [{"on_hand": -1}, {"reserved": -1}, {"reserved": 6}, {"on_hand": 1}],
    ids=[
        "negative on hand",
        "negative reserved",
        "reserved over on hand",
        "on hand under reserved",
    ],
)
def test_database_constraints_hold_against_a_raw_update(stocked, values):
    shop, owner, variant, location = stocked
    adjust(owner, shop, variant, location, change=5)
    services.stock_reserve(shop=shop, variant=variant, location=location, quantity=2, order_ref="1")
    with tenancy.scope(shop), pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(variant=variant).update(**values)
    assert level(shop, variant, location) == (5, 2)


# --- Selectors ---------------------------------------------------------------------------------


def test_selectors_per_location_totals_and_paginated_history(stocked, django_assert_num_queries):
    shop, owner, variant, location = stocked
    floor = make_location(shop, "Shop floor", "shop")
    closed = make_location(shop, "Old depot")
    second = make_variant(shop, sku="TEE-2")
    adjust(owner, shop, variant, location, change=4)
    adjust(owner, shop, variant, floor, change=3)
    for _ in range(3):
        adjust(owner, shop, second, floor, change=1)
    services.stock_reserve(shop=shop, variant=variant, location=floor, quantity=2, order_ref="9")
    services.location_update(
        actor=owner, shop=shop, location=closed, name="Old depot", kind="warehouse", is_active=False
    )
    with tenancy.scope(shop):
        rows = selectors.stock_by_location(variant=variant)
        assert [(r.location.name, r.on_hand, r.reserved, r.available) for r in rows] == [
            ("Main warehouse", 4, 0, 4),
            ("Shop floor", 3, 2, 1),
        ]
        with django_assert_num_queries(1):
            totals = selectors.stock_totals(variant_ids=[variant.pk, second.pk])
        assert (totals[variant.pk].on_hand, totals[variant.pk].available) == (7, 5)
        assert totals[second.pk].on_hand == 3
        page = selectors.movement_history(variant=second, page=1, per_page=2)
        assert [m.on_hand_after for m in page.object_list] == [3, 2]
        assert page.has_next()
        last = selectors.movement_history(variant=second, page="999", per_page=2)
        assert [m.on_hand_after for m in last.object_list] == [1]
        assert selectors.movement_history(variant=second, page="x<y").number == 1


# --- Locations ---------------------------------------------------------------------------------


def test_locations_are_created_updated_and_audited(stocked):
    shop, owner, variant, location = stocked
    created = services.location_create(actor=owner, shop=shop, name="  Dock   3 ", kind="3pl")
    assert created.name == "Dock 3"
    with pytest.raises(DomainError, match="exists already"):
        services.location_create(actor=owner, shop=shop, name="dock 3", kind="shop")
    with pytest.raises(DomainError, match="kind"):
        services.location_create(actor=owner, shop=shop, name="Dock 4", kind="moon")
    with pytest.raises(DomainError, match="name"):
        services.location_create(actor=owner, shop=shop, name="x" * 101, kind="shop")
    services.location_update(
        actor=owner, shop=shop, location=created, name="Dock 3", kind="shop", is_active=False
    )
    updated = AuditEvent.objects.filter(shop=shop, action=events.LOCATION_UPDATED).get()
    assert updated.changes == {
        "kind": {"before": "3pl", "after": "shop"},
        "is_active": {"before": True, "after": False},
    }
    assert AuditEvent.objects.filter(shop=shop, action=events.LOCATION_CREATED).count() == 1


# --- Low stock --------------------------------------------------------------------------------


def low_stock_notes(shop):
    with tenancy.scope(shop):
        return Notification.objects.filter(kind=services.LOW_STOCK_KIND).count()


def test_low_stock_alerts_once_per_crossing_and_again_after_recovering(
    stocked, add_member, mailoutbox, django_capture_on_commit_callbacks
):
    shop, owner, variant, location = stocked  # shop default threshold: 5
    editor = add_member(shop, roles.CATALOG)
    add_member(shop, roles.FULFILMENT)  # no catalog.edit: no email
    with django_capture_on_commit_callbacks(execute=True):
        adjust(owner, shop, variant, location, change=10)
    assert low_stock_notes(shop) == 0

    with django_capture_on_commit_callbacks(execute=True):
        adjust(owner, shop, variant, location, change=-6, reason="damaged")  # 4 < 5: alert
    assert low_stock_notes(shop) == 1
    assert sorted(m.to[0] for m in mailoutbox) == sorted([owner.user.email, editor.user.email])
    assert "TEE-1" in mailoutbox[0].subject
    assert "Available now: 4" in mailoutbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        adjust(owner, shop, variant, location, change=-1, reason="damaged")  # still low
        services.stock_reserve(
            shop=shop, variant=variant, location=location, quantity=1, order_ref="1"
        )
    assert low_stock_notes(shop) == 1
    assert len(mailoutbox) == 2

    adjust(owner, shop, variant, location, change=3)  # 6 on hand, 1 reserved: 5 available
    with tenancy.scope(shop):
        variant.refresh_from_db()
    assert variant.low_stock_alerted is False
    with django_capture_on_commit_callbacks(execute=True):
        services.stock_reserve(
            shop=shop, variant=variant, location=location, quantity=1, order_ref="2"
        )  # 4 available: a new crossing
    assert low_stock_notes(shop) == 2
    assert len(mailoutbox) == 4
    assert AuditEvent.objects.filter(shop=shop, action=events.STOCK_LOW).count() == 2


def test_low_stock_counts_every_location_and_the_variant_threshold(stocked):
    shop, owner, variant, location = stocked
    floor = make_location(shop, "Shop floor", "shop")
    services.variant_threshold_set(actor=owner, shop=shop, variant=variant, threshold=3)
    adjust(owner, shop, variant, location, change=2)  # 2 < 3: alert (from nothing)
    assert low_stock_notes(shop) == 1
    adjust(owner, shop, variant, floor, change=2)  # 4 in total: recovered
    adjust(owner, shop, variant, location, change=-2, reason="damaged")  # 2 in total: alert
    assert low_stock_notes(shop) == 2
    with tenancy.scope(shop):
        note = Notification.objects.order_by("-created_at").first()
    assert note.permission == "catalog.view"
    assert "2 available" in note.body and "threshold of 3" in note.body


def test_threshold_changes_are_audited_and_checked_at_once(stocked):
    shop, owner, variant, location = stocked
    adjust(owner, shop, variant, location, change=10)
    services.variant_threshold_set(actor=owner, shop=shop, variant=variant, threshold=20)
    assert low_stock_notes(shop) == 1
    services.variant_threshold_set(actor=owner, shop=shop, variant=variant, threshold=None)
    with tenancy.scope(shop):
        variant.refresh_from_db()
    assert variant.low_stock_threshold is None and variant.low_stock_alerted is False
    changed = AuditEvent.objects.filter(shop=shop, action=events.THRESHOLD_CHANGED)
    assert [e.changes["threshold"] for e in changed.order_by("seq")] == [
        {"before": None, "after": 20},
        {"before": 20, "after": None},
    ]
    with pytest.raises(DomainError):
        services.variant_threshold_set(actor=owner, shop=shop, variant=variant, threshold=-1)
    services.shop_low_stock_default_set(actor=owner, shop=shop, threshold=12)
    shop.refresh_from_db()
    assert shop.low_stock_default == 12
    default = AuditEvent.objects.filter(
        shop=shop, action=events.SHOP_DEFAULT_THRESHOLD_CHANGED
    ).get()
    assert default.changes == {"low_stock_default": {"before": 5, "after": 12}}


def test_members_see_only_notifications_their_permissions_allow(stocked, add_member):
    shop, owner, variant, location = stocked
    adjust(owner, shop, variant, location, change=1)  # alert
    finance = add_member(shop, roles.FINANCE)  # no catalog.view
    fulfilment = add_member(shop, roles.FULFILMENT)
    with tenancy.scope(shop):
        assert len(recent_for(owner)) == 1
        assert len(recent_for(fulfilment)) == 1
        assert recent_for(finance) == []


def test_notification_links_stay_on_this_site(stocked):
    from sellsafe.notifications.services import notify

    shop, *_ = stocked
    for link in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        with pytest.raises(ValueError):
            notify(shop=shop, kind="x", permission="shop.view", title="t", link=link)
    with pytest.raises(ValueError):
        notify(shop=shop, kind="x", permission="no.such", title="t")
