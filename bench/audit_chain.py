"""The cost of the hash-chained audit log: writes through record() and verify speed.

Run: .venv/bin/python bench/audit_chain.py [--writes 4000] [--verify-events 1000000]
         [--chunk-size 5000] [--databases sqlite,postgresql] [--output FILE]

For each database (a throwaway SQLite file in a temporary data dir; and, when DATABASE_URL points
at PostgreSQL, a throwaway database created next to it and dropped afterwards) a child process
migrates a fresh schema and measures, in the same run:

1. Writes: audit events per second through `audit.services.record()` (one transaction per event:
   lock the chain head, canonical JSON, SHA-256, insert, advance the head), against plain inserts
   of a same-shaped row (same columns, indexes and unique constraint, constant hashes) into a
   table without chain or triggers, also one transaction per row. The two alternate in rounds so
   that drift hits both. The ratio is what the chain costs per event.
2. Verify: --verify-events events are bulk-inserted into one shop chain with precomputed hashes
   (not timed), then `chain.verify()` (what `sellsafe audit verify` runs) is timed, against a
   plain streaming read of the same columns (the floor: database + Django conversions) and
   against hashing alone (canonical JSON + SHA-256 over rows already in memory).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 4
HASH_ONLY_SAMPLE = 100_000
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=4000, help="events written per method")
    parser.add_argument("--verify-events", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument(
        "--databases",
        default="",
        help="comma-separated: sqlite, postgresql (default: sqlite, and postgresql if "
        "DATABASE_URL is set)",
    )
    parser.add_argument("--output", type=Path, default=None, help="also write the results as JSON")
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- Child: one database ------------------------------------------------------------------------


def child(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from sellsafe.accounts.models import User
    from sellsafe.shops.models import Shop

    user = User.objects.create_user("bench@example.com", None)
    shops = [
        Shop.objects.create(
            slug=f"bench-{n}",
            name=f"Bench {n}",
            country="GB",
            currency="GBP",
            contact_email=f"bench{n}@example.com",
        )
        for n in range(2)
    ]
    result: dict[str, Any] = {"vendor": connection.vendor}
    result["writes"] = measure_writes(args.writes, user, shops[0])
    result["verify"] = measure_verify(args.verify_events, args.chunk_size, user, shops[1])
    return result


def plain_model() -> Any:
    """A model with AuditEvent's columns, indexes and unique constraint, in its own table."""
    from django.db import models

    from sellsafe.audit.models import AuditEvent

    attrs: dict[str, Any] = {"__module__": __name__}
    for field in AuditEvent._meta.local_fields:
        attrs[field.name] = field.clone()
    meta = AuditEvent._meta
    attrs["Meta"] = type(
        "Meta",
        (),
        {
            "app_label": "audit",
            "db_table": "bench_plain_event",
            "indexes": [
                models.Index(fields=index.fields, name=f"bench_{index.name}"[:30])
                for index in meta.indexes
            ],
            "constraints": [
                models.UniqueConstraint(fields=["chain", "seq"], name="bench_plain_chain_seq")
            ],
        },
    )
    return type("BenchPlainEvent", (models.Model,), attrs)


