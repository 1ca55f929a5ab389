"""Writing the audit log: `record(...)` appends one event inside the caller's transaction;
`prune_events(...)` deletes events past the retention period, leaving a signed checkpoint.

Call `record()` late in a service's transaction: it locks the chain's head row until the
transaction ends, so every other writer to the same chain (the same shop, or every account-level
event) waits for it.
"""

from __future__ import annotations

import functools
import ipaddress
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import takewhile
from typing import Any, Required, TypedDict, Unpack

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sellsafe.audit import checkpoints, events
from sellsafe.audit.chain import (
    CONTENT_COLUMNS,
    advance_head,
    advance_statement,
    canonical,
    chain_key,
    chains,
    format_time,
    link,
    lock_head,
)
from sellsafe.audit.models import (
    ACCOUNT_CHAIN,
    ActorType,
    AuditEvent,
    AuditPrunePermit,
)
from sellsafe.core import context
from sellsafe.core.inserts import PreparedRows, insert_groups, insert_rows

# Values under keys containing these words never reach the log, whatever a caller passes, at any
# depth of `changes`.
_SECRET_KEYS = frozenset({"password", "secret", "token", "code", "seed", "phrase", "key"})
REDACTED = "[redacted]"
USER_AGENT_MAX = 300
REQUEST_ID_MAX = 32
DEFAULT_RETENTION_DAYS = 730


@functools.lru_cache(maxsize=4096)
def _is_secret(key: str) -> bool:
    # Cached: a bulk write's events repeat the same few keys hundreds of thousands of times.
    lowered = key.lower()
    return any(word in lowered for word in _SECRET_KEYS)


# Values that are already plain JSON as they are (exact types: a str or int subclass, such as a
# TextChoices member or a bool, takes the general path below).
_AS_IS = frozenset({str, int, type(None)})


def _plain(value: Any) -> Any:
    """Plain JSON that survives the database unchanged: str keys, lists, whole floats as ints,
    secrets redacted. Decimals, UUIDs and dates become strings."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is dict:
        # The common case inlined (the lines of a bulk change: dicts of str and int).
        return {
            (key if type(key) is str else str(key)): (
                REDACTED
                if _is_secret(key if type(key) is str else str(key))
                else item
                if type(item) in _AS_IS
                else _plain(item)
            )
            for key, item in value.items()
        }
    if kind is list:
        return [item if type(item) in _AS_IS else _plain(item) for item in value]
    return _plain_other(value)


def _plain_other(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            str(key): REDACTED if _is_secret(str(key)) else _plain(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return int(value) if value.is_integer() else value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_time(value)
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else str(value)


def _clean_changes(changes: dict[str, Any] | None) -> dict[str, Any]:
    if not changes:
        return {}
    cleaned: dict[str, Any] = _plain(dict(changes))
    return cleaned


def _valid_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        return None
    return ip


def _pk(obj: Any) -> Any:
    return getattr(obj, "pk", None) if obj is not None else None


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event with everything but its place in the chain (seq, time, hashes)."""

    chain: str
    fields: dict[str, Any]


class EventArguments(TypedDict, total=False):
    """What `record` and `pending_event` take (only `action` is required)."""

    action: Required[str]
    actor: Any
    subject: Any
    target_type: str
    target_id: str
    changes: dict[str, Any] | None
    device: str
    shop: Any
    on_behalf_of: Any
    actor_token_id: str


_ARGUMENTS = frozenset(EventArguments.__annotations__)


def pending_event(**event: Unpack[EventArguments]) -> PendingEvent:
    """The event `record` appends (same arguments), before the chain is locked."""
    unknown = event.keys() - _ARGUMENTS
    if unknown:  # a misspelt argument must not silently drop data from the log
        raise TypeError(f"record() got unexpected arguments: {', '.join(sorted(unknown))}")
    ctx = context.current()
    actor_user_id = _pk(event.get("actor"))
    shop = event.get("shop")
    shop_id = _pk(shop)
    actor_token_id = event.get("actor_token_id", "")
    subject = event.get("subject")
    if shop is not None and shop_id is None:
        raise ValueError("record(shop=...) needs a saved shop.")
    if actor_token_id:
        actor_type = ActorType.API_TOKEN
    elif actor_user_id is not None:
        actor_type = ActorType.USER
    else:
        actor_type = ActorType.SYSTEM
    subject_user_id = _pk(subject) if subject is not None else actor_user_id
    fields: dict[str, Any] = {
        "shop_id": shop_id,
        "actor_type": str(actor_type),
        "actor_user_id": actor_user_id,
        "actor_token_id": actor_token_id,
        "on_behalf_of_id": _pk(event.get("on_behalf_of")),
        "subject_user_id": subject_user_id,
        "action": event["action"],
        "target_type": event.get("target_type", ""),
        "target_id": str(event.get("target_id", "")),
        "changes": _clean_changes(event.get("changes")),
        "ip": _valid_ip(ctx.ip),
        "user_agent": (ctx.user_agent or "")[:USER_AGENT_MAX],
        "request_id": ctx.request_id[:REQUEST_ID_MAX] if ctx.request_id != "-" else "",
        "device": event.get("device", ""),
    }
    return PendingEvent(chain=chain_key(shop_id), fields=fields)


