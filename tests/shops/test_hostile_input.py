"""Bad input never reaches a 500: wrong types, huge and binary strings, lists where one value is
expected, replayed POSTs, on every shop page of one's own shop (as its owner)."""

import re
import uuid

import pytest

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.shops import roles, services
from tests.shops.helpers import catalog_object_ids, role_of
from tests.shops.test_shop_architecture import shop_patterns

PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
FIELDS = [
    "name", "country", "currency", "timezone", "contact_email", "email", "role",
    "access_ends_on", "ends_on", "clear", "codes", "phishing_resistant_roles",
    "session_max_minutes", "ip_allowlist", "new_owner", "stay_owner", "actor", "action",
    "target_type", "target_id", "since", "until", "after", "size",
]  # fmt: skip
HOSTILE_VALUES = [
    "",
    "x" * 100_000,
    "\x00\x01\x02",
    "' OR 1=1 --",
    "{{ 7*7 }}<script>alert(1)</script>",
    "-1",
    "1e309",
    "9" * 400,
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "../../etc/passwd",
    str(uuid.uuid4()),
    "\ud7ff\ufffe",
]


def _bodies():
    yield {}
    for value in HOSTILE_VALUES:
        yield dict.fromkeys(FIELDS, value)
    yield {field: [HOSTILE_VALUES[1], HOSTILE_VALUES[2]] for field in FIELDS}


@pytest.fixture
def own_shop(make_shop, add_member, settings, tmp_path):
    shop, owner = make_shop(slug="mine")
    members = [add_member(shop, roles.CATALOG, email=f"c{n}@example.com") for n in range(2)]
    with tenancy.scope(shop):
        invitation = services.member_invite(
            actor=owner, shop=shop, email="p@example.com", role=role_of(shop, roles.ANALYST)
        ).invitation
        role = services.role_create(actor=owner, shop=shop, name="Custom", codes=[])
    ids = {
        "member_id": members[0].pk,
        "invitation_id": invitation.pk,
        "role_id": role.pk,
        "event_id": AuditEvent.objects.filter(shop=shop).latest("seq").pk,
        **catalog_object_ids(shop, owner, settings, tmp_path),
    }
    return shop, owner, ids


def test_no_shop_page_answers_hostile_input_with_a_server_error(own_shop, browser, reauthenticate):
    shop, owner, ids = own_shop
    client = browser(owner.user)
    reauthenticate(client)
    for route, _ in shop_patterns():
        target = "/" + PARAM.sub(
            lambda m: shop.slug if m.group(1) == "shop_slug" else str(ids[m.group(1)]), route
        )
        for body in _bodies():
            for method in ("get", "post"):
                response = getattr(client, method)(target, body)
                assert response.status_code < 500, (method, target, body.get("name", "")[:20])
                assert b"Traceback" not in response.content if not response.streaming else True
    # After all that, the owner is still the owner and can still use the shop.
    assert client.get(f"/s/{shop.slug}/").status_code == 200


def test_hostile_query_strings_on_the_activity_log(own_shop, browser):
    shop, owner, _ = own_shop
    client = browser(owner.user)
    for query in (
        "?size=abc&after=zz",
        "?after=" + "9" * 5000,
        "?after=-5",
        "?since=0001-01-01&until=9999-12-31",
        "?actor=../&action=%00",
        "?actor=" + str(uuid.uuid4()),
        "?action=" + "a" * 10_000,
        "?page=2&size=50&size=51",
    ):
        response = client.get(f"/s/{shop.slug}/activity/{query}")
        assert response.status_code == 200, query


def test_replayed_posts_are_answered_plainly(own_shop, browser):
    shop, owner, ids = own_shop
    client = browser(owner.user)
    for _ in range(2):
        revoke = client.post(f"/s/{shop.slug}/staff/invitations/{ids['invitation_id']}/revoke/")
        assert revoke.status_code == 302
    removed = [
        client.post(f"/s/{shop.slug}/staff/{ids['member_id']}/remove/").status_code
        for _ in range(2)
    ]
    assert removed == [302, 404]
