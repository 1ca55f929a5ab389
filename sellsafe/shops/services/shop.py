"""Creating a shop, editing its details and its security policy."""

from __future__ import annotations

import ipaddress
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import IntegrityError, transaction

from sellsafe.accounts.models import User
from sellsafe.audit.services import record
from sellsafe.core import context, tenancy
from sellsafe.core.errors import DomainError
from sellsafe.shops import access, events, roles
from sellsafe.shops.models import Membership, Role, Shop
from sellsafe.shops.services.refusals import refuse

RESERVED_SLUGS = frozenset({"new", "admin", "api", "static", "accounts", "account", "s", "www"})
DETAIL_FIELDS = ("name", "country", "currency", "timezone", "contact_email")


def _clean_details(details: dict[str, Any]) -> dict[str, str]:
    clean = {key: str(details[key]).strip() for key in DETAIL_FIELDS if key in details}
    if "name" in clean and not 2 <= len(clean["name"]) <= 120:
        raise DomainError("Use a shop name of 2 to 120 characters.", field="name")
    if "country" in clean:
        clean["country"] = clean["country"].upper()
        if not (
            len(clean["country"]) == 2 and clean["country"].isascii() and clean["country"].isalpha()
        ):
            raise DomainError("Use a two-letter country code, like GB or US.", field="country")
    if "currency" in clean:
        clean["currency"] = clean["currency"].upper()
        if not (
            len(clean["currency"]) == 3
            and clean["currency"].isascii()
            and clean["currency"].isalpha()
        ):
            raise DomainError(
                "Use a three-letter currency code, like EUR or USD.", field="currency"
            )
    if "timezone" in clean and clean["timezone"] not in zoneinfo.available_timezones():
        raise DomainError("Choose a time zone from the list, like Europe/Paris.", field="timezone")
    if "contact_email" in clean:
        try:
            validate_email(clean["contact_email"])
        except ValidationError as exc:
            raise DomainError(
                "Enter a valid contact email address.", field="contact_email"
            ) from exc
    return clean


def shop_create(
    *,
    actor: User,
    name: str,
    slug: str,
    country: str,
    currency: str,
    timezone: str,
    contact_email: str,
    phishing_resistant_roles: list[str] | None = None,
) -> Shop:
    """Create a shop with the built-in roles and make `actor` its owner."""
    slug = slug.strip().lower()
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise DomainError(
            "Use lowercase letters, digits and hyphens for the web address.", field="slug"
        ) from exc
    if slug in RESERVED_SLUGS or not 3 <= len(slug) <= 50:
        raise DomainError("Choose another web address (3 to 50 characters).", field="slug")
    details = _clean_details(
        {
            "name": name,
            "country": country,
            "currency": currency,
            "timezone": timezone,
            "contact_email": contact_email,
        }
    )
    chosen = list(phishing_resistant_roles or [])
    if not set(chosen) <= set(roles.BY_KEY):
        raise DomainError("Choose roles from the list.", field="phishing_resistant_roles")
    try:
        with transaction.atomic():
            shop = Shop.objects.create(slug=slug, phishing_resistant_roles=chosen, **details)
            with tenancy.scope(shop):
                created = {
                    builtin.key: Role.objects.create(
                        shop=shop,
                        key=builtin.key,
                        name=builtin.name,
                        codes=sorted(builtin.codes),
                        builtin=True,
                        description=builtin.description,
                    )
                    for builtin in roles.BUILTIN_ROLES
                }
                Membership.objects.create(shop=shop, user=actor, role=created[roles.OWNER])
            record(
                shop=shop,
                action=events.SHOP_CREATED,
                actor=actor,
                target_type="shop",
                target_id=str(shop.pk),
                changes={"name": shop.name, "slug": shop.slug},
            )
    except IntegrityError as exc:
        raise DomainError("That web address is taken. Choose another.", field="slug") from exc
    return shop


@tenancy.shop_service
def shop_update(*, actor: Membership, shop: Shop, details: dict[str, Any]) -> Shop:
    if not access.has_permission(actor, "shop.settings"):
        refuse(actor=actor, shop=shop, reason="shop.settings", target=("shop", str(shop.pk)))
    return _save_changes(
        actor=actor, shop=shop, new=_clean_details(details), action=events.SHOP_UPDATED
    )


def _save_changes(*, actor: Membership, shop: Shop, new: dict[str, Any], action: str) -> Shop:
    """Save the fields that really change, with their before/after in one audit event."""
    changes = {
        key: {"before": getattr(shop, key), "after": value}
        for key, value in new.items()
        if getattr(shop, key) != value
    }
    if not changes:
        return shop
    with transaction.atomic():
        for key in changes:
            setattr(shop, key, new[key])
        shop.save(update_fields=list(changes))
        record(
            shop=shop,
            action=action,
            actor=actor.user,
            target_type="shop",
            target_id=str(shop.pk),
            changes=changes,
        )
    return shop


def parse_ip_allowlist(text: str) -> list[str]:
    """One CIDR range per line; blank lines and #-comments ignored. Raises DomainError."""
    networks: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            networks.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError as exc:
            raise DomainError(
                f"Line {number} is not an IP address or range (like 203.0.113.0/24).",
                field="ip_allowlist",
            ) from exc
    if len(networks) > 100:
        raise DomainError("Use at most 100 ranges.", field="ip_allowlist")
    return networks


def ip_allowed(ip: str, networks: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in networks)


@tenancy.shop_service
def policy_update(
    *,
    actor: Membership,
    shop: Shop,
    phishing_resistant_roles: list[str],
    session_max_minutes: int | None,
    ip_allowlist: str,
) -> Shop:
    """Owners only. An allow-list that would lock out the owner making the change is refused."""
    if not access.is_owner(actor):
        refuse(actor=actor, shop=shop, reason="owner only", target=("shop", str(shop.pk)))
    with tenancy.scope(shop):
        known_keys = set(Role.objects.values_list("key", flat=True))
    if not set(phishing_resistant_roles) <= known_keys:
        raise DomainError("Choose roles from the list.", field="phishing_resistant_roles")
    if session_max_minutes is not None and not 5 <= session_max_minutes <= 720:
        raise DomainError(
            "Use a session length between 5 and 720 minutes, or leave it empty.",
            field="session_max_minutes",
        )
    networks = parse_ip_allowlist(ip_allowlist)
    here = context.current().ip
    if networks and here and not ip_allowed(here, networks):
        raise DomainError(
            f"Your current address ({here}) is not in the list: add it, or you would lock "
            "yourself out.",
            field="ip_allowlist",
        )
    new = {
        "phishing_resistant_roles": sorted(set(phishing_resistant_roles)),
        "session_max_minutes": session_max_minutes,
        "ip_allowlist": "\n".join(networks),
    }
    return _save_changes(actor=actor, shop=shop, new=new, action=events.POLICY_CHANGED)
