"""The shop's security policy is applied when a member enters the shop."""

import time

from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from sellsafe.accounts.services import SESSION_LOGIN_AT
from sellsafe.audit.models import AuditEvent
from sellsafe.shops import events, roles, services


def _enter(client, shop):
    return client.get(reverse("console:shop_dashboard", args=[shop.slug]))


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def _require_passkeys_for(shop, owner, *keys):
    services.policy_update(
        actor=owner,
        shop=shop,
        phishing_resistant_roles=list(keys),
        session_max_minutes=None,
        ip_allowlist="",
    )


def test_role_under_the_passkey_rule_without_a_passkey_is_sent_to_add_one(make_shop, add_member):
    shop, owner = make_shop()
    finance = add_member(shop, roles.FINANCE)
    _require_passkeys_for(shop, owner, roles.FINANCE)
    response = _enter(_signed_in(finance.user), shop)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_add_webauthn")
    # Roles outside the rule are not affected.
    catalog = add_member(shop, roles.CATALOG)
    assert _enter(_signed_in(catalog.user), shop).status_code == 200


def test_a_passkey_holder_who_signed_in_with_a_code_must_confirm_with_the_passkey(
    make_shop, add_member
):
    shop, owner = make_shop()
    finance = add_member(shop, roles.FINANCE)
    Authenticator.objects.create(user=finance.user, type=Authenticator.Type.WEBAUTHN, data={})
    _require_passkeys_for(shop, owner, roles.FINANCE)
    client = _signed_in(finance.user)
    response = _enter(client, shop)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate_webauthn"))
    # Once this session has used the passkey (allauth records it), the shop opens.
    session = client.session
    session["account_authentication_methods_user"] = str(finance.user.pk)
    session["account_authentication_methods"] = [
        {"method": "mfa", "type": "webauthn", "at": time.time()}
    ]
    session.save()
    assert _enter(client, shop).status_code == 200


def test_shop_session_length_ends_longer_sessions(make_shop, add_member):
    shop, owner = make_shop()
    services.policy_update(
        actor=owner,
        shop=shop,
        phishing_resistant_roles=[],
        session_max_minutes=30,
        ip_allowlist="",
    )
    member = add_member(shop, roles.CATALOG)
    client = _signed_in(member.user)
    session = client.session
    session[SESSION_LOGIN_AT] = int(time.time()) - 31 * 60
    session.save()
    response = _enter(client, shop)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_ip_allow_list_refuses_and_records(make_shop, add_member):
    shop, owner = make_shop()
    services.policy_update(
        actor=owner,
        shop=shop,
        phishing_resistant_roles=[],
        session_max_minutes=None,
        ip_allowlist="127.0.0.1/32",  # the test client's address: the owner stays in
    )
    member = add_member(shop, roles.CATALOG)
    outsider = Client(REMOTE_ADDR="198.51.100.20")
    outsider.force_login(member.user)
    response = _enter(outsider, shop)
    assert response.status_code == 403
    assert "198.51.100.20" in response.content.decode()
    denial = AuditEvent.objects.filter(shop=shop, action=events.ACCESS_DENIED).latest("seq")
    assert denial.changes["reason"] == "ip not allowed"
    assert _enter(_signed_in(member.user), shop).status_code == 200
