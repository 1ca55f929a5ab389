"""Role matrix in the views: every built-in role gets each shop page exactly when its role holds
the page's permission; otherwise the same boring 404 as a stranger, and the denial is audited."""

import pytest
from django.urls import reverse

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.shops import events, roles, services
from sellsafe.shops.models import Role
from tests.shops.helpers import url

# (url name, object the URL needs, permission, method)
PAGES = [
    ("shop_dashboard", None, "shop.view", "get"),
    ("shop_leave", None, "shop.view", "get"),
    ("shop_settings", None, "shop.settings", "get"),
    ("shop_staff", None, "staff.view", "get"),
    ("shop_staff_invite", None, "staff.manage", "get"),
    ("shop_member", "member", "staff.manage", "get"),
    ("shop_member_remove", "member", "staff.manage", "get"),
    ("shop_roles", None, "staff.view", "get"),
    ("shop_role_new", None, "staff.manage", "get"),
    ("shop_role_edit", "role", "staff.manage", "get"),
    ("shop_access_review", None, "staff.view", "get"),
    ("shop_security", None, "security.manage", "get"),
    ("shop_ownership", None, "staff.manage", "get"),
    ("shop_activity", None, "audit.view", "get"),
    ("shop_activity_event", "event", "audit.view", "get"),
    ("shop_activity_export", None, "audit.export", "post"),
]


@pytest.fixture
def matrix_shop(make_shop):
    shop, owner = make_shop(slug="matrix")
    with tenancy.scope(shop):
        role = services.role_create(actor=owner, shop=shop, name="Packers", codes=["orders.view"])
    event = AuditEvent.objects.filter(shop=shop).latest("seq")
    return shop, owner, {"member": owner.pk, "role": role.pk, "event": event.pk}


@pytest.mark.parametrize("page", PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("role_key", [r.key for r in roles.BUILTIN_ROLES])
def test_each_role_sees_exactly_the_pages_its_codes_allow(
    matrix_shop, add_member, browser, role_key, page
):
    name, needs, permission, method = page
    shop, owner, objects = matrix_shop
    member = add_member(shop, role_key)
    client = browser(member.user)
    args = [objects[needs]] if needs else []
    denied_before = AuditEvent.objects.filter(shop=shop, action=events.ACCESS_DENIED).count()

    response = getattr(client, method)(url(shop, name, *args))

    allowed = permission in roles.BY_KEY[role_key].codes
    if not allowed:
        assert response.status_code == 404
        assert b"Page not found" in response.content or response.status_code == 404
        denied = AuditEvent.objects.filter(shop=shop, action=events.ACCESS_DENIED)
        assert denied.count() == denied_before + 1
        assert denied.latest("seq").changes["permission"] == permission
    elif name == "shop_ownership":
        # Allowed, after confirming the password again.
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
    else:
        assert response.status_code == 200, (role_key, name)


def test_matrix_covers_every_shop_page():
    """Every page under /s/ is in one of the role matrices (this one, the catalog's, the
    inventory's, the orders', returns', customers', or the image pages' in
    tests/catalog_images/test_views.py)."""
    from sellsafe.console import catalog_image_urls
    from tests.catalog.test_views import PAGES as CATALOG_PAGES
    from tests.catalog_csv.test_views import PAGES as CSV_PAGES
    from tests.customers.test_views import PAGES as CUSTOMER_PAGES
    from tests.inventory.test_views import PAGES as INVENTORY_PAGES
    from tests.orders.test_views import PAGES as ORDER_PAGES
    from tests.returns.test_views import PAGES as RETURN_PAGES
    from tests.shops.test_shop_architecture import shop_patterns

    covered = (
        {name for name, *_ in PAGES}
        | {name for name, *_ in CATALOG_PAGES}
        | {name for name, *_ in CSV_PAGES}
        | {name for name, *_ in INVENTORY_PAGES}
        | {name for name, *_ in ORDER_PAGES}
        | {name for name, *_ in RETURN_PAGES}
        | {name for name, *_ in CUSTOMER_PAGES}
        | {pattern.name for pattern in catalog_image_urls.urlpatterns}
        | {"shop_invitation_revoke", "shop_member_role", "shop_member_access_end"}
    )
    assert covered == {pattern.name for _route, pattern in shop_patterns()}


def test_a_stranger_gets_the_same_404_as_a_member_without_the_permission(
    matrix_shop, make_user, add_member, browser
):
    shop, _, _ = matrix_shop
    stranger = browser(make_user(email="stranger@example.com"))
    catalog = browser(add_member(shop, roles.CATALOG).user)
    for client in (stranger, catalog):
        response = client.get(url(shop, "shop_security"))
        assert response.status_code == 404
    missing = stranger.get(reverse("console:shop_dashboard", args=["no-such-shop"]))
    assert missing.status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(matrix_shop, client):
    shop, _, _ = matrix_shop
    response = client.get(url(shop, "shop_dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_quick_links_show_only_what_the_role_may_open(matrix_shop, add_member, browser):
    shop, owner, _ = matrix_shop
    analyst = browser(add_member(shop, roles.ANALYST).user)
    page = analyst.get(url(shop, "shop_dashboard")).content.decode()
    assert url(shop, "shop_activity") in page
    assert url(shop, "shop_staff") in page
    assert url(shop, "shop_security") not in page
    assert url(shop, "shop_settings") not in page
    assert url(shop, "shop_staff_invite") not in page
    fulfilment = browser(add_member(shop, roles.FULFILMENT).user)
    page = fulfilment.get(url(shop, "shop_dashboard")).content.decode()
    for name in ("shop_activity", "shop_staff", "shop_security", "shop_settings"):
        assert url(shop, name) not in page
    with tenancy.scope(shop):
        assert Role.objects.filter(key=roles.FULFILMENT).exists()