def _chained(pending: PendingEvent, head: tuple[int, str]) -> AuditEvent:
    """The pending event as the chain's next one after `head` (seq, hash), which the caller has
    locked; not yet written. Its time is taken now, under that lock, so times never go backwards
    within a chain."""
    head_seq, head_hash = head
    event_id = uuid.uuid4()
    seq = head_seq + 1
    occurred_at = timezone.now()
    values = {
        "id": event_id,
        "chain": pending.chain,
        "seq": seq,
        "occurred_at": occurred_at,
        **pending.fields,
    }
    digest = link(head_hash, canonical([values[column] for column in CONTENT_COLUMNS]))
    return AuditEvent(
        id=event_id,
        chain=pending.chain,
        seq=seq,
        occurred_at=occurred_at,
        prev_hash=head_hash,
        hash=digest,
        **pending.fields,
    )


def record(**event: Unpack[EventArguments]) -> AuditEvent:
    """Append one event to its chain (the shop's, or the account chain when `shop` is None).

    `actor` is a user or None (the system); `actor_token_id` names the API token that acted
    (then `on_behalf_of` is usually the token's owner); `subject` is the account concerned
    (defaults to the acting user). Where from (IP, user agent, request id) comes from
    `core.context`. Runs in the caller's transaction, or in its own if there is none.
    """
    pending = pending_event(**event)
    with transaction.atomic(savepoint=False):
        written = _chained(pending, lock_head(pending.chain))
        insert_rows([written])  # every audited write comes here: no query compiler per event
        advance_head(pending.chain, seq=written.seq, hash=written.hash)
    return written


def record_locked(
    pending: PendingEvent, head: tuple[int, str], *rows: Sequence[Any] | PreparedRows
) -> AuditEvent:
    """Append `pending` as the next event after `head` (seq, hash) of its chain, whose head row
    the caller has already locked in this transaction (with `chain.lock_statement`, sent along
    with its own statements), and write `rows` (groups of other rows) before it: on PostgreSQL
    all in one round trip. For a hot path that must hold its locks briefly (checkout)."""
    written = _chained(pending, head)
    insert_groups(
        *rows,
        [written],
        then=[advance_statement(written.chain, seq=written.seq, hash=written.hash)],
    )
    return written


# --- Retention ---------------------------------------------------------------------------------


def retention_days() -> int:
    """SELLSAFE_AUDIT_RETENTION_DAYS (default 730: two years)."""
    return int(getattr(settings, "SELLSAFE_AUDIT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


@dataclass(frozen=True)
class PruneResult:
    chain: str
    deleted: int
    through_seq: int


def prune_events(*, before: datetime, batch_size: int = 5000) -> list[PruneResult]:
    """Delete, chain by chain, the events that occurred before `before`.

    Only a prefix of each chain is deleted (up to the first event at or after `before`), in
    batches: each batch is one transaction that locks the chain, stores a signed AuditCheckpoint
    for its last event, and deletes under a permit row it removes again. The last batch of a
    chain records an `audit.pruned` event in that chain, so pruning is itself audited.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    results = []
    for key in chains():
        result = _prune_chain(key, before=before, batch_size=batch_size)
        if result.deleted:
            results.append(result)
    return results


def _prune_chain(key: str, *, before: datetime, batch_size: int) -> PruneResult:
    deleted = 0
    through = 0
    done = False
    while not done:
        with transaction.atomic():
            lock_head(key)
            batch = (
                AuditEvent.objects.filter(chain=key)
                .order_by("seq")
                .values_list("seq", "hash", "occurred_at")[:batch_size]
            )
            old = list(takewhile(lambda row: row[2] < before, batch))
            if old:
                through, last_hash, _ = old[-1]
                checkpoints.write_prune_checkpoint(chain=key, seq=through, hash=last_hash)
                permit = AuditPrunePermit.objects.create(chain=key, through_seq=through)
                count, _ = AuditEvent.objects.filter(chain=key, seq__lte=through).delete()
                AuditPrunePermit.objects.filter(pk=permit.pk).delete()
                deleted += count
            done = len(old) < batch_size
            if done and deleted:
                record(
                    action=events.AUDIT_PRUNED,
                    shop=_shop(key),
                    target_type="audit_chain",
                    target_id=key,
                    changes={
                        "events": deleted,
                        "through_seq": through,
                        "older_than": format_time(before),
                    },
                )
    return PruneResult(key, deleted, through)


def _shop(key: str) -> Any:
    if key == ACCOUNT_CHAIN:
        return None
    shop_model: Any = AuditEvent._meta.get_field("shop").related_model
    return shop_model._default_manager.get(pk=key)
