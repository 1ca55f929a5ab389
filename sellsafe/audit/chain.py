"""The hash chain: canonical form of an event, hashing, and verification.

Canonical form (version 1) of an event: a JSON object with exactly these keys

    action, actor_token, actor_type, actor_user, chain, changes, device, id, ip, occurred_at,
    on_behalf_of, request_id, seq, shop, subject_user, target_id, target_type, user_agent, v

serialised with sorted keys, no whitespace (separators "," and ":"), ASCII only (every other
character as a \\uXXXX escape), NaN and infinities refused. Values:
- ids (id, shop, actor_user, on_behalf_of, subject_user) as str (UUIDs lower-case with hyphens),
  or null; `seq` and `v` (= 1) as JSON integers; every other text column as a string;
- occurred_at in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always six fraction digits);
- ip: IPv4 dotted quad; IPv6 as eight groups of four lower-case hex digits; null when empty;
- changes: the stored JSON value (record() has already made it plain JSON: str keys, lists,
  whole floats as integers, so the database round trip cannot change it).

hash = hex SHA-256( 32 raw bytes of the previous event's hash || UTF-8 canonical form ).
The first event of a chain links to 64 zeros (GENESIS_HASH), or, after pruning, to the hash
in the chain's newest AuditCheckpoint. Chains: the shop's id (str), or "account".

Verification streams each chain in sequence order with `values_list` + `iterator` and stops at
the first broken link; it never loads a chain into memory.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connections, router, transaction

from sellsafe.audit.models import (
    ACCOUNT_CHAIN,
    GENESIS_HASH,
    AuditChainHead,
    AuditCheckpoint,
    AuditEvent,
)

CANONICAL_VERSION = 1
DEFAULT_CHUNK_SIZE = 5000

# The content columns, in the order `canonical()` takes them (values_list order in verify).
CONTENT_COLUMNS = (
    "id",
    "chain",
    "seq",
    "occurred_at",
    "shop_id",
    "actor_type",
    "actor_user_id",
    "actor_token_id",
    "on_behalf_of_id",
    "subject_user_id",
    "action",
    "target_type",
    "target_id",
    "changes",
    "ip",
    "user_agent",
    "request_id",
    "device",
)
_VERIFY_COLUMNS = (*CONTENT_COLUMNS, "prev_hash", "hash")
_PREV = len(CONTENT_COLUMNS)
_HASH = _PREV + 1
_SEQ = CONTENT_COLUMNS.index("seq")
_ID = CONTENT_COLUMNS.index("id")

_dumps = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
).encode


def chain_key(shop_id: object | None) -> str:
    """The chain an event belongs to: its shop's id, or "account" for shop-less events."""
    return ACCOUNT_CHAIN if shop_id is None else str(shop_id)


def format_time(moment: datetime) -> str:
    """UTC, ISO 8601, always microseconds, `Z` suffix: one spelling per instant."""
    offset = moment.utcoffset()
    if offset:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_ip(value: object) -> str | None:
    if not value:
        return None
    text = str(value)
    if ":" not in text:
        # A valid IPv4 address has one spelling (ipaddress refuses leading zeros), and anything
        # else is kept as it is: either way the text is its canonical form.
        return text
    return _canonical_ipv6(text)


@functools.lru_cache(maxsize=4096)
def _canonical_ipv6(text: str) -> str:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text
    packed = address.packed
    return ":".join(packed[i : i + 2].hex() for i in range(0, 16, 2))


def canonical(row: Sequence[Any]) -> bytes:
    """The canonical form of an event given its CONTENT_COLUMNS values (see the module doc)."""
    (
        event_id,
        chain,
        seq,
        occurred_at,
        shop_id,
        actor_type,
        actor_user_id,
        actor_token_id,
        on_behalf_of_id,
        subject_user_id,
        action,
        target_type,
        target_id,
        changes,
        ip,
        user_agent,
        request_id,
        device,
    ) = row[: len(CONTENT_COLUMNS)]
    document = {
        "v": CANONICAL_VERSION,
        "id": str(event_id),
        "chain": chain,
        "seq": seq,
        "occurred_at": format_time(occurred_at),
        "shop": None if shop_id is None else str(shop_id),
        "actor_type": actor_type,
        "actor_user": None if actor_user_id is None else str(actor_user_id),
        "actor_token": actor_token_id,
        "on_behalf_of": None if on_behalf_of_id is None else str(on_behalf_of_id),
        "subject_user": None if subject_user_id is None else str(subject_user_id),
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "changes": changes,
        "ip": canonical_ip(ip),
        "user_agent": user_agent,
        "request_id": request_id,
        "device": device,
    }
    return _dumps(document).encode("ascii")


