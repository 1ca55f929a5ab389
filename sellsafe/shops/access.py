"""Who may do what in a shop: permission checks and the rules for granting roles."""

from __future__ import annotations

from django.utils import timezone

from sellsafe.shops import roles
from sellsafe.shops.models import Membership, Role


def is_active(membership: Membership) -> bool:
    """Access with an end date ends by itself at that moment, whether or not a job has run."""
    ends = membership.access_ends_at
    return ends is None or ends > timezone.now()


def has_permission(membership: Membership | None, code: str) -> bool:
    return bool(membership and is_active(membership) and code in membership.role.code_set)


def is_owner(membership: Membership | None) -> bool:
    return bool(membership and is_active(membership) and membership.role.key == roles.OWNER)


def grant_problem(actor: Membership, role: Role) -> str | None:
    """Why `actor` may not give `role` to someone, or None if they may."""
    if not has_permission(actor, "staff.manage"):
        return "You do not have permission to manage staff in this shop."
    if role.key in roles.OWNER_GRANTED and not is_owner(actor):
        return f"Only an owner can give someone the {role.name} role."
    extra = role.code_set - actor.role.code_set
    if extra:
        return f"The {role.name} role includes access you do not have yourself."
    return None


def manage_problem(actor: Membership, member: Membership) -> str | None:
    """Why `actor` may not change or remove `member`, or None if they may."""
    if not has_permission(actor, "staff.manage"):
        return "You do not have permission to manage staff in this shop."
    if member.role.key in roles.OWNER_GRANTED and not is_owner(actor):
        return f"Only an owner can change or remove a member with the {member.role.name} role."
    if member.role.code_set - actor.role.code_set:
        return "This member has access you do not have yourself, so you cannot change it."
    return None
