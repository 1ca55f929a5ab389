"""Security pages: the shop's policy, the network allow-list refusal, ownership transfer with
re-authentication, and the access review's flags."""

from datetime import timedelta

from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import timezone

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.shops import events, roles
from sellsafe.shops.models import Membership, Shop
from tests.shops.helpers import membership, plain, text, url


def test_owner_sets_the_policy(make_shop, browser):
    shop, owner = make_shop()
    client = browser(owner.user)
    page = plain(client.get(url(shop, "shop_security")))
    assert "Your current address: 127.0.0.1 ." in page
    response = client.post(
        url(shop, "shop_security"),
        {
            "phishing_resistant_roles": ["finance"],
            "session_max_minutes": "30",
            "ip_allowlist": "127.0.0.1/32\n# office\n203.0.113.0/24",
        },
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.phishing_resistant_roles == ["finance"]
    assert shop.session_max_minutes == 30
    assert shop.ip_allowlist == "127.0.0.1/32\n203.0.113.0/24"
    assert AuditEvent.objects.filter(shop=shop, action=events.POLICY_CHANGED).exists()


def test_a_policy_that_would_lock_you_out_is_refused_on_its_field(make_shop, browser):
    shop, owner = make_shop()
    client = browser(owner.user)
    for allowlist, message in (
        ("203.0.113.0/24", "Your current address (127.0.0.1) is not in the list"),
        ("not an address", "Line 1 is not an IP address or range"),
    ):
        response = client.post(url(shop, "shop_security"), {"ip_allowlist": allowlist})
        assert response.status_code == 400
        form = response.context["form"]
        assert any(message in e for e in form.errors["ip_allowlist"]), form.errors
        assert allowlist in text(response)  # kept as typed
    for minutes in ("2", "100000", "abc"):
        response = client.post(url(shop, "shop_security"), {"session_max_minutes": minutes})
        assert response.status_code == 400
    shop.refresh_from_db()
    assert shop.ip_allowlist == ""
    assert shop.session_max_minutes is None


def test_only_owners_change_the_policy(make_shop, add_member, browser):
    shop, _ = make_shop()
    admin = add_member(shop, roles.ADMIN)
    client = browser(admin.user)
    assert "Only an owner can change the policy." in text(client.get(url(shop, "shop_security")))
    before = AuditEvent.objects.filter(shop=shop, action=events.ESCALATION_REFUSED).count()
    response = client.post(url(shop, "shop_security"), {"session_max_minutes": "10"})
    assert response.status_code == 400
    assert "You do not have permission to do that in this shop." in text(response)
    shop.refresh_from_db()
    assert shop.session_max_minutes is None
    assert (
        AuditEvent.objects.filter(shop=shop, action=events.ESCALATION_REFUSED).count() == before + 1
    )


def test_a_member_outside_the_allowed_networks_is_refused_with_an_audited_denial(
    make_shop, add_member, browser
):
    shop, _ = make_shop()
    member = add_member(shop, roles.CATALOG)
    Shop.objects.filter(pk=shop.pk).update(ip_allowlist="203.0.113.0/24")
    before = AuditEvent.objects.filter(shop=shop, action=events.ACCESS_DENIED).count()
    response = browser(member.user).get(url(shop, "shop_dashboard"))
    assert response.status_code == 403
    page = plain(response)
    assert "Your shop allows console access only from approved networks." in page
    assert "Your address: 127.0.0.1" in page
    assert reverse("account_logout") in text(response)
    denied = AuditEvent.objects.filter(shop=shop, action=events.ACCESS_DENIED)
    assert denied.count() == before + 1
    assert denied.latest("seq").changes["reason"] == "ip not allowed"


def test_ownership_transfer_needs_reauthentication_and_notifies_owners(
    make_shop, add_member, browser, reauthenticate, mailoutbox, django_capture_on_commit_callbacks
):
    shop, owner = make_shop()
    admin = add_member(shop, roles.ADMIN)
    client = browser(owner.user)
    response = client.get(url(shop, "shop_ownership"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    reauthenticate(client)
    page = client.get(url(shop, "shop_ownership"))
    assert page.status_code == 200
    assert str(admin.pk) in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url(shop, "shop_ownership"), {"new_owner": str(admin.pk)})
    assert done.status_code == 302
    assert membership(shop, admin.pk).role.key == roles.OWNER
    assert membership(shop, owner.pk).role.key == roles.ADMIN  # "stay owner" was unticked
    # Every owner is told, and so is the person who handed ownership over.
    assert {m.to[0] for m in mailoutbox} == {admin.user.email, owner.user.email}
    assert AuditEvent.objects.filter(shop=shop, action=events.OWNERSHIP_TRANSFERRED).exists()


def test_ownership_transfer_refuses_strangers_and_yourself(
    make_shop, add_member, browser, reauthenticate
):
    shop, owner = make_shop()
    other_shop, other_owner = make_shop()
    client = browser(owner.user)
    reauthenticate(client)
    for candidate, message in (
        (other_owner.pk, "That person was not found in this shop"),
        (owner.pk, "Choose another member to become owner."),
        ("not-a-uuid", "That person was not found in this shop"),
    ):
        response = client.post(
            url(shop, "shop_ownership"), {"new_owner": str(candidate), "stay_owner": "on"}
        )
        assert response.status_code == 400
        assert message in text(response)
    with tenancy.scope(other_shop):
        assert Membership.objects.get(pk=other_owner.pk).role.key == roles.OWNER


def test_access_review_flags_stale_overprivileged_and_weak_sign_ins(
    make_shop, add_member, make_user, browser
):
    shop, owner = make_shop()
    analyst = add_member(shop, roles.ANALYST)
    weak = make_user(email="weak@example.com", second_factor=False)
    passkey = add_member(shop, roles.CATALOG, email="passkey@example.com")
    Authenticator.objects.create(user=passkey.user, type=Authenticator.Type.WEBAUTHN, data={})
    with tenancy.scope(shop):
        Membership.objects.create(
            shop=shop, user=weak, role=Membership.objects.get(pk=owner.pk).role
        )
        Membership.objects.filter(user=weak).update(created_at=timezone.now() - timedelta(days=120))
    owner.user.last_login = timezone.now()
    owner.user.save(update_fields=["last_login"])
    response = browser(analyst.user).get(url(shop, "shop_access_review"))
    assert response.status_code == 200
    rows = {row.membership.user.email: row for row in response.context["rows"]}
    assert rows["weak@example.com"].stale
    assert rows["weak@example.com"].over_privileged
    assert not rows["weak@example.com"].has_second_factor
    assert rows["passkey@example.com"].has_passkey
    assert not rows[owner.user.email].stale
    page = text(response)
    for flag in ("Stale", "Over-privileged", "No second factor", "Passkey"):
        assert flag in page
