"""Customer pages, the reveal fragments, export/erase with re-authentication, role permissions
and tenant isolation for every customer URL."""

import json
import re

import pytest
from django.urls import reverse

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.customers import events
from sellsafe.customers.models import Customer
from sellsafe.orders.models import Order
from sellsafe.shops import events as shop_events
from sellsafe.shops import roles
from tests.customers.conftest import EMAIL, NAME, NOTE, PHONE, STREET

pytestmark = pytest.mark.django_db

# (url name, object the URL needs, permission, method) for the role matrix.
PAGES = [
    ("customers", None, "customers.view", "get"),
    ("customer", "customer", "customers.view", "get"),
    ("customer_reveal", "customer", "customers.view", "post"),
    ("customer_export", "customer", "customers.export", "get"),
    ("customer_erase", "customer", "customers.export", "get"),
    ("order_reveal", "order", "orders.view", "post"),
    ("order_settings", None, "shop.settings", "get"),
]
PLAIN = [EMAIL, PHONE, NAME, STREET, NOTE, "7700900123"]


def url(shop, name, *args):
    return reverse(f"console:{name}", args=[shop.slug, *args])


def _objects(world, side="a"):
    return {"customer": world[f"customer_{side}"].pk, "order": world[f"order_{side}"].pk}


def test_pages_cover_every_customer_and_order_settings_url():
    from sellsafe.console import customer_urls, order_settings_urls

    names = {p.name for p in customer_urls.urlpatterns + order_settings_urls.urlpatterns}
    assert names == {name for name, *_ in PAGES}


def test_list_and_detail_are_masked(world, browser):
    shop, owner = world["shop_a"], world["owner_a"]
    client = browser(owner.user)
    for response in (
        client.get(url(shop, "customers")),
        client.get(url(shop, "customer", world["customer_a"].pk)),
    ):
        assert response.status_code == 200
        page = response.content.decode()
        for value in PLAIN:
            assert value not in page
        assert "j***@e***.org" in page
        assert "***-***-0123" in page
        assert "London, GB" in page
        assert "e***.net" not in page and "0999" not in page  # nothing of shop B


def test_search_by_exact_email_and_local_phone(world, browser):
    shop, owner = world["shop_a"], world["owner_a"]
    client = browser(owner.user)
    for query in (EMAIL.upper(), "07700 900123", PHONE):
        response = client.post(url(shop, "customers"), {"q": query})
        assert [r.id for r in response.context["page"].rows] == [world["customer_a"].pk], query
    # Shop B's customer is not found from shop A.
    other = client.post(url(shop, "customers"), {"q": "bob@example.net"})
    assert other.context["page"].rows == []
    for hostile in ({"q": "x" * 5000}, {"q": "not a phone"}, {"q": ["a", "b"]}):
        assert client.post(url(shop, "customers"), hostile).status_code == 200
    for cursor in ("%%%", "x" * 5000, "MjAyNnwx", "bm90LWEtZGF0ZXx4"):
        assert client.get(url(shop, "customers"), {"after": cursor}).status_code == 200


def test_list_pages_with_a_keyset_cursor(world, browser, make_customer, make_order):
    from sellsafe.customers import selectors

    shop, owner = world["shop_a"], world["owner_a"]
    for n in range(3):
        customer = make_customer(shop, email=f"c{n}@example.org", phone=f"+44770090050{n}")
        make_order(shop, customer)
    selectors_page = selectors.PAGE_SIZE
    selectors.PAGE_SIZE = 2
    try:
        client = browser(owner.user)
        seen = []
        response = client.get(url(shop, "customers"))
        while True:
            seen += [row.id for row in response.context["page"].rows]
            cursor = response.context["page"].next_cursor
            if not cursor:
                break
            response = client.get(url(shop, "customers"), {"after": cursor})
        assert len(seen) == len(set(seen)) == 4
    finally:
        selectors.PAGE_SIZE = selectors_page


