"""Reading a shop's activity log: the filtered list, one person's actions, one object's history.

Every query here starts from `shop=`: the audit log is the one shop-related table without the
scoped manager (account-level events have no shop), so these selectors filter explicitly and are
the only way the console reads it. Account-level events (`shop` empty) never appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet

from sellsafe.audit.chain import chain_key
from sellsafe.audit.models import AuditEvent
from sellsafe.core import zones

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
HISTORY_LIMIT = 50


@dataclass(frozen=True, slots=True)
class ActivityFilters:
    """What the person asked to see. `actor` is a user (resolved from a member of the shop by the
    interface layer); dates are calendar days in the time zone `zone` (the shop's), both ends
    included."""

    actor: Any = None
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    since: date | None = None
    until: date | None = None
    zone: str = "UTC"

    def describe(self) -> dict[str, str]:
        """The filters as plain strings, for the export's own audit record."""
        described = {
            "actor": str(self.actor.pk) if self.actor is not None else "",
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "zone": self.zone if (self.since or self.until) else "",
        }
        return {key: value for key, value in described.items() if value}


def shop_activity(*, shop: Any, filters: ActivityFilters | None = None) -> QuerySet[AuditEvent]:
    """The shop's events matching `filters`, newest first."""
    filters = filters or ActivityFilters()
    events = AuditEvent.objects.filter(chain=chain_key(shop.pk), shop=shop).select_related(
        "actor_user", "subject_user", "on_behalf_of"
    )
    if filters.actor is not None:
        events = events.filter(actor_user=filters.actor)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.target_type:
        events = events.filter(target_type=filters.target_type)
    if filters.target_id:
        events = events.filter(target_id=filters.target_id)
    if filters.since:
        events = events.filter(occurred_at__gte=zones.day_start(filters.since, filters.zone))
    if filters.until and filters.until < date.max:
        next_day = filters.until + timedelta(days=1)
        events = events.filter(occurred_at__lt=zones.day_start(next_day, filters.zone))
    return events.order_by("-seq")


# --- Keyset pagination: "older than this event", stable while new events arrive ------------------
# A shop's events form one chain numbered 1, 2, 3, ... in the order they were written (and times
# never go backwards within a chain), so the page after an event is simply "seq below its seq".


def decode_cursor(text: str) -> int | None:
    """The chain position a cursor names, or None for anything that is not one."""
    if not text or len(text) > 20 or not text.isascii() or not text.isdigit():
        return None
    return int(text)


@dataclass(frozen=True, slots=True)
class ActivityPage:
    events: list[AuditEvent]
    next_cursor: str | None  # older events exist after this page
    size: int


def activity_page(
    *,
    shop: Any,
    filters: ActivityFilters | None = None,
    after: str = "",
    size: int = PAGE_SIZE,
) -> ActivityPage:
    """One page of the shop's activity, older than the `after` cursor (first page without one).
    The page size is clamped to 1..MAX_PAGE_SIZE whatever the caller asks for."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    events = shop_activity(shop=shop, filters=filters)
    position = decode_cursor(after)
    if position is not None:
        events = events.filter(seq__lt=position)
    rows = list(events[: size + 1])
    next_cursor = str(rows[size - 1].seq) if len(rows) > size else None
    return ActivityPage(events=rows[:size], next_cursor=next_cursor, size=size)


def shop_event(*, shop: Any, event_id: Any) -> AuditEvent | None:
    """One of the shop's events, or None (another shop's event is simply not there)."""
    return (
        AuditEvent.objects.filter(shop=shop, pk=event_id)
        .select_related("actor_user", "subject_user", "on_behalf_of")
        .first()
    )


def member_activity(*, shop: Any, user: Any, limit: int = 20) -> list[AuditEvent]:
    """What this person did in the shop, newest first."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    return list(shop_activity(shop=shop, filters=ActivityFilters(actor=user))[:limit])


def object_history(
    *, shop: Any, target_type: str, target_id: str, limit: int = HISTORY_LIMIT
) -> list[AuditEvent]:
    """Every recorded change to one object of the shop, newest first (the history panel)."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if not target_type or not target_id:
        return []
    filters = ActivityFilters(target_type=target_type, target_id=str(target_id))
    return list(shop_activity(shop=shop, filters=filters)[:limit])
