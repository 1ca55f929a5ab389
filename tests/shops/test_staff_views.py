"""Staff pages: changing roles, end dates, removing and leaving; and privilege escalation through
the views fails with a clear message, changes nothing and leaves an audit event."""

from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.shops import events, roles, services
from sellsafe.shops.models import Invitation, Membership
from tests.shops.helpers import membership, role_of, text, url


def _count(shop, action):
    return AuditEvent.objects.filter(shop=shop, action=action).count()


# --- Escalation ----------------------------------------------------------------------------------
def test_catalog_manager_cannot_invite_an_owner(make_shop, add_member, browser):
    """No staff.manage: the invite page does not exist for them (audited 404)."""
    shop, _ = make_shop()
    catalog = add_member(shop, roles.CATALOG)
    before = _count(shop, events.ACCESS_DENIED)
    response = browser(catalog.user).post(
        url(shop, "shop_staff_invite"),
        {"email": "friend@example.com", "role": str(role_of(shop, roles.OWNER).pk)},
    )
    assert response.status_code == 404
    assert _count(shop, events.ACCESS_DENIED) == before + 1
    with tenancy.scope(shop):
        assert not Invitation.objects.exists()


def test_a_staff_manager_cannot_invite_more_than_they_hold(make_shop, add_member, browser):
    """A custom role with staff.manage posts the Owner role, which the form does not offer."""
    shop, owner = make_shop()
    with tenancy.scope(shop):
        role = services.role_create(
            actor=owner, shop=shop, name="Team lead", codes=["staff.view", "staff.manage"]
        )
    lead = add_member(shop, roles.ANALYST)
    with tenancy.scope(shop):
        Membership.objects.filter(pk=lead.pk).update(role=role)
    client = browser(lead.user)
    offered = client.get(url(shop, "shop_staff_invite")).content.decode()
    assert str(role_of(shop, roles.OWNER).pk) not in offered
    before = _count(shop, events.ESCALATION_REFUSED)
    response = client.post(
        url(shop, "shop_staff_invite"),
        {"email": "friend@example.com", "role": str(role_of(shop, roles.OWNER).pk)},
    )
    assert response.status_code == 400
    assert "Only an owner can give someone the Owner role." in text(response)
    assert 'value="friend@example.com"' in text(response)
    assert _count(shop, events.ESCALATION_REFUSED) == before + 1
    with tenancy.scope(shop):
        assert not Invitation.objects.exists()


def test_an_admin_cannot_give_finance(make_shop, add_member, browser):
    shop, _ = make_shop()
    admin = add_member(shop, roles.ADMIN)
    catalog = add_member(shop, roles.CATALOG)
    client = browser(admin.user)
    finance = str(role_of(shop, roles.FINANCE).pk)
    before = _count(shop, events.ESCALATION_REFUSED)

    changed = client.post(url(shop, "shop_member_role", catalog.pk), {"role": finance})
    assert changed.status_code == 400
    assert "Only an owner can give someone the Finance role." in text(changed)
    assert membership(shop, catalog.pk).role.key == roles.CATALOG

    invited = client.post(
        url(shop, "shop_staff_invite"), {"email": "money@example.com", "role": finance}
    )
    assert invited.status_code == 400
    assert "Only an owner can give someone the Finance role." in text(invited)
    assert _count(shop, events.ESCALATION_REFUSED) == before + 2
    with tenancy.scope(shop):
        assert not Invitation.objects.exists()


def test_nobody_changes_their_own_role(make_shop, add_member, browser):
    shop, _ = make_shop()
    admin = add_member(shop, roles.ADMIN)
    before = _count(shop, events.ESCALATION_REFUSED)
    response = browser(admin.user).post(
        url(shop, "shop_member_role", admin.pk), {"role": str(role_of(shop, roles.OWNER).pk)}
    )
    assert response.status_code == 400
    assert "You cannot change your own role" in text(response)
    assert membership(shop, admin.pk).role.key == roles.ADMIN
    assert _count(shop, events.ESCALATION_REFUSED) == before + 1


def test_an_admin_cannot_remove_an_owner(make_shop, add_member, browser):
    shop, owner = make_shop()
    admin = add_member(shop, roles.ADMIN)
    before = _count(shop, events.ESCALATION_REFUSED)
    response = browser(admin.user).post(url(shop, "shop_member_remove", owner.pk), follow=True)
    assert "Only an owner can change or remove a member with the Owner role." in text(response)
    assert membership(shop, owner.pk) is not None
    assert _count(shop, events.ESCALATION_REFUSED) == before + 1


