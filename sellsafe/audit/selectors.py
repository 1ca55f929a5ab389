"""Reading the audit log. AuditEvent is not shop-scoped (account-level events have no shop):
every read here filters by shop or by account explicitly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet

from sellsafe.audit import events
from sellsafe.audit.models import ACCOUNT_CHAIN, AuditEvent


def account_activity(*, user: Any, limit: int = 100) -> QuerySet[AuditEvent]:
    """The account's own authentication history, newest first."""
    return AuditEvent.objects.filter(subject_user=user).order_by("-occurred_at")[:limit]


def shop_activity(*, shop: Any, limit: int = 100) -> QuerySet[AuditEvent]:
    """The shop's activity log, newest first."""
    return AuditEvent.objects.filter(shop=shop).order_by("-occurred_at")[:limit]


def has_signed_in_from(*, user: Any, ip: str | None = None, device: str | None = None) -> bool:
    logins = AuditEvent.objects.filter(subject_user=user, action=events.LOGIN_SUCCEEDED)
    if ip is not None:
        logins = logins.filter(ip=ip)
    if device is not None:
        logins = logins.filter(device=device)
    return logins.exists()


def _shop_model() -> Any:
    # Through the foreign key rather than an import: shops depends on audit, not the reverse.
    return AuditEvent._meta.get_field("shop").related_model


def shop_id_for_slug(*, slug: str) -> Any:
    """The id of the shop with this slug, or None."""
    return _shop_model()._default_manager.filter(slug=slug).values_list("pk", flat=True).first()


def shop_slugs(*, chains: list[str]) -> dict[str, str]:
    """Chain key -> shop slug, for the shop chains among `chains` (labels in command output)."""
    ids = [key for key in chains if key != ACCOUNT_CHAIN]
    if not ids:
        return {}
    rows = _shop_model()._default_manager.filter(pk__in=ids).values_list("pk", "slug")
    return {str(pk): slug for pk, slug in rows}


def prunable_counts(*, before: datetime) -> dict[str, int]:
    """Events per chain that occurred before `before` (what `audit prune` would delete)."""
    rows = (
        AuditEvent.objects.filter(occurred_at__lt=before)
        .order_by()
        .values("chain")
        .annotate(n=Count("id"))
        .values_list("chain", "n")
    )
    return dict(sorted(rows))