def link(prev_hash: str, content: bytes) -> str:
    """hash = SHA-256(previous hash as 32 raw bytes || canonical content), hex."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + content).hexdigest()


# --- Writing: the chain head ------------------------------------------------------------------


def lock_head(chain: str) -> tuple[int, str]:
    """Lock the chain's head row (creating it on first use) for the rest of the transaction and
    return its (seq, hash).

    PostgreSQL: SELECT ... FOR UPDATE serialises writers of one chain. SQLite has no FOR UPDATE;
    its writers are already serialised by BEGIN IMMEDIATE (transaction_mode=IMMEDIATE). Two first
    writers of a new chain both INSERT ... ON CONFLICT DO NOTHING: the second waits for the first
    to commit, inserts nothing and then locks the row the first one wrote. Plain SQL: this runs
    on every audited write, and the ORM's query building costs more than the query here.
    """
    connection = connections[router.db_for_write(AuditChainHead)]
    sql, params = lock_statement(chain)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            AuditChainHead.objects.bulk_create(
                [AuditChainHead(chain=chain, seq=0, hash=GENESIS_HASH)], ignore_conflicts=True
            )
            cursor.execute(sql, params)
            row = cursor.fetchone()
    return int(row[0]), str(row[1])


def lock_statement(chain: str) -> tuple[str, list[Any]]:
    """The statement of lock_head (SELECT seq, hash, locking on PostgreSQL) for a caller that
    sends it with others in one round trip; its one row, if any, is the head. Without a row the
    chain is new: call lock_head, which creates it."""
    connection = connections[router.db_for_write(AuditChainHead)]
    sql = _LOCK_SQL + (" FOR UPDATE" if connection.features.has_select_for_update else "")
    return sql, [chain]


def advance_statement(chain: str, *, seq: int, hash: str) -> tuple[str, list[Any]]:
    """The statement of advance_head, to send with others in one round trip."""
    return _ADVANCE_SQL, [seq, hash, chain]


def advance_head(chain: str, *, seq: int, hash: str) -> None:
    """Record the chain's new last event (the row is locked by lock_head in this transaction)."""
    connection = connections[router.db_for_write(AuditChainHead)]
    with connection.cursor() as cursor:
        cursor.execute(*advance_statement(chain, seq=seq, hash=hash))


_LOCK_SQL = "SELECT seq, hash FROM audit_chain_head WHERE chain = %s"
_ADVANCE_SQL = "UPDATE audit_chain_head SET seq = %s, hash = %s WHERE chain = %s"


# --- Verification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    chain: str
    seq: int | None
    event_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"chain {self.chain}"
        if self.seq is not None:
            where += f", seq {self.seq}"
        if self.event_id:
            where += f", event {self.event_id}"
        return f"{where}: {self.message}"


@dataclass
class ChainReport:
    chain: str
    events: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    last_hash: str = GENESIS_HASH
    pruned_through: int = 0
    start_hash: str = GENESIS_HASH  # what the first remaining event links to
    problem: Problem | None = None
    # (seq, hash) pairs the caller asked to look up on the way (checkpoint files).
    seen: dict[int, str] = field(default_factory=dict)


def start_of(chain: str, *, trusted_keys: Iterable[str] = ()) -> tuple[int, str, Problem | None]:
    """(first expected seq, hash it links to, problem) from the chain's newest prune checkpoint."""
    from sellsafe.audit import checkpoints

    stored = AuditCheckpoint.objects.filter(chain=chain).order_by("-seq").first()
    if stored is None:
        return 1, GENESIS_HASH, None
    problem = None
    if not checkpoints.stored_checkpoint_valid(stored, trusted_keys=trusted_keys):
        problem = Problem(
            chain,
            stored.seq,
            None,
            "the prune checkpoint for this seq has a bad signature or an unknown key "
            f"({stored.public_key}): it was altered or forged",
        )
    return stored.seq + 1, stored.hash, problem


def verify_chain(
    chain: str,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    lookup: Iterable[int] = (),
    trusted_keys: Iterable[str] = (),
) -> ChainReport:
    """Walk one chain in seq order and report the first event that was changed, removed or
    reordered. `lookup`: seqs whose stored hash to remember in `report.seen`."""
    with _snapshot():
        return _verify_chain(chain, chunk_size, set(lookup), list(trusted_keys))


@contextmanager
def _snapshot() -> Iterator[None]:
    """PostgreSQL: one REPEATABLE READ, read-only transaction per chain, so the checkpoint, the
    events and the head are read from one snapshot, and the cursor streams (outside a
    transaction Django's server-side cursor is WITH HOLD, which PostgreSQL materialises first).
    SQLite: no transaction (it would take the write lock); each read is checked against what
    concurrent writers and prunes can do (see _verify_chain)."""
    connection = connections[router.db_for_read(AuditEvent)]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _head(chain: str) -> tuple[int, str] | None:
    return AuditChainHead.objects.filter(chain=chain).values_list("seq", "hash").first()