def test_the_last_owner_cannot_leave(make_shop, browser):
    shop, owner = make_shop()
    client = browser(owner.user)
    response = client.post(url(shop, "shop_leave"), follow=True)
    assert response.status_code == 200
    assert "A shop must keep at least one owner" in text(response)
    assert membership(shop, owner.pk) is not None
    assert client.get(url(shop, "shop_dashboard")).status_code == 200  # still signed in


def test_the_last_owner_cannot_be_demoted_by_another_owner_leaving_them_alone(
    make_shop, add_member, browser
):
    """Two owners: one may demote the other; then the last one cannot be demoted or removed."""
    shop, owner = make_shop()
    second = add_member(shop, roles.OWNER)
    client = browser(owner.user)
    admin_role = str(role_of(shop, roles.ADMIN).pk)
    assert (
        client.post(url(shop, "shop_member_role", second.pk), {"role": admin_role}).status_code
        == 302
    )
    assert membership(shop, second.pk).role.key == roles.ADMIN
    response = browser(second.user).post(url(shop, "shop_member_remove", owner.pk), follow=True)
    assert membership(shop, owner.pk) is not None
    assert "Only an owner can" in text(response)


def test_refusing_to_remove_the_last_owner_is_audited(make_shop, browser):
    shop, owner = make_shop()
    before = AuditEvent.objects.filter(shop=shop).count()
    browser(owner.user).post(url(shop, "shop_leave"))
    assert AuditEvent.objects.filter(shop=shop).count() > before


