"""Inviting staff by email: single-use, expiring links bound to the invited address."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from sellsafe.accounts.models import User
from sellsafe.audit.services import record
from sellsafe.core import tenancy
from sellsafe.core.crypto import blind_index
from sellsafe.core.errors import DomainError, NotFound
from sellsafe.core.masking import mask_email
from sellsafe.shops import access, events
from sellsafe.shops.models import Invitation, Membership, Role, Shop
from sellsafe.shops.services.refusals import refuse

INVITATION_LIFETIME = timedelta(hours=72)
INVALID = "This invitation link is not valid: it may have expired, been used or been revoked."


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str  # only ever in the email; the database keeps its keyed hash


def token_hash(token: str) -> str:
    return blind_index(token, purpose="staff-invitation")


@tenancy.shop_service
def member_invite(
    *,
    actor: Membership,
    shop: Shop,
    email: str,
    role: Role,
    access_ends_at: datetime | None = None,
) -> NewInvitation:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError("Enter a valid email address.", field="email") from exc
    problem = access.grant_problem(actor, role)
    if problem:
        refuse(actor=actor, shop=shop, reason=problem, target=("role", role.key), message=problem)
    if access_ends_at is not None and access_ends_at <= timezone.now():
        raise DomainError("Choose an end date in the future.", field="access_ends_at")
    with tenancy.scope(shop):
        if Membership.objects.filter(user__email=email).exists():
            raise DomainError("This person is already a member of the shop.", field="email")
        token = secrets.token_urlsafe(32)
        with transaction.atomic():
            # A new invitation replaces a pending one for the same address.
            Invitation.objects.filter(
                email=email, accepted_at__isnull=True, revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
            invitation = Invitation.objects.create(
                shop=shop,
                email=email,
                role=role,
                token_hash=token_hash(token),
                created_by=actor.user,
                expires_at=timezone.now() + INVITATION_LIFETIME,
                access_ends_at=access_ends_at,
            )
            record(
                shop=shop,
                action=events.MEMBER_INVITED,
                actor=actor.user,
                target_type="invitation",
                target_id=str(invitation.pk),
                changes={"email": mask_email(email), "role": role.key},
            )
            from sellsafe.shops.tasks import send_invitation

            transaction.on_commit(
                lambda: send_invitation.enqueue(invitation_id=str(invitation.pk), token=token)
            )
    return NewInvitation(invitation=invitation, token=token)


@tenancy.shop_service
def invitation_revoke(*, actor: Membership, shop: Shop, invitation: Invitation) -> Invitation:
    problem = access.grant_problem(actor, invitation.role)
    if problem:
        refuse(
            actor=actor,
            shop=shop,
            reason=problem,
            target=("invitation", str(invitation.pk)),
            message=problem,
        )
    if invitation.accepted_at or invitation.revoked_at:
        raise DomainError("This invitation is no longer pending.")
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record(
            shop=shop,
            action=events.INVITATION_REVOKED,
            actor=actor.user,
            target_type="invitation",
            target_id=str(invitation.pk),
        )
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The pending invitation for a link's token, or NotFound (same message for every reason)."""
    if not token or len(token) > 100:
        raise NotFound(INVALID)
    with tenancy.unscoped():
        invitation = (
            Invitation.objects.select_related("shop", "role")
            .filter(token_hash=token_hash(token))
            .first()
        )
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= timezone.now()
    ):
        raise NotFound(INVALID)
    return invitation


def invitation_accept(*, user: User, token: str) -> Membership:
    """Join the shop. The signed-in account must own the invited address (verified)."""
    invitation = invitation_for_token(token)
    shop = invitation.shop
    owns_address = EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()
    if not owns_address:
        with transaction.atomic():
            record(
                shop=shop,
                action=events.INVITATION_REFUSED,
                actor=user,
                target_type="invitation",
                target_id=str(invitation.pk),
                changes={"reason": "signed in with another address"},
            )
        raise DomainError(
            f"This invitation was sent to {mask_email(invitation.email)}. Sign in with that address "
            "to accept it."
        )
    with tenancy.scope(shop), transaction.atomic():
        # Lock the invitation so two tabs cannot both accept it.
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None or locked.revoked_at is not None:
            raise NotFound(INVALID)
        if Membership.objects.filter(user=user).exists():
            raise DomainError("You are already a member of this shop.")
        membership = Membership.objects.create(
            shop=shop, user=user, role=locked.role, access_ends_at=locked.access_ends_at
        )
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
        record(
            shop=shop,
            action=events.INVITATION_ACCEPTED,
            actor=user,
            target_type="membership",
            target_id=str(membership.pk),
            changes={"role": locked.role.key},
        )
    return membership
