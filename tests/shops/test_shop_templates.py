"""Every shop page renders without anything a strict CSP would block (no inline script, no
<style>, no style attribute), and with the shop's navigation showing only allowed sections."""

import re

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.shops import roles, services
from tests.shops.helpers import catalog_object_ids, url
from tests.shops.test_shop_architecture import shop_patterns

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def _assert_csp_clean(html, where):
    for attrs in SCRIPT_TAG.findall(html):
        assert re.search(r"\bsrc=", attrs) or 'type="application/json"' in attrs, where
    assert not re.search(r"<style\b", html, re.IGNORECASE), where
    assert not re.search(r"\sstyle\s*=", html, re.IGNORECASE), where


def test_every_shop_page_is_csp_clean(
    make_shop, add_member, browser, reauthenticate, settings, tmp_path
):
    shop, owner = make_shop(slug="csp")
    member = add_member(shop, roles.CATALOG)
    with tenancy.scope(shop):
        invitation = services.member_invite(
            actor=owner, shop=shop, email="p@example.com", role=member.role
        ).invitation
        role = services.role_create(actor=owner, shop=shop, name="Custom", codes=[])
    ids = {
        "member_id": member.pk,
        "invitation_id": invitation.pk,
        "role_id": role.pk,
        "event_id": AuditEvent.objects.filter(shop=shop).latest("seq").pk,
        **catalog_object_ids(shop, owner, settings, tmp_path),
    }
    client = browser(owner.user)
    reauthenticate(client)
    rendered = 0
    for route, _ in shop_patterns():
        target = "/" + PARAM.sub(
            lambda m: shop.slug if m.group(1) == "shop_slug" else str(ids[m.group(1)]), route
        )
        response = client.get(target)
        if response.status_code == 405:  # POST-only: render its error page via a bad POST
            response = client.post(target, {"actor": "not-a-member"})
        if response.streaming or response.status_code in (302,):
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue  # a PDF, CSV or JSON download: no page to check
        _assert_csp_clean(response.content.decode(), target)
        rendered += 1
    for extra in ("/", "/shops/new/", "/invitations/not-a-token/"):
        _assert_csp_clean(client.get(extra).content.decode(), extra)
    assert rendered >= 15


def test_the_ip_refusal_page_is_csp_clean(make_shop, add_member, browser):
    shop, _ = make_shop()
    member = add_member(shop, roles.CATALOG)
    from sellsafe.shops.models import Shop

    Shop.objects.filter(pk=shop.pk).update(ip_allowlist="203.0.113.7/32")
    response = browser(member.user).get(url(shop, "shop_dashboard"))
    assert response.status_code == 403
    _assert_csp_clean(response.content.decode(), "ip_refused")