def _verify_chain(
    chain: str, chunk_size: int, wanted: set[int], trusted_keys: list[str]
) -> ChainReport:
    report = ChainReport(chain)
    expected, prev, problem = start_of(chain, trusted_keys=trusted_keys)
    report.pruned_through = expected - 1
    report.start_hash = report.last_hash = prev
    if problem is not None:
        report.problem = problem
        return report
    # Read before the events: every event up to the head's seq committed before it.
    head = _head(chain)
    if head is not None:
        wanted = wanted | {head[0]}
    rows = (
        AuditEvent.objects.filter(chain=chain)
        .order_by("seq")
        .values_list(*_VERIFY_COLUMNS)
        .iterator(chunk_size=chunk_size)
    )
    count = 0
    for row in rows:
        seq = row[_SEQ]
        if not count and seq > expected:
            # A prune may have committed since the checkpoint was read: start from its newest.
            again, again_prev, again_problem = start_of(chain, trusted_keys=trusted_keys)
            if again == seq and again_problem is None:
                expected, prev = again, again_prev
                report.pruned_through = expected - 1
                report.start_hash = report.last_hash = prev
        problem = _check(chain, row, expected, prev)
        if problem is not None:
            report.problem = problem
            break
        prev = row[_HASH]
        expected = seq + 1
        count += 1
        if seq in wanted:
            report.seen[seq] = prev
    report.events = count
    if count:
        report.first_seq = report.pruned_through + 1
        report.last_seq = expected - 1
        report.last_hash = prev
    if report.problem is None:
        report.problem = _check_head(chain, report, head)
    return report


def _check(chain: str, row: Sequence[Any], expected: int, prev: str) -> Problem | None:
    seq = row[_SEQ]
    event_id = str(row[_ID])
    stored_prev, stored_hash = row[_PREV], row[_HASH]
    intact = link(stored_prev, canonical(row)) == stored_hash
    if seq < expected:
        return Problem(
            chain,
            seq,
            event_id,
            f"seq {seq} is at or before the prune checkpoint (seq {expected - 1}): "
            "an event was inserted into pruned history",
        )
    if seq > expected:
        missing = f"seq {expected}" if seq == expected + 1 else f"seqs {expected}..{seq - 1}"
        return Problem(
            chain,
            seq,
            event_id,
            f"the event(s) before it are missing ({missing}): removed",
        )
    if stored_prev != prev:
        if intact:
            message = (
                f"it does not link to the event before it (prev_hash {stored_prev[:16]}..., "
                f"expected {prev[:16]}...): events were reordered, or one before it was "
                "removed or replaced"
            )
        else:
            message = (
                "its content does not match its hash and it does not link to the event "
                "before it: it was changed or moved"
            )
        return Problem(chain, seq, event_id, message)
    if not intact:
        return Problem(
            chain, seq, event_id, "its content does not match its hash: the event was changed"
        )
    return None


def _check_head(chain: str, report: ChainReport, head: tuple[int, str] | None) -> Problem | None:
    """Compare the end of the chain with its head row, read before the events."""
    last_seq = report.last_seq if report.last_seq is not None else report.pruned_through
    if head is None:
        if report.events and _head(chain) is None:
            return Problem(chain, None, None, "the chain has events but no head row")
        return None
    head_seq, head_hash = head
    if head_seq > last_seq:
        missing = (
            f"seq {head_seq}" if head_seq == last_seq + 1 else f"seqs {last_seq + 1}..{head_seq}"
        )
        return Problem(
            chain,
            head_seq,
            None,
            f"the chain ends at seq {last_seq} but its head records seq {head_seq}: "
            f"the last event(s) ({missing}) were removed",
        )
    if head_seq > report.pruned_through and report.seen.get(head_seq) != head_hash:
        return Problem(
            chain,
            head_seq,
            None,
            f"the hash of event seq {head_seq} differs from the one its head recorded: "
            "it was replaced",
        )
    if head_seq < last_seq:
        # Events past the head: appended by record() since the head was read, or forged.
        now = _head(chain)
        if now is None or now[0] < last_seq:
            return Problem(
                chain,
                (now[0] if now else head_seq) + 1,
                None,
                f"the chain goes on to seq {last_seq} past its head (seq "
                f"{now[0] if now else head_seq}): events were appended without record()",
            )
    return None


def chains() -> list[str]:
    """Every chain: from the head rows and the events (a lost head row must not hide a chain)."""
    keys = set(AuditChainHead.objects.values_list("chain", flat=True))
    keys.update(AuditCheckpoint.objects.values_list("chain", flat=True).distinct())
    keys.update(AuditEvent.objects.values_list("chain", flat=True).distinct().order_by())
    return sorted(keys, key=lambda key: (key != ACCOUNT_CHAIN, key))


@dataclass
class Summary:
    reports: list[ChainReport]
    seconds: float

    @property
    def events(self) -> int:
        return sum(report.events for report in self.reports)

    @property
    def problems(self) -> list[Problem]:
        return [report.problem for report in self.reports if report.problem is not None]


def verify(
    chain_keys: Iterable[str] | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    lookups: dict[str, set[int]] | None = None,
    trusted_keys: Iterable[str] = (),
) -> Summary:
    started = time.monotonic()
    keys = list(chain_keys) if chain_keys is not None else chains()
    trusted = list(trusted_keys)
    reports = [
        verify_chain(
            key,
            chunk_size=chunk_size,
            lookup=(lookups or {}).get(key, ()),
            trusted_keys=trusted,
        )
        for key in keys
    ]
    return Summary(reports, time.monotonic() - started)
