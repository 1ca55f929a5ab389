"""Exporting a shop's activity log as spreadsheet rows. Exporting is itself audited.

Cells are neutralised against formula injection: a value an attacker controls (a user agent, a
shop name in `changes`, a target id) that starts with = + - @ or a tab/carriage return would be
run as a formula by a spreadsheet; such cells get a leading single quote, which spreadsheets show
as text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from sellsafe.audit.activity import ActivityFilters, shop_activity
from sellsafe.audit.models import AuditEvent
from sellsafe.audit.services import record

ACTIVITY_EXPORTED = "audit.exported"
LABELS: dict[str, str] = {ACTIVITY_EXPORTED: "Activity log exported"}

HEADER = [
    "occurred_at_utc",
    "action",
    "action_label",
    "actor_type",
    "actor",
    "actor_token",
    "on_behalf_of",
    "subject",
    "target_type",
    "target_id",
    "changes",
    "ip",
    "user_agent",
    "request_id",
    "event_id",
    "seq",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CHUNK = 1000


def neutralise(value: str) -> str:
    """A cell a spreadsheet will show as text, never evaluate."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _email(user: Any) -> str:
    return str(getattr(user, "email", "")) if user is not None else ""


def _row(event: AuditEvent, labels: Mapping[str, str]) -> list[str]:
    actor = _email(event.actor_user)
    subject = _email(event.subject_user)
    cells = [
        event.occurred_at.isoformat(),
        event.action,
        labels.get(event.action, ""),
        event.actor_type,
        actor,
        event.actor_token_id,
        _email(event.on_behalf_of),
        subject if subject != actor else "",
        event.target_type,
        event.target_id,
        json.dumps(event.changes, sort_keys=True, ensure_ascii=False, default=str)
        if event.changes
        else "",
        event.ip or "",
        event.user_agent,
        event.request_id,
        str(event.pk),
        str(event.seq),
    ]
    return [neutralise(cell) for cell in cells]


def _rows(events: QuerySet[AuditEvent], labels: Mapping[str, str]) -> Iterator[list[str]]:
    yield list(HEADER)
    for event in events.iterator(chunk_size=_CHUNK):
        yield _row(event, labels)


def activity_export(
    *,
    actor: Any,
    shop: Any,
    filters: ActivityFilters,
    labels: Mapping[str, str] | None = None,
) -> Iterator[list[str]]:
    """Record the export (with the filters used), then return the rows to stream: the header,
    then the matching events, newest first. The caller has checked `audit.export`."""
    with transaction.atomic():
        record(
            shop=shop,
            action=ACTIVITY_EXPORTED,
            actor=actor,
            target_type="shop",
            target_id=str(shop.pk),
            changes={"filters": filters.describe()},
        )
    return _rows(shop_activity(shop=shop, filters=filters), labels or {})
