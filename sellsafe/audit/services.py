"""The one way to write an audit event: `record(...)`, called inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from sellsafe.audit.models import ActorType, AuditEvent
from sellsafe.core import context

# Values under these keys never reach the log, whatever a caller passes.
_SECRET_KEYS = frozenset({"password", "secret", "token", "code", "seed", "phrase", "key"})


def _clean_changes(changes: dict[str, Any] | None) -> dict[str, Any]:
    if not changes:
        return {}
    return {
        key: ("[redacted]" if any(s in key.lower() for s in _SECRET_KEYS) else value)
        for key, value in changes.items()
    }


def record(
    *,
    action: str,
    actor: Any = None,
    subject: Any = None,
    target_type: str = "",
    target_id: str = "",
    changes: dict[str, Any] | None = None,
    device: str = "",
) -> AuditEvent:
    """Append one event. `actor` is a user or None (the system); `subject` the account concerned."""
    ctx = context.current()
    actor_user = actor if actor is not None and getattr(actor, "pk", None) else None
    return AuditEvent.objects.create(
        occurred_at=timezone.now(),
        actor_type=ActorType.USER if actor_user else ActorType.SYSTEM,
        actor_user=actor_user,
        subject_user=subject if subject is not None else actor_user,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        changes=_clean_changes(changes),
        ip=ctx.ip,
        user_agent=ctx.user_agent,
        request_id=ctx.request_id if ctx.request_id != "-" else "",
        device=device,
    )
