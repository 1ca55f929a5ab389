"""Reading notifications: a member sees only those whose permission they hold."""

from __future__ import annotations

from django.db.models import QuerySet

from sellsafe.notifications.models import Notification
from sellsafe.shops import access
from sellsafe.shops.models import Membership

RECENT_LIMIT = 50


def recent_for(membership: Membership, *, limit: int = RECENT_LIMIT) -> list[Notification]:
    """The newest notifications of the active shop scope that `membership` may see."""
    if not access.is_active(membership):
        return []
    codes = sorted(membership.role.code_set)
    queryset: QuerySet[Notification] = Notification.objects.filter(
        shop_id=membership.shop_id, permission__in=codes
    ).order_by("-created_at", "-id")
    return list(queryset[:limit])
