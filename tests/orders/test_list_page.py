"""The order list as HTML: rows and filter fields built in Python (every value escaped), links,
buyers masked, checkboxes only for roles that may fulfil, keyset links, a fixed query count."""

import html
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext

from sellsafe.console.order_forms import OrderFilterForm
from sellsafe.console.views.orders import _list_rows
from sellsafe.orders.selectors import OrderRow
from sellsafe.shops import roles
from tests.orders.conftest import make_order, make_stock
from tests.shops.helpers import url

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"


def test_rows_escape_every_value():
    """Every text a row shows goes through the escaper, even values masking would change."""
    row = OrderRow(
        id=uuid.uuid4(),
        number=1001,
        status="paid",
        status_label=HOSTILE,
        fulfilment_status="unfulfilled",
        fulfilment_label='"><img src=x>',
        method_label="a & b",
        total_minor=100,
        currency="<b>",
        placed_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        buyer_name=HOSTILE,
        buyer_email=f"{HOSTILE}@example.com",
    )
    out = str(_list_rows([(row, "<i>1.00</i>")], "shop-x", selectable=True))
    assert "<script" not in out and "<img" not in out and "<b>" not in out and "<i>" not in out
    assert out.count(html.escape(HOSTILE)) == 3  # name, email, status
    assert "&quot;&gt;&lt;img src=x&gt;" in out and "a &amp; b" in out
    assert "&lt;i&gt;1.00&lt;/i&gt; &lt;b&gt;" in out
    assert f'href="/s/shop-x/orders/{row.id}/"' in out
    assert '<time datetime="2026-01-02T03:04:05+00:00">2026-01-02 03:04</time>' in out
    assert f'value="{row.id}" form="bulk-form"' in out and "Select order 1001" in out
    assert 'type="checkbox"' not in str(_list_rows([(row, "1")], "shop-x", selectable=False))


def test_the_page_masks_and_escapes_a_hostile_buyer(shop_with_stock, browser):
    shop, owner, variant, location = shop_with_stock
    placed = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    order = make_order(
        shop,
        [(variant, location, 1)],
        name=HOSTILE,
        email="evil.buyer@example.com",
        placed_at=placed,
    )
    anon = make_order(shop, [(variant, location, 1)], name="", email="")
    page = browser(owner.user).get(url(shop, "orders"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<script>alert" not in body and "alert(1)" not in body  # masked, then escaped
    assert "&lt;***" in body and "e***@e***.com" in body and "evil.buyer" not in body
    assert f'href="{url(shop, "order", order.pk)}">#{order.number}</a>' in body
    assert '<time datetime="2026-03-04T05:06:07+00:00">2026-03-04 05:06</time>' in body
    assert "10.00 " + shop.currency in body
    row = body[body.index(f"#{anon.number}</a>") :]
    assert row[: row.index("</tr>")].count("\u2014") == 1  # no name: a dash, no email


@pytest.mark.parametrize(
    ("role", "selectable"),
    [
        (roles.OWNER, True),
        (roles.FULFILMENT, True),
        (roles.CUSTOMER_SERVICE, False),
        (roles.CATALOG, False),
    ],
)
def test_checkboxes_only_for_roles_that_fulfil(
    shop_with_stock, browser, add_member, role, selectable
):
    shop, owner, variant, location = shop_with_stock
    order = make_order(shop, [(variant, location, 1)])
    user = owner.user if role == roles.OWNER else add_member(shop, role).user
    body = browser(user).get(url(shop, "orders")).content.decode()
    assert f"#{order.number}</a>" in body
    assert (f'value="{order.pk}" form="bulk-form"' in body) is selectable
    assert ('id="bulk-form"' in body) is selectable
    assert (url(shop, "orders_bulk_ship") in body) is selectable


def test_keyset_links_walk_the_list_and_keep_the_filters(shop_with_stock, browser):
    from sellsafe.orders import selectors

    shop, owner, variant, location = shop_with_stock
    stock, _ = make_stock(shop, "MANY-1", on_hand=500)
    now = datetime.now(UTC)
    made = [
        make_order(shop, [(stock, location, 1)], placed_at=now - timedelta(minutes=i))
        for i in range(selectors.PAGE_SIZE + 3)
    ]
    client = browser(owner.user)

    def numbers(body):
        return [int(n) for n in re.findall(r'">#(\d+)</a></td>', body)]

    first = client.get(url(shop, "orders"), {"status": "pending_payment"}).content.decode()
    assert numbers(first) == [o.number for o in made[: selectors.PAGE_SIZE]]
    older = re.search(r'rel="next" href="\?([^"]+)"', first)
    assert older and 'rel="prev"' not in first
    query = html.unescape(older.group(1))
    assert query.startswith("status=pending_payment&cursor=")
    second = client.get(f"{url(shop, 'orders')}?{query}").content.decode()
    assert numbers(second) == [o.number for o in made[selectors.PAGE_SIZE :]]
    newer = re.search(r'rel="prev" href="\?([^"]+)"', second)
    assert newer and 'rel="next"' not in second
    back = client.get(f"{url(shop, 'orders')}?{html.unescape(newer.group(1))}").content.decode()
    assert numbers(back) == numbers(first)


def test_the_page_costs_a_fixed_number_of_queries(shop_with_stock, browser):
    shop, owner, variant, location = shop_with_stock
    stock, _ = make_stock(shop, "MANY-2", on_hand=500)
    client = browser(owner.user)
    make_order(shop, [(stock, location, 1)])
    client.get(url(shop, "orders"))
    with CaptureQueriesContext(connection) as few:
        client.get(url(shop, "orders"))
    for _ in range(20):
        make_order(shop, [(stock, location, 1)])
    with CaptureQueriesContext(connection) as many:
        body = client.get(url(shop, "orders")).content.decode()
    assert body.count('form="bulk-form"') == 21
    assert len(many) == len(few)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"q": 'a<b"&', "status": "nope", "since": "2020-01-05", "until": "2020-01-01"},
        {"q": "x" * 300, "status": "paid", "method": "cod", "fulfilment": "partial"},
        {"q": "#12", "method": "provider", "since": "2020-13-01"},
    ],
)
def test_filter_fields_are_what_the_field_template_renders(data):
    """The Python-built fields are the same HTML as console/shop/_field.html (values, selected
    option, errors, aria attributes), whitespace aside."""
    form = OrderFilterForm(data)
    if data is not None:
        form.is_valid()
    expected = "".join(
        render_to_string("console/shop/_field.html", {"field": form[name]}) for name in form.fields
    )
    assert parse_html(str(form.as_filter_fields())) == parse_html(expected)


def test_the_filter_form_keeps_what_was_typed_and_shows_errors(shop_with_stock, browser):
    shop, owner, variant, location = shop_with_stock
    response = browser(owner.user).get(
        url(shop, "orders"), {"q": HOSTILE, "status": "cancelled", "since": "2020-13-01"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "<script>alert" not in body
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in body
    assert '<option value="cancelled" selected>' in body
    assert 'aria-invalid="true" aria-describedby="id_since_error"' in body
