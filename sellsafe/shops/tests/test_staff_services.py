"""Least privilege in the services: who may grant, change and remove what; invitations; ending
access ends sessions. Every refusal is audited."""

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.test import Client
from django.utils import timezone

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError, NotAllowed, NotFound
from sellsafe.shops import events, roles, services
from sellsafe.shops.models import Invitation, Membership, Role


def _role(shop, key):
    with tenancy.scope(shop):
        return Role.objects.get(key=key)


def _refusals(shop):
    return AuditEvent.objects.filter(shop=shop, action=events.ESCALATION_REFUSED).count()


def test_creating_a_shop_makes_the_creator_its_owner_with_every_builtin_role(make_shop):
    shop, owner = make_shop()
    assert owner.role.key == roles.OWNER
    with tenancy.scope(shop):
        assert set(Role.objects.values_list("key", flat=True)) == set(roles.BY_KEY)
    assert AuditEvent.objects.filter(shop=shop, action=events.SHOP_CREATED).exists()


def test_duplicate_or_reserved_web_address_is_refused_clearly(make_shop, make_user):
    make_shop(slug="taken-shop")
    for slug, field in (("taken-shop", "slug"), ("admin", "slug"), ("Bad Slug!", "slug")):
        with pytest.raises(DomainError) as caught:
            make_shop(slug=slug)
        assert caught.value.field == field


@pytest.mark.parametrize("granter_key", [roles.ADMIN, roles.CATALOG, roles.FINANCE])
@pytest.mark.parametrize("role_key", [roles.OWNER, roles.FINANCE])
def test_only_owners_grant_owner_or_finance(make_shop, add_member, granter_key, role_key):
    shop, _ = make_shop()
    granter = add_member(shop, granter_key)
    before = _refusals(shop)
    with pytest.raises(NotAllowed):
        services.member_invite(
            actor=granter, shop=shop, email="new@example.com", role=_role(shop, role_key)
        )
    assert _refusals(shop) == before + 1
    with tenancy.scope(shop):
        assert not Invitation.objects.exists()


def test_nobody_grants_more_than_they_hold(make_shop, add_member):
    shop, owner = make_shop()
    with tenancy.scope(shop):
        custom = services.role_create(
            actor=owner, shop=shop, name="Staff manager", codes=["staff.manage", "staff.view"]
        )
    manager = add_member(shop, roles.CATALOG)
    with tenancy.scope(shop):
        manager.role = custom
        manager.save(update_fields=["role"])
    # A staff manager may invite with their own (narrow) role, but not Catalog manager's codes.
    services.member_invite(actor=manager, shop=shop, email="a@example.com", role=custom)
    with pytest.raises(NotAllowed, match="access you do not have"):
        services.member_invite(
            actor=manager, shop=shop, email="b@example.com", role=_role(shop, roles.CATALOG)
        )


def test_nobody_edits_their_own_role(make_shop):
    shop, owner = make_shop()
    with pytest.raises(NotAllowed, match="own role"):
        services.member_change_role(
            actor=owner, shop=shop, member=owner, role=_role(shop, roles.ADMIN)
        )
    assert _refusals(shop) == 1


def test_the_last_owner_cannot_leave_or_be_demoted(make_shop, add_member):
    shop, owner = make_shop()
    with pytest.raises(DomainError, match="at least one owner"):
        services.member_remove(actor=owner, shop=shop, member=owner)
    second = add_member(shop, roles.OWNER)
    services.member_change_role(
        actor=second, shop=shop, member=owner, role=_role(shop, roles.ADMIN)
    )
    with tenancy.scope(shop):
        assert Membership.objects.get(pk=owner.pk).role.key == roles.ADMIN


def test_admin_cannot_touch_an_owner_or_finance_member(make_shop, add_member):
    shop, _ = make_shop()
    admin = add_member(shop, roles.ADMIN)
    finance = add_member(shop, roles.FINANCE)
    with pytest.raises(NotAllowed):
        services.member_remove(actor=admin, shop=shop, member=finance)
    with pytest.raises(NotAllowed):
        services.member_change_role(
            actor=admin, shop=shop, member=finance, role=_role(shop, roles.ANALYST)
        )


@pytest.mark.parametrize("role_key", [k for k in roles.BY_KEY if k != roles.OWNER])
def test_only_owners_set_the_security_policy(make_shop, add_member, role_key):
    shop, _ = make_shop()
    member = add_member(shop, role_key)
    with pytest.raises(NotAllowed):
        services.policy_update(
            actor=member,
            shop=shop,
            phishing_resistant_roles=[],
            session_max_minutes=None,
            ip_allowlist="",
        )


def test_policy_validation_keeps_the_owner_in(make_shop):
    shop, owner = make_shop()
    with pytest.raises(DomainError) as caught:
        services.policy_update(
            actor=owner,
            shop=shop,
            phishing_resistant_roles=[],
            session_max_minutes=None,
            ip_allowlist="not-an-ip",
        )
    assert caught.value.field == "ip_allowlist"
    updated = services.policy_update(
        actor=owner,
        shop=shop,
        phishing_resistant_roles=[roles.OWNER, roles.FINANCE],
        session_max_minutes=60,
        ip_allowlist="203.0.113.0/24\n# office\n10.0.0.1",
    )
    assert updated.ip_allowlist == "203.0.113.0/24\n10.0.0.1/32"
    event = AuditEvent.objects.get(shop=shop, action=events.POLICY_CHANGED)
    assert event.changes["session_max_minutes"] == {"before": None, "after": 60}


