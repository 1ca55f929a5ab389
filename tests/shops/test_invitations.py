"""Invitations end to end: invite in the console, the email, accepting with the invited account.
The link works once, for 72 hours, for that account only; every refusal is clear and audited."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.shops import events, roles
from sellsafe.shops.models import Invitation, Membership
from tests.shops.helpers import role_of, url

LINK = re.compile(r"https?://[^/\s]+(/invitations/[^/\s]+/)")


@pytest.fixture
def owner_browser(make_shop, browser):
    shop, owner = make_shop(slug="inviting")
    return shop, owner, browser(owner.user)


def _invite(client, shop, capture, email="invitee@example.com", role_key=roles.CATALOG, **extra):
    with capture(execute=True):
        return client.post(
            url(shop, "shop_staff_invite"),
            {"email": email, "role": str(role_of(shop, role_key).pk), **extra},
        )


def _link(mail):
    match = LINK.search(mail.body)
    assert match, mail.body
    return match.group(1)


def test_invite_email_accept_and_the_link_is_spent(
    owner_browser, make_user, browser, mailoutbox, django_capture_on_commit_callbacks
):
    shop, owner, client = owner_browser
    response = _invite(client, shop, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == url(shop, "shop_staff")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["invitee@example.com"]
    link = _link(mailoutbox[0])
    assert "invitee@example.com" in client.get(url(shop, "shop_staff")).content.decode()

    invitee = make_user(email="invitee@example.com")
    invitee_client = browser(invitee)
    page = invitee_client.get(link)
    assert page.status_code == 200
    assert shop.name in page.content.decode()
    accepted = invitee_client.post(link)
    assert accepted.status_code == 302
    assert accepted["Location"] == url(shop, "shop_dashboard")
    with tenancy.scope(shop):
        member = Membership.objects.select_related("role").get(user=invitee)
    assert member.role.key == roles.CATALOG
    assert invitee_client.get(url(shop, "shop_dashboard")).status_code == 200
    assert AuditEvent.objects.filter(shop=shop, action=events.INVITATION_ACCEPTED).count() == 1

    # Replaying the accept (back button, second tab, attacker with the link): a clear refusal.
    for method in ("get", "post"):
        again = getattr(invitee_client, method)(link)
        assert again.status_code == 404
        assert b"This invitation link is not valid" in again.content
    with tenancy.scope(shop):
        assert Membership.objects.filter(user=invitee).count() == 1


def test_the_link_expires_after_72_hours(
    owner_browser, make_user, browser, mailoutbox, django_capture_on_commit_callbacks
):
    shop, _, client = owner_browser
    _invite(client, shop, django_capture_on_commit_callbacks)
    link = _link(mailoutbox[0])
    invitee = make_user(email="invitee@example.com")
    with time_machine.travel(timezone.now() + timedelta(hours=72, minutes=1)):
        response = browser(invitee).post(link)
    assert response.status_code == 404
    assert b"not valid" in response.content
    with tenancy.scope(shop):
        assert not Membership.objects.filter(user__email="invitee@example.com").exists()


def test_another_account_cannot_use_the_link_and_the_attempt_is_audited(
    owner_browser, make_user, browser, mailoutbox, django_capture_on_commit_callbacks
):
    shop, _, client = owner_browser
    _invite(client, shop, django_capture_on_commit_callbacks)
    link = _link(mailoutbox[0])
    intruder = make_user(email="intruder@example.com")
    intruder_client = browser(intruder)
    page = intruder_client.get(link).content.decode()
    assert "i***@example.com" in page  # told which address to use, masked
    response = intruder_client.post(link)
    assert response.status_code == 403
    assert "Sign in with that address" in response.content.decode()
    refusal = AuditEvent.objects.get(shop=shop, action=events.INVITATION_REFUSED)
    assert refusal.actor_user_id == intruder.pk
    with tenancy.scope(shop):
        assert not Membership.objects.filter(user=intruder).exists()
        assert Invitation.objects.get().accepted_at is None  # still usable by the invitee


def test_signed_out_visitors_sign_in_first_and_come_back(
    owner_browser, client, mailoutbox, django_capture_on_commit_callbacks
):
    shop, _, owner_client = owner_browser
    _invite(owner_client, shop, django_capture_on_commit_callbacks)
    link = _link(mailoutbox[0])
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]


def test_revoked_invitation_link_no_longer_works(
    owner_browser, make_user, browser, mailoutbox, django_capture_on_commit_callbacks
):
    shop, _, client = owner_browser
    _invite(client, shop, django_capture_on_commit_callbacks)
    link = _link(mailoutbox[0])
    with tenancy.scope(shop):
        invitation = Invitation.objects.get()
    response = client.post(url(shop, "shop_invitation_revoke", invitation.pk))
    assert response.status_code == 302
    assert client.get(url(shop, "shop_invitation_revoke", invitation.pk)).status_code == 405
    assert browser(make_user(email="invitee@example.com")).post(link).status_code == 404
    # Revoking again is a clear message, not an error page.
    again = client.post(url(shop, "shop_invitation_revoke", invitation.pk), follow=True)
    assert again.status_code == 200
    assert b"no longer pending" in again.content


@pytest.mark.parametrize(
    "token", ["x", "a" * 5000, "%00", "..%2F..%2Fetc", "<script>", "\u202e" * 10]
)
def test_forged_tokens_are_refused_plainly(make_user, browser, token):
    client = browser(make_user())
    for method in ("get", "post"):
        response = getattr(client, method)(f"/invitations/{token}/")
        assert response.status_code in (404,)


def test_invite_form_keeps_the_typed_address_on_errors(
    owner_browser, make_user, django_capture_on_commit_callbacks, add_member
):
    shop, _, client = owner_browser
    member = add_member(shop, roles.ANALYST, email="already@example.com")
    response = _invite(client, shop, django_capture_on_commit_callbacks, email=member.user.email)
    assert response.status_code == 400
    assert "already a member" in response.content.decode()
    assert 'value="already@example.com"' in response.content.decode()
    past = _invite(
        client,
        shop,
        django_capture_on_commit_callbacks,
        email="late@example.com",
        access_ends_on="2001-01-01",
    )
    assert past.status_code == 400
    assert "Choose a date after today" in past.content.decode()
    with tenancy.scope(shop):
        assert not Invitation.objects.exists()


def test_invitation_with_an_end_date_gives_access_that_ends(
    owner_browser, make_user, browser, mailoutbox, django_capture_on_commit_callbacks
):
    shop, _, client = owner_browser
    ends_on = (timezone.now() + timedelta(days=10)).date()
    _invite(client, shop, django_capture_on_commit_callbacks, access_ends_on=ends_on.isoformat())
    invitee = make_user(email="invitee@example.com")
    browser(invitee).post(_link(mailoutbox[0]))
    with tenancy.scope(shop):
        member = Membership.objects.get(user=invitee)
    assert member.access_ends_at is not None
    assert member.access_ends_at.astimezone(timezone.get_fixed_timezone(0)).date() in (
        ends_on,
        ends_on - timedelta(days=1),  # 00:00 in Europe/London is 23:00 UTC in summer
    )
