"""Tenant isolation over every URL pattern under /s/<shop_slug>/.

Shop B's owner is the attacker. For every shop URL pattern, path parameters are filled by name
with real ids of shop A's objects. B's owner gets 404 for A's URLs (GET and POST), and also for
B's own URLs carrying A's ids. B's pages that take ids in their input (forms, list filters, the
export) treat A's ids as not found: nothing of A shows, nothing of A changes.
"""

import re
import uuid

import pytest

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.customers.models import Customer
from sellsafe.orders.models import Order, OrderNote, ReturnRequest
from sellsafe.shops import events, roles, services
from sellsafe.shops.models import Invitation, Membership, Role, Shop
from tests.shops.helpers import VICTIM_BUYER, catalog_object_ids, role_of
from tests.shops.test_shop_architecture import shop_patterns

PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


@pytest.fixture
def world(make_shop, add_member, settings, tmp_path):
    shop_a, owner_a = make_shop(slug="victim", name="Victim shop")
    member_a = add_member(shop_a, roles.FINANCE, email="finance-a@victim.example")
    with tenancy.scope(shop_a):
        invitation_a = services.member_invite(
            actor=owner_a,
            shop=shop_a,
            email="pending-a@victim.example",
            role=role_of(shop_a, roles.CATALOG),
        ).invitation
        role_a = services.role_create(
            actor=owner_a, shop=shop_a, name="Victim role", codes=["orders.view"]
        )
    shop_b, owner_b = make_shop(slug="attacker", name="Attacker shop")
    event_a = AuditEvent.objects.filter(shop=shop_a).latest("seq")
    ids_a = {
        "member_id": member_a.pk,
        "invitation_id": invitation_a.pk,
        "role_id": role_a.pk,
        "event_id": event_a.pk,
        "owner_role_id": role_of(shop_a, roles.OWNER).pk,  # form input, not a path parameter
        **catalog_object_ids(shop_a, owner_a, settings, tmp_path),
    }
    return shop_a, owner_a, member_a, shop_b, owner_b, ids_a


def _hostile_body(ids):
    """Every form field name the shop pages read, filled with shop A's ids."""
    return {
        "role": str(ids["owner_role_id"]),
        "new_owner": str(ids["member_id"]),
        "actor": str(ids["member_id"]),
        "stay_owner": "on",
        "email": "attacker@example.com",
        "codes": ["finance.manage_payouts"],
        "name": "Pwned",
        "target_type": "membership",
        "target_id": str(ids["member_id"]),
        "ends_on": "2030-01-01",
        "phishing_resistant_roles": ["owner"],
        "ip_allowlist": "127.0.0.1/32",
    }


def _fill(route, slug, ids):
    def value(match):
        name = match.group(1)
        return slug if name == "shop_slug" else str(ids[name])

    return "/" + PARAM.sub(value, route)


def _snapshot(shop):
    shop = Shop.objects.get(pk=shop.pk)
    with tenancy.scope(shop):
        return {
            "shop": (shop.name, shop.phishing_resistant_roles, shop.ip_allowlist),
            "members": sorted(
                Membership.objects.values_list("pk", "role_id", "access_ends_at", "user_id")
            ),
            "roles": sorted(
                (str(pk), name, codes)
                for pk, name, codes in Role.objects.values_list("pk", "name", "codes")
            ),
            "invitations": sorted(
                Invitation.objects.values_list("pk", "revoked_at", "accepted_at")
            ),
            "orders": sorted(
                Order.objects.values_list(
                    "pk", "status", "paid_minor", "refunded_minor", "anonymised_at"
                )
            ),
            "returns": sorted(ReturnRequest.objects.values_list("pk", "status")),
            "customers": sorted(Customer.objects.values_list("pk", "erased_at", "email_index")),
            "notes": OrderNote.objects.count(),
            "events": AuditEvent.objects.filter(shop=shop)
            .exclude(action=events.ACCESS_DENIED)
            .count(),
        }


def _leaks(response, shop_a, member_a, ids):
    body = response.content if not response.streaming else b"".join(response.streaming_content)
    page = body.decode(errors="replace")
    secrets = [
        shop_a.name,
        member_a.user.email,
        "pending-a@victim.example",
        "Victim role",
        str(ids["event_id"]),
        VICTIM_BUYER["email"],
        VICTIM_BUYER["name"],
    ]
    return [s for s in secrets if s in page]