@pytest.fixture
def invited(make_shop, make_user):
    shop, owner = make_shop()
    new = services.member_invite(
        actor=owner, shop=shop, email="Invitee@Example.com", role=_role(shop, roles.FULFILMENT)
    )
    return shop, new


def test_invitation_is_accepted_once_by_the_invited_address(invited, make_user):
    shop, new = invited
    invitee = make_user(email="invitee@example.com")
    member = services.invitation_accept(user=invitee, token=new.token)
    assert member.role.key == roles.FULFILMENT
    with pytest.raises(NotFound):
        services.invitation_accept(user=invitee, token=new.token)  # single use


def test_invitation_cannot_be_used_by_another_account(invited, make_user):
    shop, new = invited
    other = make_user(email="someone-else@example.com")
    with pytest.raises(DomainError, match=r"sent to i\*\*\*@example\.com"):
        services.invitation_accept(user=other, token=new.token)
    assert AuditEvent.objects.filter(shop=shop, action=events.INVITATION_REFUSED).exists()
    with tenancy.scope(shop):
        assert not Membership.objects.filter(user=other).exists()


def test_unverified_invited_address_is_not_enough(invited, make_user):
    shop, new = invited
    invitee = make_user(email="invitee@example.com")
    EmailAddress.objects.filter(user=invitee).update(verified=False)
    with pytest.raises(DomainError):
        services.invitation_accept(user=invitee, token=new.token)


def test_invitation_expires_after_72_hours(invited, make_user):
    shop, new = invited
    invitee = make_user(email="invitee@example.com")
    later = timezone.now() + services.invitations.INVITATION_LIFETIME
    with time_machine.travel(later, tick=False), pytest.raises(NotFound):
        services.invitation_accept(user=invitee, token=new.token)


def test_revoked_or_forged_invitations_fail(invited, make_user):
    shop, new = invited
    with tenancy.scope(shop):
        owner = Membership.objects.get(role__key=roles.OWNER)
    services.invitation_revoke(actor=owner, shop=shop, invitation=new.invitation)
    invitee = make_user(email="invitee@example.com")
    for token in (new.token, new.token[:-1] + "x", "", "a" * 5000):
        with pytest.raises(NotFound):
            services.invitation_accept(user=invitee, token=token)


def test_token_is_stored_only_as_a_keyed_hash(invited):
    shop, new = invited
    with tenancy.scope(shop):
        stored = Invitation.objects.get(pk=new.invitation.pk)
    assert new.token not in stored.token_hash
    assert len(stored.token_hash) == 32


@pytest.mark.django_db(transaction=True)
def test_removing_a_member_ends_their_sessions_at_once(make_shop, add_member, sign_in):
    shop, owner = make_shop()
    member = add_member(shop, roles.CATALOG)
    browser = Client()
    sign_in(browser, member.user)
    assert UserSession.objects.filter(user=member.user).exists()
    services.member_remove(actor=owner, shop=shop, member=member)
    assert not UserSession.objects.filter(user=member.user).exists()
    response = browser.get("/account/activity/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")  # signed out


@pytest.mark.django_db(transaction=True)
def test_lowering_a_role_ends_sessions_but_raising_it_does_not(make_shop, add_member, sign_in):
    shop, owner = make_shop()
    member = add_member(shop, roles.CUSTOMER_SERVICE)
    sign_in(Client(), member.user)
    services.member_change_role(
        actor=owner, shop=shop, member=member, role=_role(shop, roles.ADMIN)
    )
    assert UserSession.objects.filter(user=member.user).exists()
    services.member_change_role(
        actor=owner, shop=shop, member=member, role=_role(shop, roles.ANALYST)
    )
    assert not UserSession.objects.filter(user=member.user).exists()


def test_access_with_an_end_date_ends_by_itself(make_shop, add_member):
    shop, owner = make_shop()
    member = add_member(shop, roles.FULFILMENT)
    ends = timezone.now() + timezone.timedelta(days=1)
    services.member_set_access_end(actor=owner, shop=shop, member=member, ends_at=ends)
    from sellsafe.shops import selectors

    assert selectors.membership_for(slug=shop.slug, user=member.user) is not None
    with time_machine.travel(ends + timezone.timedelta(seconds=1), tick=False):
        # Refused at request time from that moment, before any job runs...
        assert selectors.membership_for(slug=shop.slug, user=member.user) is None
        # ...and the periodic job removes it and records why.
        assert services.access_expire_due() == 1
    assert AuditEvent.objects.filter(shop=shop, action=events.MEMBER_ACCESS_EXPIRED).exists()


def test_ownership_transfer_moves_ownership_and_notifies_owners(
    make_shop, add_member, mailoutbox, django_capture_on_commit_callbacks
):
    shop, owner = make_shop()
    admin = add_member(shop, roles.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        services.ownership_transfer(actor=owner, shop=shop, new_owner=admin, stay_owner=False)
    with tenancy.scope(shop):
        assert Membership.objects.get(pk=admin.pk).role.key == roles.OWNER
        assert Membership.objects.get(pk=owner.pk).role.key == roles.ADMIN
    assert {m.to[0] for m in mailoutbox} == {admin.user.email, owner.user.email}
    assert AuditEvent.objects.filter(shop=shop, action=events.OWNERSHIP_TRANSFERRED).exists()
