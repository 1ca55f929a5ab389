"""Reads about shops and staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.mfa.models import Authenticator
from django.db.models import Count, Max, Q
from django.utils import timezone

from sellsafe.accounts.models import User
from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.shops import access, roles
from sellsafe.shops.models import Invitation, Membership, Role, Shop
from sellsafe.shops.permissions import PERMISSIONS

STALE_AFTER = timedelta(days=30)
UNUSED_POWER_AFTER = timedelta(days=90)
SENSITIVE_CODES = frozenset(p.code for p in PERMISSIONS if p.sensitive)


def shops_for_user(*, user: User) -> list[Membership]:
    """The person's active memberships in every shop, for the shop switcher."""
    with tenancy.unscoped():
        memberships = list(
            Membership.objects.select_related("shop", "role")
            .filter(user=user)
            .order_by("shop__name")
        )
    return [m for m in memberships if access.is_active(m)]


def membership_for(*, slug: str, user: User) -> Membership | None:
    """The person's active membership in the shop with this slug, or None for any reason."""
    if not slug or len(slug) > 50:
        return None
    with tenancy.unscoped():
        membership = (
            Membership.objects.select_related("shop", "role")
            .filter(shop__slug=slug, user=user)
            .first()
        )
    if membership is None or not access.is_active(membership):
        return None
    return membership


def shop_by_slug(*, slug: str) -> Shop | None:
    return Shop.objects.filter(slug=slug).first() if slug and len(slug) <= 50 else None


# Lookups by id go through the scoped managers: another shop's id is simply not found.
def member_by_id(member_id: object) -> Membership | None:
    return Membership.objects.select_related("user", "role").filter(pk=member_id).first()


def role_by_id(role_id: object) -> Role | None:
    return Role.objects.filter(pk=role_id).first()


def invitation_by_id(invitation_id: object) -> Invitation | None:
    return Invitation.objects.select_related("role").filter(pk=invitation_id).first()


def roles_of_shop() -> list[Role]:
    return list(Role.objects.order_by("-builtin", "name"))


def grantable_roles(*, actor: Membership) -> list[Role]:
    return [role for role in roles_of_shop() if access.grant_problem(actor, role) is None]


def staff() -> list[Membership]:
    return list(Membership.objects.select_related("user", "role").order_by("user__email"))


def pending_invitations() -> list[Invitation]:
    return list(
        Invitation.objects.select_related("role", "created_by")
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
    )


@dataclass(frozen=True, slots=True)
class ReviewRow:
    membership: Membership
    last_sign_in: datetime | None
    last_shop_activity: datetime | None
    has_second_factor: bool
    has_passkey: bool
    stale: bool
    over_privileged: bool
    reasons: tuple[str, ...]


def access_review(*, shop: Shop) -> list[ReviewRow]:
    """Who holds which role, when they last acted, whether their sign-in is strong, and flags
    for stale (no sign-in for 30 days) and over-privileged (powerful role, unused for 90 days)
    members."""
    members = staff()
    user_ids = [m.user_id for m in members]
    factors: dict[object, set[str]] = {}
    for user_id, kind in Authenticator.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "type"
    ):
        factors.setdefault(user_id, set()).add(kind)
    now = timezone.now()
    recent_actions = dict(
        AuditEvent.objects.filter(
            shop=shop, actor_user_id__in=user_ids, occurred_at__gte=now - UNUSED_POWER_AFTER
        )
        .values("actor_user_id")
        .annotate(n=Count("id"))
        .values_list("actor_user_id", "n")
    )
    last_acted = dict(
        AuditEvent.objects.filter(shop=shop, actor_user_id__in=user_ids)
        .values("actor_user_id")
        .annotate(last=Max("occurred_at"))
        .values_list("actor_user_id", "last")
    )
    rows = []
    for member in members:
        kinds = factors.get(member.user_id, set())
        last_login = member.user.last_login
        stale = last_login is None or now - last_login > STALE_AFTER
        powerful = member.role.key in (roles.OWNER, roles.ADMIN) or bool(
            member.role.code_set & SENSITIVE_CODES
        )
        settled = now - member.created_at > UNUSED_POWER_AFTER
        over = powerful and settled and not recent_actions.get(member.user_id)
        reasons = []
        if stale:
            reasons.append("No sign-in for 30 days")
        if over:
            reasons.append("Powerful role unused for 90 days: consider a smaller role")
        if not kinds - {Authenticator.Type.RECOVERY_CODES}:
            reasons.append("No second factor")
        rows.append(
            ReviewRow(
                membership=member,
                last_sign_in=last_login,
                last_shop_activity=max(
                    filter(None, (member.last_active_at, last_acted.get(member.user_id))),
                    default=None,
                ),
                has_second_factor=bool(kinds - {Authenticator.Type.RECOVERY_CODES}),
                has_passkey=Authenticator.Type.WEBAUTHN in kinds,
                stale=stale,
                over_privileged=over,
                reasons=tuple(reasons),
            )
        )
    return rows


def owners_count() -> int:
    return Membership.objects.filter(role__key=roles.OWNER).count()


def has_any_shop(*, user: User) -> bool:
    with tenancy.unscoped():
        return Membership.objects.filter(Q(user=user)).exists()


def shop_names_for_password_check(user: User) -> list[str]:
    """A shop's name and address are among the first guesses against its staff's passwords."""
    return [word for m in shops_for_user(user=user) for word in (m.shop.name, m.shop.slug)]