def test_every_shop_url_with_shop_a_objects_is_a_404_for_shop_b(world, browser, reauthenticate):
    shop_a, owner_a, member_a, shop_b, owner_b, ids = world
    client = browser(owner_b.user)
    reauthenticate(client)  # so re-authentication is not what stops them
    before = _snapshot(shop_a)
    checked = 0
    for route, _pattern in shop_patterns():
        needs_objects = bool(set(PARAM.findall(route)) - {"shop_slug"})
        slugs = [shop_a.slug, shop_b.slug] if needs_objects else [shop_a.slug]
        for slug in slugs:
            target = _fill(route, slug, ids)
            for method in ("get", "post"):
                data = _hostile_body(ids) if method == "post" else None
                response = getattr(client, method)(target, data)
                status = response.status_code
                if status == 405 and slug == shop_b.slug:
                    # A POST-only URL answers GET with 405 whatever the id: no oracle either.
                    unknown = _fill(route, slug, dict.fromkeys(ids, uuid.uuid4()))
                    assert getattr(client, method)(unknown, data).status_code == 405
                else:
                    assert status == 404, (method, target, status)
                assert not _leaks(response, shop_a, member_a, ids), target
                checked += 1
    assert checked >= 30
    assert _snapshot(shop_a) == before


def test_shop_b_pages_treat_shop_a_ids_in_input_as_not_found(world, browser, reauthenticate):
    """Forms, list filters, the export and every other POST on B's own pages."""
    shop_a, owner_a, member_a, shop_b, owner_b, ids = world
    client = browser(owner_b.user)
    reauthenticate(client)
    before = _snapshot(shop_a)
    for route, _pattern in shop_patterns():
        if set(PARAM.findall(route)) - {"shop_slug"}:
            continue  # covered above: B's URL with A's object ids is a 404
        if route.endswith("leave/"):
            continue  # B's owner leaving B is B's business (and refused: last owner)
        target = _fill(route, shop_b.slug, ids)
        for method in ("get", "post"):
            data = _hostile_body(ids)
            response = getattr(client, method)(target, data)
            assert response.status_code < 500, (method, target)
            assert not _leaks(response, shop_a, member_a, ids), (method, target)
    assert _snapshot(shop_a) == before


def test_list_filters_with_shop_a_ids_show_nothing_of_shop_a(world, browser):
    shop_a, _, member_a, shop_b, owner_b, ids = world
    client = browser(owner_b.user)
    activity = _fill("s/<slug:shop_slug>/activity/", shop_b.slug, ids)
    by_actor = client.get(activity, {"actor": str(member_a.pk)})
    assert by_actor.status_code == 200
    assert by_actor.context["rows"] == []
    assert "That person was not found in this shop" in by_actor.content.decode()
    by_target = client.get(activity, {"target_type": "membership", "target_id": str(member_a.pk)})
    assert by_target.context["rows"] == []
    by_shop = client.get(activity, {"target_type": "shop", "target_id": str(shop_a.pk)})
    assert by_shop.context["rows"] == []
    everything = client.get(activity)
    assert {row.event.shop_id for row in everything.context["rows"]} == {shop_b.pk}
    for response in (by_actor, by_target, by_shop, everything):
        assert not _leaks(response, shop_a, member_a, ids)


def test_export_with_shop_a_filters_exports_nothing(world, browser):
    shop_a, _, member_a, shop_b, owner_b, ids = world
    client = browser(owner_b.user)
    export = _fill("s/<slug:shop_slug>/activity/export/", shop_b.slug, ids)
    refused = client.post(export, {"actor": str(member_a.pk)})
    assert refused.status_code == 400
    assert not refused.streaming
    targeted = client.post(export, {"target_type": "shop", "target_id": str(shop_a.pk)})
    assert targeted.status_code == 200
    lines = b"".join(targeted.streaming_content).decode().strip().splitlines()
    assert len(lines) == 1  # the header only
    # B's export is recorded in B's log, never in A's.
    assert (
        not AuditEvent.objects.filter(shop=shop_a, actor_user=owner_b.user)
        .exclude(action=events.ACCESS_DENIED)
        .exists()
    )


def test_a_role_from_shop_a_posted_to_shop_b_is_not_found(world, browser):
    shop_a, _, _, shop_b, owner_b, ids = world
    client = browser(owner_b.user)
    invite = _fill("s/<slug:shop_slug>/staff/invite/", shop_b.slug, ids)
    response = client.post(invite, {"email": "someone@example.com", "role": str(ids["role_id"])})
    assert response.status_code == 400
    assert "That role was not found in this shop" in response.content.decode()
    with tenancy.scope(shop_b):
        assert not Invitation.objects.filter(email="someone@example.com").exists()
    with tenancy.scope(shop_a):
        assert not Invitation.objects.filter(email="someone@example.com").exists()
