"""record(): the one way in. Existing callers keep working; every event joins its chain."""

import uuid
from decimal import Decimal

import pytest
from django.db import transaction

from sellsafe.audit import chain, events
from sellsafe.audit.models import ACCOUNT_CHAIN, GENESIS_HASH, ActorType, AuditChainHead, AuditEvent
from sellsafe.audit.services import record
from sellsafe.core import context


@pytest.fixture
def request_context():
    token = context.activate(
        context.RequestContext(request_id="a" * 32, ip="203.0.113.9", user_agent="Browser/1")
    )
    yield
    context.deactivate(token)


def test_account_level_call_as_accounts_services_make_it(new_user, request_context):
    user = new_user()
    event = record(
        action=events.LOGIN_SUCCEEDED,
        actor=user,
        subject=user,
        target_type="session",
        target_id="abcd1234",
        changes={"new_device": True, "new_ip": False},
        device="f" * 64,
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.shop_id is None
    assert stored.chain == ACCOUNT_CHAIN
    assert stored.seq == 1
    assert stored.prev_hash == GENESIS_HASH
    assert stored.actor_type == ActorType.USER
    assert stored.actor_user_id == stored.subject_user_id == user.pk
    assert (stored.ip, stored.user_agent, stored.request_id) == (
        "203.0.113.9",
        "Browser/1",
        "a" * 32,
    )
    assert stored.changes == {"new_device": True, "new_ip": False}
    assert AuditChainHead.objects.get(chain=ACCOUNT_CHAIN).hash == stored.hash


def test_events_link_per_chain(new_shop, new_user):
    shop_a, shop_b = new_shop(), new_shop()
    user = new_user()
    a1 = record(action="shop.x", actor=user, shop=shop_a)
    account = record(action=events.LOGOUT, actor=user)
    b1 = record(action="shop.x", actor=user, shop=shop_b)
    a2 = record(action="shop.y", actor=user, shop=shop_a)
    assert (a1.chain, a1.seq, a2.seq) == (str(shop_a.pk), 1, 2)
    assert a2.prev_hash == a1.hash
    assert (b1.chain, b1.seq, b1.prev_hash) == (str(shop_b.pk), 1, GENESIS_HASH)
    assert (account.chain, account.seq) == (ACCOUNT_CHAIN, 1)
    assert AuditEvent.objects.get(pk=a2.pk).shop_id == shop_a.pk


def test_system_api_token_and_on_behalf_of(new_shop, new_user):
    shop, owner = new_shop(), new_user()
    system = record(action="shop.y", shop=shop)
    token = record(action="shop.z", shop=shop, actor_token_id="tok_123", on_behalf_of=owner)
    assert system.actor_type == ActorType.SYSTEM and system.actor_user_id is None
    stored = AuditEvent.objects.get(pk=token.pk)
    assert stored.actor_type == ActorType.API_TOKEN
    assert (stored.actor_token_id, stored.on_behalf_of_id) == ("tok_123", owner.pk)


def test_secrets_in_changes_are_redacted_at_any_depth(new_user):
    event = record(
        action=events.PASSWORD_CHANGED,
        actor=new_user(),
        changes={
            "password": "hunter2hunter2",
            "mfa_code": "123456",
            "nested": {"API_KEY": "sk_live_x", "after": {"recovery_phrase": "a b c"}, "ok": 1},
            "list": [{"token": "t"}],
        },
    )
    stored = AuditEvent.objects.get(pk=event.pk).changes
    assert stored == {
        "password": "[redacted]",
        "mfa_code": "[redacted]",
        "nested": {"API_KEY": "[redacted]", "after": {"recovery_phrase": "[redacted]"}, "ok": 1},
        "list": [{"token": "[redacted]"}],
    }


def test_values_that_a_database_would_change_still_verify(new_shop, audit):
    """Whole floats, huge numbers, tiny floats, decimals, tuples, IPv6 spellings: what is hashed
    is what comes back from the database (jsonb rewrites 1e20 as 100000000000000000000)."""
    token = context.activate(
        context.RequestContext(request_id="r", ip="2001:DB8:0:0::1", user_agent="x" * 500)
    )
    try:
        event = record(
            action="catalog.price_changed",
            shop=new_shop(),
            changes={
                "price": {"before": Decimal("9.90"), "after": Decimal("12.50")},
                "weight": 2.0,
                "big": 1e20,
                "tiny": 1e-7,
                "third": 0.1 + 0.2,
                "sizes": ("S", "M"),
                "when": uuid.UUID(int=1),
                "unicode": "caf\u00e9 \u2603 \U0001f600",
                2: "int key",
            },
        )
    finally:
        context.deactivate(token)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.changes["price"] == {"before": "9.90", "after": "12.50"}
    assert stored.changes["weight"] == 2 and stored.changes["sizes"] == ["S", "M"]
    assert len(stored.user_agent) == 300
    status, output = audit("verify")
    assert status == 0, output


def test_an_invalid_ip_is_not_stored(new_user):
    token = context.activate(context.RequestContext(request_id="r", ip="not-an-ip"))
    try:
        event = record(action=events.LOGOUT, actor=new_user())
    finally:
        context.deactivate(token)
    assert AuditEvent.objects.get(pk=event.pk).ip is None


def test_record_rolls_back_with_the_callers_transaction(new_user):
    user = new_user()
    record(action=events.LOGOUT, actor=user)

    def fails():
        with transaction.atomic():
            record(action=events.LOGOUT, actor=user)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fails()
    event = record(action=events.LOGOUT, actor=user)
    assert event.seq == 2
    assert chain.verify().problems == []


def test_canonical_form_is_stable():
    """The documented canonical form, byte for byte (docs/audit.md)."""
    from datetime import UTC, datetime

    row = (
        uuid.UUID("00000000-0000-0000-0000-000000000001"),
        "account",
        1,
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        None,
        "system",
        None,
        "",
        None,
        None,
        "auth.logout",
        "",
        "",
        {"b": 1, "a": "\u00e9"},
        "::ffff:1.2.3.4",
        "",
        "",
        "",
    )
    assert chain.canonical(row) == (
        b'{"action":"auth.logout","actor_token":"","actor_type":"system","actor_user":null,'
        b'"chain":"account","changes":{"a":"\\u00e9","b":1},"device":"",'
        b'"id":"00000000-0000-0000-0000-000000000001",'
        b'"ip":"0000:0000:0000:0000:0000:ffff:0102:0304","occurred_at":"2026-01-02T03:04:05.000000Z",'
        b'"on_behalf_of":null,"request_id":"","seq":1,"shop":null,"subject_user":null,'
        b'"target_id":"","target_type":"","user_agent":"","v":1}'
    )
    assert chain.canonical_ip("::FFFF:102:304") == chain.canonical_ip("::ffff:1.2.3.4")


@pytest.mark.django_db
def test_a_misspelt_argument_is_refused_and_nothing_is_written(new_user):
    with pytest.raises(TypeError, match="chnages"):
        record(action=events.LOGIN_SUCCEEDED, actor=new_user, chnages={"ip": "x"})  # type: ignore[call-arg]
    assert not AuditEvent.objects.exists()