# --- Managing members ----------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_removing_a_member_signs_them_out_on_their_next_request(
    make_shop, add_member, browser, sign_in
):
    shop, owner = make_shop()
    member = add_member(shop, roles.FULFILMENT)
    member_client = Client()
    sign_in(member_client, member.user)
    assert member_client.get(url(shop, "shop_dashboard")).status_code == 200

    owner_client = browser(owner.user)
    confirm = owner_client.get(url(shop, "shop_member_remove", member.pk))
    assert confirm.status_code == 200
    assert membership(shop, member.pk) is not None  # GET only asks
    response = owner_client.post(url(shop, "shop_member_remove", member.pk))
    assert response.status_code == 302
    assert membership(shop, member.pk) is None
    assert not UserSession.objects.filter(user=member.user).exists()

    after = member_client.get(url(shop, "shop_dashboard"))
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("account_login"))
    assert AuditEvent.objects.filter(shop=shop, action=events.MEMBER_REMOVED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_lowering_a_role_in_the_console_signs_the_member_out(
    make_shop, add_member, browser, sign_in
):
    shop, owner = make_shop()
    member = add_member(shop, roles.ADMIN)
    member_client = Client()
    sign_in(member_client, member.user)
    response = browser(owner.user).post(
        url(shop, "shop_member_role", member.pk), {"role": str(role_of(shop, roles.ANALYST).pk)}
    )
    assert response.status_code == 302
    assert membership(shop, member.pk).role.key == roles.ANALYST
    assert member_client.get(url(shop, "shop_dashboard")).status_code == 302


def test_setting_and_clearing_an_access_end_date(make_shop, add_member, browser):
    shop, owner = make_shop()
    member = add_member(shop, roles.FULFILMENT)
    client = browser(owner.user)
    day = (timezone.now() + timedelta(days=30)).date()
    response = client.post(url(shop, "shop_member_access_end", member.pk), {"ends_on": str(day)})
    assert response.status_code == 302
    assert membership(shop, member.pk).access_ends_at is not None
    page = client.get(url(shop, "shop_member", member.pk))
    assert "Access end date set" in text(page)  # the history panel
    cleared = client.post(
        url(shop, "shop_member_access_end", member.pk), {"ends_on": str(day), "clear": "1"}
    )
    assert cleared.status_code == 302
    assert membership(shop, member.pk).access_ends_at is None
    for bad in ("yesterday", "2001-01-01", "9999-12-31", "1" * 500):
        refused = client.post(url(shop, "shop_member_access_end", member.pk), {"ends_on": bad})
        assert refused.status_code == 400
    owner_end = client.post(url(shop, "shop_member_access_end", owner.pk), {"ends_on": str(day)})
    assert owner_end.status_code == 400
    assert "Owners' access cannot end by itself." in text(owner_end)


def test_a_member_can_leave_the_shop(make_shop, add_member, browser):
    shop, _ = make_shop()
    member = add_member(shop, roles.CATALOG)
    client = browser(member.user)
    assert client.get(url(shop, "shop_leave")).status_code == 200
    response = client.post(url(shop, "shop_leave"))
    assert response.status_code == 302
    assert response["Location"] == reverse("console:home")
    assert membership(shop, member.pk) is None
    # Leaving ends the person's sessions too: they sign in again.
    assert client.get(url(shop, "shop_dashboard"))["Location"].startswith(reverse("account_login"))


def test_removing_yourself_goes_through_leave(make_shop, add_member, browser):
    shop, owner = make_shop()
    response = browser(owner.user).get(url(shop, "shop_member_remove", owner.pk))
    assert response.status_code == 302
    assert response["Location"] == url(shop, "shop_leave")


def test_staff_list_shows_members_roles_and_pending_invitations(make_shop, add_member, browser):
    shop, owner = make_shop()
    member = add_member(shop, roles.ANALYST)
    with tenancy.scope(shop):
        services.member_invite(
            actor=owner, shop=shop, email="pending@example.com", role=role_of(shop, roles.CATALOG)
        )
    page = text(browser(member.user).get(url(shop, "shop_staff")))
    assert member.user.email in page
    assert "Analyst (read-only)" in page
    assert "pending@example.com" in page
    assert "Revoke" not in page  # an analyst sees, but cannot manage
    assert "Invite someone" not in page


# --- Roles ---------------------------------------------------------------------------------------
def test_owner_creates_and_edits_a_custom_role(make_shop, browser):
    shop, owner = make_shop()
    client = browser(owner.user)
    created = client.post(
        url(shop, "shop_role_new"), {"name": "Packers", "codes": ["orders.view", "orders.fulfil"]}
    )
    assert created.status_code == 302
    with tenancy.scope(shop):
        from sellsafe.shops.models import Role

        role = Role.objects.get(name="Packers")
    assert set(role.codes) == {"shop.view", "orders.view", "orders.fulfil"}
    listing = text(client.get(url(shop, "shop_roles")))
    assert "Fulfil and ship orders" in listing
    edited = client.post(url(shop, "shop_role_edit", role.pk), {"name": "Pack", "codes": []})
    assert edited.status_code == 302
    role.refresh_from_db()
    assert role.codes == ["shop.view"]
    bad = client.post(url(shop, "shop_role_new"), {"name": "X", "codes": ["root.everything"]})
    assert bad.status_code == 400
    builtin = client.post(
        url(shop, "shop_role_edit", role_of(shop, roles.ADMIN).pk), {"name": "Admin", "codes": []}
    )
    assert builtin.status_code == 400
    assert "Built-in roles cannot be changed" in text(builtin)


def test_only_owners_create_roles(make_shop, add_member, browser):
    shop, _ = make_shop()
    admin = add_member(shop, roles.ADMIN)
    before = _count(shop, events.ESCALATION_REFUSED)
    response = browser(admin.user).post(
        url(shop, "shop_role_new"), {"name": "Everything", "codes": ["finance.manage_payouts"]}
    )
    assert response.status_code == 400
    assert "Only an owner can create roles." in text(response)
    assert _count(shop, events.ESCALATION_REFUSED) == before + 1


def test_access_end_dates_are_the_shops_days(make_shop, add_member, browser):
    """A shop at UTC+14: "today", the stored instant and the date shown back are the shop's."""
    import zoneinfo

    shop, owner = make_shop()
    shop.timezone = "Pacific/Kiritimati"
    shop.save(update_fields=["timezone"])
    member = add_member(shop, roles.FULFILMENT)
    client = browser(owner.user)
    local_today = timezone.now().astimezone(zoneinfo.ZoneInfo(shop.timezone)).date()
    end = client.post(url(shop, "shop_member_access_end", member.pk), {"ends_on": str(local_today)})
    assert end.status_code == 400  # today in the shop is not "after today"
    day = local_today + timedelta(days=1)
    end = client.post(url(shop, "shop_member_access_end", member.pk), {"ends_on": str(day)})
    assert end.status_code == 302
    ends_at = membership(shop, member.pk).access_ends_at
    assert ends_at.astimezone(zoneinfo.ZoneInfo(shop.timezone)).time().isoformat() == "00:00:00"
    page = client.get(url(shop, "shop_member", member.pk))
    assert f'value="{day.isoformat()}"' in page.content.decode()  # not the UTC date (a day early)
