"""Changing, removing and expiring staff; transferring ownership."""

from __future__ import annotations

from datetime import datetime

from allauth.usersessions.models import UserSession
from django.db import transaction
from django.utils import timezone

from sellsafe.accounts.services import sessions_end
from sellsafe.audit.services import record
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.shops import access, events, roles
from sellsafe.shops.models import Membership, Role, Shop
from sellsafe.shops.services.refusals import refuse

LAST_OWNER = "A shop must keep at least one owner. Make someone else owner first."

# Only write last_active_at when it is this stale: saves a write per request.
TOUCH_RESOLUTION_SECONDS = 300


def _owners(shop: Shop) -> int:
    with tenancy.scope(shop):
        return Membership.objects.filter(role__key=roles.OWNER).count()


def _end_sessions(member: Membership, actor: Membership | None) -> int:
    """Removing a member or lowering a role takes effect at once: their sessions end."""
    sessions = list(UserSession.objects.filter(user=member.user))
    return sessions_end(sessions=sessions, actor=actor.user if actor else None)


def end_sessions_of_role(*, role: Role, actor: Membership) -> int:
    """A role lost permissions: its holders' sessions end, as when one member's role is lowered."""
    members = Membership.objects.select_related("user").filter(role=role)
    return sum(_end_sessions(member, actor) for member in members)


@tenancy.shop_service
def member_change_role(
    *, actor: Membership, shop: Shop, member: Membership, role: Role
) -> Membership:
    target = ("membership", str(member.pk))
    if member.pk == actor.pk:
        refuse(
            actor=actor,
            shop=shop,
            reason="own role",
            target=target,
            message="You cannot change your own role. Ask another owner.",
        )
    for problem in (access.manage_problem(actor, member), access.grant_problem(actor, role)):
        if problem:
            refuse(actor=actor, shop=shop, reason=problem, target=target, message=problem)
    if member.role_id == role.pk:
        return member
    if member.role.key == roles.OWNER and _owners(shop) <= 1:
        refuse(actor=actor, shop=shop, reason="last owner", target=target, message=LAST_OWNER)
    lowered = bool(member.role.code_set - role.code_set)
    before = member.role
    with transaction.atomic():
        member.role = role
        member.save(update_fields=["role"])
        ended = _end_sessions(member, actor) if lowered else 0
        record(
            shop=shop,
            action=events.MEMBER_ROLE_CHANGED,
            actor=actor.user,
            target_type="membership",
            target_id=str(member.pk),
            changes={
                "role": {"before": before.key, "after": role.key},
                "sessions_ended": ended,
            },
        )
    return member


@tenancy.shop_service
def member_remove(*, actor: Membership, shop: Shop, member: Membership) -> None:
    """Remove a member (or leave the shop, when actor is member). Their sessions end at once."""
    target = ("membership", str(member.pk))
    if member.pk != actor.pk:
        problem = access.manage_problem(actor, member)
        if problem:
            refuse(actor=actor, shop=shop, reason=problem, target=target, message=problem)
    if member.role.key == roles.OWNER and _owners(shop) <= 1:
        refuse(actor=actor, shop=shop, reason="last owner", target=target, message=LAST_OWNER)
    with transaction.atomic():
        ended = _end_sessions(member, actor)
        record(
            shop=shop,
            action=events.MEMBER_REMOVED,
            actor=actor.user,
            target_type="membership",
            target_id=str(member.pk),
            changes={"user": str(member.user_id), "role": member.role.key, "sessions_ended": ended},
        )
        member.delete()


@tenancy.shop_service
def member_set_access_end(
    *, actor: Membership, shop: Shop, member: Membership, ends_at: datetime | None
) -> Membership:
    target = ("membership", str(member.pk))
    problem = access.manage_problem(actor, member) if member.pk != actor.pk else None
    if problem:
        refuse(actor=actor, shop=shop, reason=problem, target=target, message=problem)
    if ends_at is not None and ends_at <= timezone.now():
        raise DomainError("Choose a time in the future, or remove the member now.", field="ends_at")
    if member.role.key == roles.OWNER and ends_at is not None:
        raise DomainError("Owners' access cannot end by itself.", field="ends_at")
    with transaction.atomic():
        before = member.access_ends_at
        member.access_ends_at = ends_at
        member.save(update_fields=["access_ends_at"])
        record(
            shop=shop,
            action=events.MEMBER_ACCESS_END_SET,
            actor=actor.user,
            target_type="membership",
            target_id=str(member.pk),
            changes={
                "access_ends_at": {
                    "before": before.isoformat() if before else None,
                    "after": ends_at.isoformat() if ends_at else None,
                }
            },
        )
    return member


def access_expire_due() -> int:
    """End every membership whose end date has passed (run periodically; access is already
    refused at request time from that moment, this ends sessions and tidies up)."""
    with tenancy.unscoped():
        due = list(
            Membership.objects.select_related("shop", "role", "user").filter(
                access_ends_at__lte=timezone.now()
            )
        )
    for member in due:
        with transaction.atomic():
            ended = _end_sessions(member, None)
            record(
                shop=member.shop,
                action=events.MEMBER_ACCESS_EXPIRED,
                subject=member.user,
                target_type="membership",
                target_id=str(member.pk),
                changes={"role": member.role.key, "sessions_ended": ended},
            )
            member.delete()
    return len(due)


@tenancy.shop_service
def ownership_transfer(
    *, actor: Membership, shop: Shop, new_owner: Membership, stay_owner: bool
) -> Membership:
    """Make `new_owner` an owner. Unless `stay_owner`, the actor becomes an Admin. The view
    requires re-authentication; every owner is told by email."""
    target = ("membership", str(new_owner.pk))
    if not access.is_owner(actor):
        refuse(
            actor=actor,
            shop=shop,
            reason="owner only",
            target=target,
            message="Only an owner can transfer ownership.",
        )
    if new_owner.pk == actor.pk:
        raise DomainError("Choose another member to become owner.")
    if not access.is_active(new_owner) or new_owner.access_ends_at is not None:
        raise DomainError("Remove the end date from this member's access first.")
    with tenancy.scope(shop), transaction.atomic():
        owner_role = Role.objects.get(key=roles.OWNER)
        admin_role = Role.objects.get(key=roles.ADMIN)
        before = new_owner.role.key
        new_owner.role = owner_role
        new_owner.save(update_fields=["role"])
        if not stay_owner:
            actor.role = admin_role
            actor.save(update_fields=["role"])
        record(
            shop=shop,
            action=events.OWNERSHIP_TRANSFERRED,
            actor=actor.user,
            target_type="membership",
            target_id=str(new_owner.pk),
            changes={"role": {"before": before, "after": roles.OWNER}, "stayed_owner": stay_owner},
        )
        from sellsafe.shops.tasks import send_ownership_notice

        transaction.on_commit(
            lambda: send_ownership_notice.enqueue(
                shop_id=str(shop.pk),
                new_owner_id=str(new_owner.user_id),
                by_id=str(actor.user_id),
            )
        )
    return new_owner


def membership_touch(*, member: Membership) -> None:
    """Remember when the member last used this shop (for the access review)."""
    now = timezone.now()
    last = member.last_active_at
    if last is None or (now - last).total_seconds() >= TOUCH_RESOLUTION_SECONDS:
        Membership.objects.filter(pk=member.pk).update(last_active_at=now)
        member.last_active_at = now
