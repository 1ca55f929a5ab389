"""Console and storefront pages show dates in the shop's time zone; the order list's date filter
reads the typed days in that zone; exports keep UTC with an explicit offset."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from sellsafe.core import zones
from sellsafe.orders import links
from tests.orders.conftest import make_order
from tests.shops.helpers import url

pytestmark = pytest.mark.django_db

# 02:30 UTC on 15 January is 21:30 on 14 January in New York (EST, UTC-5).
PLACED = datetime(2026, 1, 15, 2, 30, tzinfo=UTC)


@pytest.fixture(params=["America/New_York", "UTC"])
def zoned(request, shop_with_stock):
    shop, owner, variant, location = shop_with_stock
    shop.timezone = request.param
    shop.save(update_fields=["timezone"])
    order = make_order(shop, [(variant, location, 1)], placed_at=PLACED)
    return shop, owner, order


def expected(shop):
    if shop.timezone == "UTC":
        return "2026-01-15 02:30", "UTC"
    return "2026-01-14 21:30", "America/New_York"


def test_order_list_and_page_show_the_shops_local_time(zoned, browser):
    shop, owner, order = zoned
    when, zone = expected(shop)
    client = browser(owner.user)

    listing = client.get(url(shop, "orders")).content.decode()
    assert f'<th scope="col">Placed ({zone})</th>' in listing
    assert f">{when}</time>" in listing
    page = client.get(url(shop, "order", order.pk)).content.decode()
    assert f"{when} {zone}</time>" in page
    if zone != "UTC":
        assert "2026-01-15 02:30" not in listing + page
        # The machine-readable value carries the offset, so it is the same instant.
        assert 'datetime="2026-01-14T21:30:00-05:00"' in page
    # The zone is the request's only: afterwards the process is back on UTC.
    assert timezone.get_current_timezone_name() == "UTC"


def test_the_date_filter_reads_local_days(zoned, browser):
    shop, owner, order = zoned
    client = browser(owner.user)
    local_day, other_day = (
        ("2026-01-15", "2026-01-14") if shop.timezone == "UTC" else ("2026-01-14", "2026-01-15")
    )

    def listed(day, field=None):
        query = {"since": day, "until": day} if field is None else {field: day}
        body = client.get(url(shop, "orders"), query).content.decode()
        return f"#{order.number}</a>" in body

    assert listed(local_day)
    assert not listed(other_day)
    # Open-ended ranges use the same local midnight.
    assert listed(local_day, "since") and listed(local_day, "until")
    assert not listed(other_day, "since" if other_day > local_day else "until")


def test_the_buyers_order_page_shows_the_shops_local_time(zoned, client):
    shop, _, order = zoned
    when = (
        "14 Jan 2026, 21:30 America/New_York"
        if shop.timezone != "UTC"
        else "15 Jan 2026, 02:30 UTC"
    )
    token = links.order_token(order)
    page = client.get(f"/store/{shop.slug}/orders/{token}/").content.decode()
    assert f"<dd>{when}</dd>" in page


def test_the_activity_export_keeps_utc_with_an_offset(zoned, browser):
    shop, owner, _ = zoned
    client = browser(owner.user)
    response = client.post(url(shop, "shop_activity_export"), {})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows
    for row in rows:
        stamp = datetime.fromisoformat(row["occurred_at_utc"])
        assert row["occurred_at_utc"].endswith("+00:00")
        assert stamp.utcoffset().total_seconds() == 0


def test_an_unknown_zone_name_falls_back_to_utc():
    assert zones.zone_named("Not/AZone") is UTC
    assert zones.zone_named("") is UTC
    assert zones.zone_named("../../etc/passwd") is UTC
    assert str(zones.zone_named("America/New_York")) == "America/New_York"
    assert zones.day_start(PLACED.date(), "America/New_York") == datetime(
        2026, 1, 15, 5, 0, tzinfo=UTC
    )


def test_the_activity_date_filter_reads_the_shops_days(make_shop, browser):
    """An event written now is on "today" of the shop's zone. The zone is chosen so that its date
    differs from UTC's at this moment (UTC+14 from 10:00 UTC, UTC-11 before 11:00 UTC), so reading
    the typed day as a UTC day would miss the event."""
    from datetime import timedelta

    from sellsafe.audit import services as audit

    zone = "Pacific/Kiritimati" if timezone.now().hour >= 10 else "Pacific/Pago_Pago"
    shop, owner = make_shop()
    shop.timezone = zone
    shop.save(update_fields=["timezone"])
    audit.record(action="test.marker", actor=owner.user, shop=shop, target_type="test")
    local_today = timezone.now().astimezone(zones.zone_named(zone)).date()
    assert local_today != timezone.now().date()  # the case that matters
    client = browser(owner.user)

    def shown(day):
        page = client.get(
            url(shop, "shop_activity"), {"since": day.isoformat(), "until": day.isoformat()}
        )
        assert page.status_code == 200
        return "test.marker" in page.content.decode()

    assert shown(local_today)
    assert not shown(local_today - timedelta(days=1))
    assert not shown(local_today + timedelta(days=1))
