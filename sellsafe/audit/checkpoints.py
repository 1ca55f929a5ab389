"""Signed checkpoints: statements that event `seq` of a chain had `hash`, signed with Ed25519.

`sellsafe audit checkpoint` prints one statement per chain as a line of JSON:

    {"chain": "account", "hash": "<64 hex>", "public_key": "<base64>", "seq": 1234,
     "signature": "<base64>", "time": "2026-01-31T12:00:00.000000Z", "v": 1}

Keep them off the server. The signature covers the bytes MESSAGE_PREFIX + the canonical JSON
of {"chain", "hash", "seq", "time"} (sorted keys, no whitespace, ASCII). The key is derived
from the master key (core/crypto/signing.py, purpose "audit-checkpoint"); an auditor pins its
public key. `audit prune` stores the same kind of statement in AuditCheckpoint before it deletes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from sellsafe.audit.chain import ChainReport, Problem, Summary, format_time
from sellsafe.audit.models import AuditCheckpoint, AuditEvent
from sellsafe.core.crypto import signing

PURPOSE = "audit-checkpoint"
VERSION = 1
MESSAGE_PREFIX = b"sellsafe audit checkpoint v1\n"


@dataclass(frozen=True)
class Statement:
    chain: str
    seq: int
    hash: str
    time: str
    public_key: str
    signature: str
    v: int = VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(", ", ": "))


def message(*, chain: str, seq: int, hash: str, time: str) -> bytes:
    body = {"chain": chain, "hash": hash, "seq": seq, "time": time}
    return MESSAGE_PREFIX + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def public_key() -> str:
    """This installation's checkpoint public key (base64): print it, pin it."""
    return signing.public_key(purpose=PURPOSE)


def make_statement(*, chain: str, seq: int, hash: str, at: datetime | None = None) -> Statement:
    time = format_time(at or timezone.now())
    signature = signing.sign(message(chain=chain, seq=seq, hash=hash, time=time), purpose=PURPOSE)
    return Statement(chain, seq, hash, time, public_key(), signature)


def head_statement(chain: str) -> Statement | None:
    """A signed statement of the chain's last event, or None for an empty chain."""
    last = (
        AuditEvent.objects.filter(chain=chain).order_by("-seq").values_list("seq", "hash").first()
    )
    if last is None:
        return None
    return make_statement(chain=chain, seq=last[0], hash=last[1])


def trusted(extra: Iterable[str] = ()) -> set[str]:
    return {public_key(), *extra}


def signature_valid(statement: Statement, *, trusted_keys: Iterable[str] = ()) -> bool:
    if statement.public_key not in trusted(trusted_keys):
        return False
    return signing.verify(
        message(chain=statement.chain, seq=statement.seq, hash=statement.hash, time=statement.time),
        signature=statement.signature,
        public_key=statement.public_key,
    )


def stored_checkpoint_valid(row: AuditCheckpoint, *, trusted_keys: Iterable[str] = ()) -> bool:
    return signature_valid(_from_row(row), trusted_keys=trusted_keys)


def _from_row(row: AuditCheckpoint) -> Statement:
    return Statement(
        row.chain, row.seq, row.hash, format_time(row.created_at), row.public_key, row.signature
    )


def write_prune_checkpoint(*, chain: str, seq: int, hash: str) -> AuditCheckpoint:
    """Store a signed statement for the last event `audit prune` is about to delete."""
    now = timezone.now()
    statement = make_statement(chain=chain, seq=seq, hash=hash, at=now)
    return AuditCheckpoint.objects.create(
        chain=chain,
        seq=seq,
        hash=hash,
        created_at=now,
        public_key=statement.public_key,
        signature=statement.signature,
    )


# --- Checkpoint files ------------------------------------------------------------------------


class CheckpointFileError(ValueError):
    """The file is not a checkpoint file this version understands."""


_FIELDS = {"chain": str, "seq": int, "hash": str, "time": str, "public_key": str, "signature": str}


def parse(text: str) -> list[Statement]:
    """Statements from a file: JSON lines, one JSON object, or a JSON list of objects."""
    try:
        loaded: Any = json.loads(text)
        items = loaded if isinstance(loaded, list) else [loaded]
    except json.JSONDecodeError:
        try:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise CheckpointFileError(f"not JSON (line {exc.lineno}): {exc.msg}") from None
    statements = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise CheckpointFileError(f"entry {number} is not a JSON object")
        if item.get("v", VERSION) != VERSION:
            raise CheckpointFileError(f"entry {number} has unknown version {item.get('v')!r}")
        for name, kind in _FIELDS.items():
            value = item.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise CheckpointFileError(
                    f"entry {number}: {name!r} is missing or not {kind.__name__}"
                )
        statements.append(Statement(**{name: item[name] for name in _FIELDS}))
    if not statements:
        raise CheckpointFileError("the file holds no checkpoint")
    return statements


@dataclass(frozen=True)
class Outcome:
    statement: Statement
    problem: Problem | None
    extended_by: int = 0


def lookups(statements: Iterable[Statement]) -> dict[str, set[int]]:
    """The seqs whose hashes verify must remember, per chain."""
    wanted: dict[str, set[int]] = {}
    for statement in statements:
        wanted.setdefault(statement.chain, set()).add(statement.seq)
    return wanted


def evaluate(
    statements: Iterable[Statement], summary: Summary, *, trusted_keys: Iterable[str] = ()
) -> list[Outcome]:
    """Does each chain still extend its statement: a valid signature by a trusted key, the same
    hash at the statement's seq, and a valid chain after it? `summary` must come from a verify
    run given `lookups(statements)`."""
    keys = set(trusted_keys)
    reports = {report.chain: report for report in summary.reports}
    outcomes: list[Outcome] = []
    for statement in statements:
        why = _why_not(statement, reports.get(statement.chain), keys)
        if why is not None:
            outcomes.append(Outcome(statement, _problem(statement, why)))
            continue
        report = reports[statement.chain]
        last_seq = report.last_seq if report.last_seq is not None else statement.seq
        outcomes.append(Outcome(statement, None, last_seq - statement.seq))
    return outcomes


def _why_not(statement: Statement, report: ChainReport | None, keys: set[str]) -> str | None:
    if not signature_valid(statement, trusted_keys=keys):
        if statement.public_key in trusted(keys):
            return "its signature does not verify: the checkpoint was altered"
        return (
            f"it is signed by an unknown key {statement.public_key} (this server's key is "
            f"{public_key()}; pass --trust-key for an earlier key)"
        )
    seq = statement.seq
    if report is None:
        return "the log has no such chain"
    if report.problem is not None:
        return f"the chain itself is broken ({report.problem})"
    if seq <= report.pruned_through:
        if seq == report.pruned_through and report.start_hash == statement.hash:
            return None
        return (
            f"events through seq {report.pruned_through} were pruned: this checkpoint can no "
            "longer be checked (keep a newer one)"
        )
    if report.last_seq is None or seq > report.last_seq:
        last = report.last_seq if report.last_seq is not None else report.pruned_through
        return f"the log ends at seq {last}, before this checkpoint: events were removed"
    found = report.seen.get(seq)
    if found != statement.hash:
        return (
            f"the event at seq {seq} now has hash {found}, the checkpoint says "
            f"{statement.hash}: the log was rewritten at or before seq {seq}"
        )
    return None


def _problem(statement: Statement, why: str) -> Problem:
    return Problem(statement.chain, statement.seq, None, f"checkpoint: {why}")
