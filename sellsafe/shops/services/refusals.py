"""Refusing an action: the refusal is audited in its own transaction, then NotAllowed is raised.

The caller's transaction (if any) rolls back with the exception, so the audit event must be
committed separately or it would vanish with it.
"""

from __future__ import annotations

from typing import NoReturn

from django.db import transaction

from sellsafe.audit.services import record
from sellsafe.core.errors import NotAllowed
from sellsafe.shops import events
from sellsafe.shops.models import Membership, Shop

GENERIC = "You do not have permission to do that in this shop."


def refuse(
    *,
    actor: Membership,
    shop: Shop,
    reason: str,
    target: tuple[str, str],
    message: str = GENERIC,
    action: str = events.ESCALATION_REFUSED,
) -> NoReturn:
    with transaction.atomic():
        record(
            shop=shop,
            action=action,
            actor=actor.user,
            target_type=target[0],
            target_id=target[1],
            changes={"reason": reason},
        )
    raise NotAllowed(message)
