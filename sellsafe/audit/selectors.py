"""Reading the audit log."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sellsafe.audit import events
from sellsafe.audit.models import AuditEvent


def account_activity(*, user: Any, limit: int = 100) -> QuerySet[AuditEvent]:
    """The account's own authentication history, newest first."""
    return AuditEvent.objects.filter(subject_user=user).order_by("-occurred_at")[:limit]


def has_signed_in_from(*, user: Any, ip: str | None = None, device: str | None = None) -> bool:
    logins = AuditEvent.objects.filter(subject_user=user, action=events.LOGIN_SUCCEEDED)
    if ip is not None:
        logins = logins.filter(ip=ip)
    if device is not None:
        logins = logins.filter(device=device)
    return logins.exists()
