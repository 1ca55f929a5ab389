"""Custom roles: sets of permission codes built by an owner."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from sellsafe.audit.services import record
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.shops import access, events
from sellsafe.shops.models import Membership, Role, Shop
from sellsafe.shops.permissions import CODES
from sellsafe.shops.services.refusals import refuse
from sellsafe.shops.services.staff import end_sessions_of_role


def _clean(name: str, codes: list[str]) -> tuple[str, list[str]]:
    name = name.strip()
    if not 2 <= len(name) <= 80:
        raise DomainError("Use a role name of 2 to 80 characters.", field="name")
    unknown = set(codes) - CODES
    if unknown:
        raise DomainError("Choose permissions from the list.", field="codes")
    chosen = sorted(set(codes) | {"shop.view"})  # every role can at least open the shop
    return name, chosen


@tenancy.shop_service
def role_create(*, actor: Membership, shop: Shop, name: str, codes: list[str]) -> Role:
    if not access.is_owner(actor):
        refuse(
            actor=actor,
            shop=shop,
            reason="owner only",
            target=("role", "new"),
            message="Only an owner can create roles.",
        )
    name, chosen = _clean(name, codes)
    key = "custom-" + (slugify(name)[:50] or "role")
    try:
        with transaction.atomic():
            role = Role.objects.create(shop=shop, key=key, name=name, codes=chosen)
            record(
                shop=shop,
                action=events.ROLE_CREATED,
                actor=actor.user,
                target_type="role",
                target_id=str(role.pk),
                changes={"name": name, "codes": chosen},
            )
    except IntegrityError as exc:
        raise DomainError(
            "A role with a similar name exists. Choose another.", field="name"
        ) from exc
    return role


@tenancy.shop_service
def role_update(*, actor: Membership, shop: Shop, role: Role, name: str, codes: list[str]) -> Role:
    """Edit a custom role. Members holding it lose removed permissions at once (checked per
    request); their sessions end when access is removed."""
    if not access.is_owner(actor):
        refuse(
            actor=actor,
            shop=shop,
            reason="owner only",
            target=("role", str(role.pk)),
            message="Only an owner can change roles.",
        )
    if role.builtin:
        raise DomainError("Built-in roles cannot be changed; create a custom role instead.")
    name, chosen = _clean(name, codes)
    before = list(role.codes)
    removed = set(before) - set(chosen)
    with transaction.atomic():
        role.name, role.codes = name, chosen
        role.save(update_fields=["name", "codes"])
        ended = 0
        if removed:
            ended = end_sessions_of_role(role=role, actor=actor)
        record(
            shop=shop,
            action=events.ROLE_UPDATED,
            actor=actor.user,
            target_type="role",
            target_id=str(role.pk),
            changes={"codes": {"before": before, "after": chosen}, "sessions_ended": ended},
        )
    return role
