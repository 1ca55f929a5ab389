"""Emails about shops: invitations and ownership changes."""

from __future__ import annotations

from django.tasks import task
from django.urls import reverse

from sellsafe.accounts import mail
from sellsafe.accounts.models import User
from sellsafe.core import tenancy
from sellsafe.shops import roles
from sellsafe.shops.models import Invitation, Membership, Shop
from sellsafe.shops.services.invitations import INVITATION_LIFETIME


@task()
def send_invitation(*, invitation_id: str, token: str) -> None:
    with tenancy.unscoped():
        invitation = (
            Invitation.objects.select_related("shop", "role").filter(pk=invitation_id).first()
        )
    if invitation is None or invitation.revoked_at is not None:
        return
    mail.send_to_address(
        email=invitation.email,
        template_prefix="shops/email/invitation",
        context={
            "shop": invitation.shop,
            "role": invitation.role,
            "hours": int(INVITATION_LIFETIME.total_seconds() // 3600),
            "accept_url": mail.base_url() + reverse("console:invitation_accept", args=[token]),
        },
    )


@task()
def send_ownership_notice(*, shop_id: str, new_owner_id: str, by_id: str) -> None:
    """Tell every owner, and the person who handed ownership over."""
    shop = Shop.objects.filter(pk=shop_id).first()
    new_owner = User.objects.filter(pk=new_owner_id).first()
    if shop is None or new_owner is None:
        return
    with tenancy.scope(shop):
        owner_ids = set(
            Membership.objects.filter(role__key=roles.OWNER).values_list("user_id", flat=True)
        )
    for user in User.objects.filter(pk__in=owner_ids | {by_id}):
        mail.send_to_user(
            user=user,
            template_prefix="shops/email/ownership_transferred",
            context={"shop": shop, "new_owner": new_owner},
        )