def test_reveal_fragment_is_time_limited_uncached_and_audited(world, browser, add_member):
    shop = world["shop_a"]
    agent = add_member(shop, roles.CUSTOMER_SERVICE)
    client = browser(agent.user)
    response = client.post(
        url(shop, "customer_reveal", world["customer_a"].pk), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert EMAIL in page and PHONE in page and STREET in page
    assert 'data-hide-after="60"' in page
    assert 'id="customer-details"' in page and "<template data-masked>" in page
    assert "sellsafe/customers/reveal.js" in page
    assert "no-store" in response["Cache-Control"]
    order = client.post(url(shop, "order_reveal", world["order_a"].pk), HTTP_HX_REQUEST="true")
    assert order.status_code == 200 and NOTE in order.content.decode()
    assert 'id="buyer-details"' in order.content.decode()
    events_ = AuditEvent.objects.filter(shop=shop, action=events.CUSTOMER_PII_REVEALED)
    assert events_.count() == 2
    assert EMAIL not in json.dumps([e.changes for e in events_])
    # Without htmx: a full page with the same fragment.
    full = client.post(url(shop, "customer_reveal", world["customer_a"].pk))
    assert full.status_code == 200 and "<html" in full.content.decode()


def test_reveal_is_post_only(world, browser):
    client = browser(world["owner_a"].user)
    assert (
        client.get(url(world["shop_a"], "customer_reveal", world["customer_a"].pk)).status_code
        == 405
    )
    assert client.get(url(world["shop_a"], "order_reveal", world["order_a"].pk)).status_code == 405


@pytest.mark.parametrize("role_key", [roles.ANALYST, roles.FULFILMENT])
def test_reveal_refused_without_view_pii(world, browser, add_member, role_key):
    shop = world["shop_a"]
    member = add_member(shop, role_key)
    client = browser(member.user)
    refused = client.post(url(shop, "order_reveal", world["order_a"].pk), HTTP_HX_REQUEST="true")
    assert refused.status_code == 403
    assert EMAIL not in refused.content.decode()
    assert AuditEvent.objects.filter(shop=shop, action=events.CUSTOMER_REFUSED).count() == 1
    customer = client.post(url(shop, "customer_reveal", world["customer_a"].pk))
    if role_key == roles.ANALYST:  # may see customers (masked), not reveal them
        assert customer.status_code == 403
        assert AuditEvent.objects.filter(shop=shop, action=events.CUSTOMER_REFUSED).count() == 2
    else:
        assert customer.status_code == 404
    assert not AuditEvent.objects.filter(shop=shop, action=events.CUSTOMER_PII_REVEALED).exists()


def test_export_needs_reauthentication_then_downloads_json(world, browser, reauthenticate):
    shop, owner, customer = world["shop_a"], world["owner_a"], world["customer_a"]
    client = browser(owner.user)
    confirm = client.get(url(shop, "customer_export", customer.pk))
    assert confirm.status_code == 200 and EMAIL not in confirm.content.decode()
    unticked = client.post(url(shop, "customer_export", customer.pk), {})
    assert unticked.status_code == 400
    response = client.post(url(shop, "customer_export", customer.pk), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not AuditEvent.objects.filter(shop=shop, action=events.CUSTOMER_EXPORTED).exists()
    reauthenticate(client)
    download = client.post(url(shop, "customer_export", customer.pk), {"confirm": "on"})
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="customer-{customer.pk}.json"'
    assert "no-store" in download["Cache-Control"]
    data = json.loads(download.content)
    assert data["customer"]["email"] == EMAIL and len(data["orders"]) == 2
    assert AuditEvent.objects.filter(shop=shop, action=events.CUSTOMER_EXPORTED).count() == 1


def test_erase_needs_reauthentication_and_refuses_twice(world, browser, reauthenticate):
    shop, owner, customer = world["shop_a"], world["owner_a"], world["customer_a"]
    client = browser(owner.user)
    response = client.post(url(shop, "customer_erase", customer.pk), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    with tenancy.scope(shop):
        assert Customer.objects.get(pk=customer.pk).erased_at is None
    reauthenticate(client)
    done = client.post(url(shop, "customer_erase", customer.pk), {"confirm": "on"})
    assert done.status_code == 302
    with tenancy.scope(shop):
        assert Customer.objects.get(pk=customer.pk).email == ""
        assert Order.objects.filter(customer=customer).count() == 2
    again = client.post(url(shop, "customer_erase", customer.pk), {"confirm": "on"})
    assert again.status_code == 400
    assert "already erased" in again.content.decode()
    assert AuditEvent.objects.filter(shop=shop, action=events.CUSTOMER_ERASED).count() == 1


@pytest.mark.parametrize("page", PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("role_key", [r.key for r in roles.BUILTIN_ROLES])
def test_each_role_gets_exactly_the_pages_its_codes_allow(
    world, add_member, browser, role_key, page
):
    name, needs, permission, method = page
    shop = world["shop_a"]
    member = add_member(shop, role_key)
    client = browser(member.user)
    args = [_objects(world)[needs]] if needs else []
    denied_before = AuditEvent.objects.filter(shop=shop, action=shop_events.ACCESS_DENIED).count()
    response = getattr(client, method)(url(shop, name, *args))
    if permission in roles.BY_KEY[role_key].codes:
        # A reveal by a role without customers.view_pii is the service's audited 403.
        assert response.status_code in ({200} if method == "get" else {200, 403}), role_key
    else:
        assert response.status_code == 404
        denied = AuditEvent.objects.filter(shop=shop, action=shop_events.ACCESS_DENIED)
        assert denied.count() == denied_before + 1


def test_another_shops_ids_are_404_on_get_and_post(world, browser, reauthenticate):
    shop_a, shop_b = world["shop_a"], world["shop_b"]
    client = browser(world["owner_b"].user)
    reauthenticate(client)
    ids_a = _objects(world, "a")
    for name, needs, _permission, method in PAGES:
        if not needs:
            continue
        for slug_shop in (shop_a, shop_b):
            verbs = {"get", "post"} if name in ("customer_export", "customer_erase") else {method}
            for verb in verbs:
                response = getattr(client, verb)(
                    url(slug_shop, name, ids_a[needs]), {"confirm": "on"}
                )
                assert response.status_code == 404, (name, slug_shop.slug, verb)
                assert EMAIL not in response.content.decode()
    with tenancy.scope(shop_a):
        assert Customer.objects.get(pk=world["customer_a"].pk).email == EMAIL
    assert not AuditEvent.objects.filter(
        shop=shop_a, action__in=[events.CUSTOMER_EXPORTED, events.CUSTOMER_ERASED]
    ).exists()


def test_customer_pages_are_csp_clean(world, browser):
    shop, owner = world["shop_a"], world["owner_a"]
    client = browser(owner.user)
    for target in (url(shop, "customer", world["customer_a"].pk), url(shop, "customers")):
        page = client.get(target).content.decode()
        for attrs in re.findall(r"<script\b([^>]*)>", page):
            assert "src=" in attrs
        assert not re.search(r"\sstyle\s*=", page)


def test_no_customer_page_answers_hostile_input_with_a_server_error(world, browser, reauthenticate):
    shop = world["shop_a"]
    client = browser(world["owner_a"].user)
    reauthenticate(client)
    junk = {
        "q": ["\x00", "x" * 10_000],
        "confirm": "\u202e",
        "after": "\x00" * 50,
        "page": "-1",
        "payment_methods": ["cod", "\x00"],
        "shipping_flat_minor": "NaN",
        "order_expiry_minutes": "1e400",
        "refund_reauth_minor": "١٢٣",
        "retention_days": "0x10",
        "bank_transfer_details": "\x00\x01",
    }
    ids = _objects(world)
    for name, needs, _permission, _method in PAGES:
        target = url(shop, name, *([ids[needs]] if needs else []))
        for verb in ("get", "post"):
            response = getattr(client, verb)(target, junk)
            assert response.status_code < 500, (name, verb)
    for bad_id in ("not-a-uuid", "0" * 400):
        assert client.get(f"/s/{shop.slug}/customers/{bad_id}/").status_code == 404
    assert (
        client.get(url(shop, "customer", world["customer_a"].pk), {"page": "x"}).status_code == 200
    )