def measure_writes(count: int, user: Any, shop: Any) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.utils import timezone

    from sellsafe.audit.services import record
    from sellsafe.core import context

    plain = plain_model()
    with connection.schema_editor() as editor:
        editor.create_model(plain)
    token = context.activate(
        context.RequestContext(request_id=uuid.uuid4().hex, ip="203.0.113.7", user_agent=USER_AGENT)
    )
    changes = {"price": {"before": "9.90", "after": "12.50"}, "stock": {"before": 3, "after": 2}}
    key = str(shop.pk)
    plain_seq = 0

    def audited(n: int) -> float:
        started = time.perf_counter()
        for i in range(n):
            with transaction.atomic():
                record(
                    action="catalog.product_updated",
                    actor=user,
                    shop=shop,
                    target_type="product",
                    target_id=str(i),
                    changes=changes,
                )
        return time.perf_counter() - started

    def inserts(n: int) -> float:
        nonlocal plain_seq
        ctx = context.current()
        started = time.perf_counter()
        for i in range(n):
            plain_seq += 1
            with transaction.atomic():
                plain.objects.create(
                    occurred_at=timezone.now(),
                    shop_id=shop.pk,
                    actor_type="user",
                    actor_user_id=user.pk,
                    subject_user_id=user.pk,
                    action="catalog.product_updated",
                    target_type="product",
                    target_id=str(i),
                    changes=changes,
                    ip=ctx.ip,
                    user_agent=ctx.user_agent,
                    request_id=ctx.request_id,
                    chain=key,
                    seq=plain_seq,
                    prev_hash="0" * 64,
                    hash="0" * 64,
                )
        return time.perf_counter() - started

    try:
        audited(50), inserts(50)  # warm up: connection, caches, first head row
        per_round = max(count // ROUNDS, 1)
        audited_s = inserts_s = 0.0
        for _ in range(ROUNDS):
            audited_s += audited(per_round)
            inserts_s += inserts(per_round)
    finally:
        context.deactivate(token)
    total = per_round * ROUNDS
    return {
        "events": total,
        "record_per_s": round(total / audited_s, 1),
        "plain_insert_per_s": round(total / inserts_s, 1),
        "record_ms": round(audited_s * 1000 / total, 3),
        "plain_insert_ms": round(inserts_s * 1000 / total, 3),
        "ratio": round(inserts_s / audited_s, 3),
    }


def generate(count: int, user: Any, shop: Any) -> float:
    """Bulk-insert `count` chained events into the shop's chain, hashes computed in Python."""
    from django.db import transaction

    from sellsafe.audit import chain
    from sellsafe.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent

    key = str(shop.pk)
    start = datetime.now(UTC) - timedelta(days=30)
    prev = GENESIS_HASH
    batch: list[AuditEvent] = []
    started = time.perf_counter()
    with transaction.atomic():
        for seq in range(1, count + 1):
            values = {
                "id": uuid.uuid4(),
                "chain": key,
                "seq": seq,
                "occurred_at": start + timedelta(milliseconds=seq),
                "shop_id": shop.pk,
                "actor_type": "user",
                "actor_user_id": user.pk,
                "actor_token_id": "",
                "on_behalf_of_id": None,
                "subject_user_id": user.pk,
                "action": "orders.order_updated",
                "target_type": "order",
                "target_id": f"ord_{seq:09d}",
                "changes": {"status": {"before": "paid", "after": "shipped"}, "lines": seq % 7},
                "ip": f"198.51.100.{seq % 250 + 1}",
                "user_agent": USER_AGENT,
                "request_id": uuid.UUID(int=seq).hex,
                "device": "",
            }
            digest = chain.link(prev, chain.canonical([values[c] for c in chain.CONTENT_COLUMNS]))
            batch.append(AuditEvent(prev_hash=prev, hash=digest, **values))
            prev = digest
            if len(batch) == 5000:
                AuditEvent.objects.bulk_create(batch)
                batch = []
        if batch:
            AuditEvent.objects.bulk_create(batch)
        AuditChainHead.objects.update_or_create(chain=key, defaults={"seq": count, "hash": prev})
    return time.perf_counter() - started


def measure_verify(count: int, chunk_size: int, user: Any, shop: Any) -> dict[str, Any]:
    from sellsafe.audit import chain
    from sellsafe.audit.models import AuditEvent

    key = str(shop.pk)
    generate_s = generate(count, user, shop)
    columns = (*chain.CONTENT_COLUMNS, "prev_hash", "hash")

    started = time.perf_counter()
    sample = []
    scanned = 0
    rows = (
        AuditEvent.objects.filter(chain=key)
        .order_by("seq")
        .values_list(*columns)
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        scanned += 1
        if len(sample) < HASH_ONLY_SAMPLE:
            sample.append(row)
    scan_s = time.perf_counter() - started

    started = time.perf_counter()
    report = chain.verify_chain(key, chunk_size=chunk_size)
    verify_s = time.perf_counter() - started
    if report.problem is not None or report.events != count or scanned != count:
        raise RuntimeError(f"verify did not pass on the generated chain: {report.problem}")

    started = time.perf_counter()
    prev = sample[0][-2]
    for row in sample:
        prev = chain.link(prev, chain.canonical(row))
    hash_s = time.perf_counter() - started
    hash_rate = len(sample) / hash_s
    return {
        "events": count,
        "generate_s": round(generate_s, 1),
        "verify_s": round(verify_s, 2),
        "verify_per_s": round(count / verify_s),
        "verify_s_per_million": round(verify_s * 1_000_000 / count, 2),
        "plain_scan_s": round(scan_s, 2),
        "plain_scan_per_s": round(count / scan_s),
        "hash_only_per_s": round(hash_rate),
        "hash_only_s_per_million": round(1_000_000 / hash_rate, 2),
        "ratio_to_scan": round(scan_s / verify_s, 3),
    }


# --- Parent: throwaway databases, table -------------------------------------------------------


def run_child(kind: str, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--writes",
        str(args.writes),
        "--verify-events",
        str(args.verify_events),
        "--chunk-size",
        str(args.chunk_size),
    ]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} run failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def base_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SELLSAFE_ENV="development",
        SELLSAFE_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="sellsafe.settings",
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return env


def run_sqlite(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="sellsafe-bench-audit-"))
    try:
        return run_child("sqlite", args, base_env(data_dir))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run_postgresql(args: argparse.Namespace, url: str) -> dict[str, Any]:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = f"sellsafe_bench_audit_{os.getpid()}"
    admin = parts._replace(path=parts.path or "/postgres").geturl()
    bench_url = parts._replace(path=f"/{name}").geturl()
    data_dir = Path(tempfile.mkdtemp(prefix="sellsafe-bench-audit-"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        env = base_env(data_dir)
        env["DATABASE_URL"] = bench_url
        return run_child("postgresql", args, env)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)


def print_table(results: list[dict[str, Any]]) -> None:
    print("\nWrites (one transaction per event, single writer)")
    print(
        f"{'database':<11} {'record()/s':>11} {'plain/s':>9} {'record ms':>10} {'plain ms':>9} "
        f"{'ratio':>6}"
    )
    for r in results:
        w = r["writes"]
        print(
            f"{r['vendor']:<11} {w['record_per_s']:>11,.0f} {w['plain_insert_per_s']:>9,.0f} "
            f"{w['record_ms']:>10.3f} {w['plain_insert_ms']:>9.3f} {w['ratio']:>6.2f}"
        )
    print("\nVerify (one chain, streamed)")
    print(
        f"{'database':<11} {'events':>10} {'verify s':>9} {'s/million':>10} {'events/s':>10} "
        f"{'scan/s':>10} {'hash-only/s':>12} {'scan:verify':>12}"
    )
    for r in results:
        v = r["verify"]
        print(
            f"{r['vendor']:<11} {v['events']:>10,} {v['verify_s']:>9.2f} "
            f"{v['verify_s_per_million']:>10.2f} {v['verify_per_s']:>10,} "
            f"{v['plain_scan_per_s']:>10,} {v['hash_only_per_s']:>12,} {v['ratio_to_scan']:>12.2f}"
        )
    print(
        "\nratio = plain inserts' time / record()'s time for the same number of rows "
        "(1.00 = free); scan:verify = plain streaming read time / verify time."
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child(args)))
        return
    url = os.environ.get("DATABASE_URL", "")
    kinds = [k for k in args.databases.split(",") if k] or (
        ["sqlite", "postgresql"] if url.startswith(("postgres://", "postgresql://")) else ["sqlite"]
    )
    results = []
    for kind in kinds:
        print(
            f"[audit_chain] {kind}: {args.writes} writes each way, "
            f"{args.verify_events:,} events to verify",
            flush=True,
        )
        if kind == "postgresql":
            if not url:
                raise SystemExit("postgresql needs DATABASE_URL")
            results.append(run_postgresql(args, url))
        else:
            results.append(run_sqlite(args))
    print_table(results)
    if args.output:
        report = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "results": results,
        }
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
