"""Reads about accounts for the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession

from sellsafe.accounts.models import User
from sellsafe.audit import events
from sellsafe.audit.selectors import account_activity


@dataclass(frozen=True, slots=True)
class ActivityRow:
    label: str
    action: str
    occurred_at: datetime
    ip: str | None
    user_agent: str
    by_someone_else: bool


def activity_for(*, user: User, limit: int = 100) -> list[ActivityRow]:
    return [
        ActivityRow(
            label=events.LABELS.get(event.action, event.action),
            action=event.action,
            occurred_at=event.occurred_at,
            ip=event.ip,
            user_agent=event.user_agent,
            by_someone_else=event.actor_user_id not in (None, user.pk),
        )
        for event in account_activity(user=user, limit=limit)
    ]


def security_summary(*, user: User) -> dict[str, object]:
    kinds = list(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    factors = [kind for kind in kinds if kind != Authenticator.Type.RECOVERY_CODES]
    return {
        "has_second_factor": bool(factors),
        "factor_count": len(factors),
        "has_passkey": Authenticator.Type.WEBAUTHN in factors,
        "anti_phishing_set": bool(user.anti_phishing_phrase),
        "active_sessions": UserSession.objects.filter(user=user).count(),
        "recent_events": activity_for(user=user, limit=5),
    }
