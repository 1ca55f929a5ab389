"""Stock adjustments per second through the real service, against a pgbench single-row update.

Run: .venv/bin/python bench/stock_adjust.py [--variants 2000] [--seconds 10] [--processes 2]
         [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--output FILE]

PostgreSQL only. A throwaway database is created next to --database-url (dropped afterwards);
a setup child migrates it, creates one shop with the real `shop_create`, one location and
--variants variants with a stock level each (on hand 1,000,000: no low-stock alert fires), and
captures the SQL of one `stock_adjust` call (CaptureQueriesContext).

Measured in the same run, in this order, each for --seconds:
1. Service: `sellsafe.inventory.services.stock_adjust(change=+1/-1, reason=received/damaged)`
   as the owner, in 1 and in --processes worker processes (each its own connection) spread over
   the variants, then --processes processes all on one variant (hot row).
2. pgbench (the reference), on the same database: one statement per transaction doing the
   equivalent conditional single-row UPDATE of inventory_stock_level (`on_hand + :delta >= 0`)
   and an INSERT of the movement row from its RETURNING (a CTE: one round trip), spread over
   the same levels with -c 2 -j 2 and -c 8 -j 2, and hot on one level with -c 2 -j 2.
   pgbench variables are integers, so the level's UUID comes from a helper table by number.
Ratios: service adjustments/s over pgbench transactions/s at the same concurrency.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "stock_adjust.json"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
START_ON_HAND = 1_000_000
MAX_CALLS = 1_000_000  # per worker: a bound besides the clock
PGBENCH_SCRIPT = """\
\\set n random(1, :nlevels)
\\set delta 1 - 2 * random(0, 1)
WITH u AS (
  UPDATE inventory_stock_level SET on_hand = on_hand + :delta
  WHERE id = (SELECT level_id FROM bench_level WHERE n = :n) AND on_hand + :delta >= 0
  RETURNING shop_id, variant_id, location_id, on_hand, reserved
)
INSERT INTO inventory_stock_movement (id, shop_id, variant_id, location_id, reason, note,
  on_hand_change, reserved_change, on_hand_after, reserved_after, actor_id, created_at)
SELECT gen_random_uuid(), shop_id, variant_id, location_id, 'correction', '', :delta, 0,
  on_hand, reserved, NULL, now() FROM u;
"""


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)] * 1000, 2)


# --- Children ------------------------------------------------------------------------------------


def setup_child(variants: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    from sellsafe.accounts.models import User
    from sellsafe.catalog.models import Product, Variant
    from sellsafe.core import tenancy
    from sellsafe.inventory.models import Location, LocationKind, StockLevel
    from sellsafe.inventory.services import stock_adjust
    from sellsafe.shops.models import Membership
    from sellsafe.shops.services import shop_create

    owner = User.objects.create_user("owner@bench.example.com", None)
    shop = shop_create(
        actor=owner,
        name="Bench Shop",
        slug="bench-shop",
        country="GB",
        currency="GBP",
        timezone="Europe/London",
        contact_email="owner@bench.example.com",
    )
    with tenancy.scope(shop):
        location = Location.objects.create(shop=shop, name="Main", kind=LocationKind.WAREHOUSE)
        products = [
            Product(shop=shop, title=f"Product {n}", handle=f"product-{n}") for n in range(variants)
        ]
        Product.objects.bulk_create(products, batch_size=1000)
        rows = [
            Variant(shop=shop, product=p, sku=f"SKU-{n:06d}", price_minor=1000)
            for n, p in enumerate(products)
        ]
        Variant.objects.bulk_create(rows, batch_size=1000)
        levels = [
            StockLevel(shop=shop, variant=v, location=location, on_hand=START_ON_HAND) for v in rows
        ]
        StockLevel.objects.bulk_create(levels, batch_size=1000)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_level (n integer PRIMARY KEY, level_id uuid)")
            cursor.executemany(
                "INSERT INTO bench_level VALUES (%s, %s)",
                [(n + 1, level.pk) for n, level in enumerate(levels)],
            )
            cursor.execute("ANALYZE")
        actor = Membership.objects.select_related("role", "user").get(user=owner)
        stock_adjust(  # warm-up, then one call captured
            actor=actor, shop=shop, variant=rows[-1], location=location, change=1,
            reason="received",
        )  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            stock_adjust(
                actor=actor, shop=shop, variant=rows[-1], location=location, change=-1,
                reason="damaged",
            )  # fmt: skip
    queries = [q["sql"] for q in captured]
    return {
        "variants": variants,
        "queries_per_adjustment": len(queries),
        "statements": [sql[:220] for sql in queries],
    }


def worker_child(mode: str, index: int, processes: int, seconds: float) -> dict[str, Any]:
    """Adjust stock until `seconds` after the parent's "go" (read on stdin)."""
    import django

    django.setup()
    from django.db import connection

    from sellsafe.catalog.models import Variant
    from sellsafe.core import tenancy
    from sellsafe.inventory.models import Location
    from sellsafe.inventory.services import stock_adjust
    from sellsafe.shops.models import Membership, Shop

    shop = Shop.objects.get(slug="bench-shop")
    with tenancy.scope(shop):
        actor = Membership.objects.select_related("role", "user").get()
        location = Location.objects.get()
        variants = list(Variant.objects.order_by("sku"))
    mine = variants[:1] if mode == "hot" else variants[index::processes]
    connection.ensure_connection()
    print("ready", flush=True)
    sys.stdin.readline()
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    n = 0
    started = time.perf_counter()
    while n < MAX_CALLS and time.perf_counter() < deadline:
        variant = mine[n % len(mine)]
        up = (n // len(mine)) % 2 == 0  # +1 over the whole list, then -1: levels stay put
        t0 = time.perf_counter()
        try:
            stock_adjust(
                actor=actor,
                shop=shop,
                variant=variant,
                location=location,
                change=1 if up else -1,
                reason="received" if up else "damaged",
            )
        except Exception as exc:  # counted, the run goes on
            errors += 1
            if errors == 1:
                print(f"first error: {exc!r}", file=sys.stderr)
        latencies.append(time.perf_counter() - t0)
        n += 1
    return {"calls": n, "errors": errors, "wall_s": time.perf_counter() - started,
            "latencies": latencies}  # fmt: skip


# --- Parent ------------------------------------------------------------------------------------------


def base_env(data_dir: Path, url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SELLSAFE_ENV="development",
        SELLSAFE_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="sellsafe.settings",
        DATABASE_URL=url,
    )
    env.pop("REDIS_URL", None)
    return env


def service_run(env: dict[str, str], mode: str, processes: int, seconds: float) -> dict[str, Any]:
    """`processes` workers, started together once all are ready."""
    workers = []
    try:
        for index in range(processes):
            command = [
                sys.executable, __file__, "--worker", mode, "--index", str(index),
                "--processes", str(processes), "--seconds", str(seconds),
            ]  # fmt: skip
            workers.append(
                subprocess.Popen(
                    command,
                    env=env,
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        for worker in workers:
            assert worker.stdout is not None
            ready, _, _ = select.select([worker.stdout], [], [], 120)
            line = worker.stdout.readline() if ready else ""
            if line.strip() != "ready":
                raise RuntimeError(f"worker did not start: {line!r} {worker.stderr.read()[-3000:]}")
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=seconds + 120)
            if worker.returncode != 0:
                raise RuntimeError(f"worker failed:\n{err[-3000:]}")
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    calls = sum(r["calls"] for r in results)
    errors = sum(r["errors"] for r in results)
    wall = max(r["wall_s"] for r in results)
    latencies = [t for r in results for t in r["latencies"]]
    return {
        "mode": mode,
        "processes": processes,
        "calls": calls,
        "errors": errors,
        "wall_s": round(wall, 2),
        "per_s": round((calls - errors) / wall, 1),
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
    }


def pgbench_bin() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    fallback = "/usr/lib/postgresql/15/bin/pgbench"
    if Path(fallback).exists():
        return fallback
    raise RuntimeError("pgbench not found")


def pgbench_run(
    url: str, script: Path, clients: int, threads: int, seconds: float, levels: int
) -> dict[str, Any]:
    parts = urllib.parse.urlsplit(url)
    command = [
        pgbench_bin(), "-n", "-f", str(script), "-c", str(clients), "-j", str(threads),
        "-T", str(int(seconds)), "-D", f"nlevels={levels}", "-r",
        "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
        "-U", parts.username or "postgres", parts.path.lstrip("/"),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed:\n{done.stderr[-3000:]}{done.stdout[-2000:]}")
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    if tps is None:
        raise RuntimeError(f"no tps in pgbench output:\n{done.stdout}")
    return {
        "clients": clients,
        "threads": threads,
        "levels": levels,
        "per_s": round(float(tps.group(1)), 1),
        "latency_avg_ms": float(latency.group(1)) if latency else None,
        "failed": int(failed.group(1)) if failed else 0,
    }


def measure(args: argparse.Namespace, url: str, data_dir: Path) -> dict[str, Any]:
    env = base_env(data_dir, url)
    done = subprocess.run(
        [sys.executable, __file__, "--setup", "--variants", str(args.variants)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"setup failed:\n{done.stderr[-4000:]}")
    setup = json.loads(done.stdout.strip().splitlines()[-1])
    script = data_dir / "adjust.sql"
    script.write_text(PGBENCH_SCRIPT)
    s, p, n = args.seconds, args.processes, args.variants
    service = {
        "spread_1": service_run(env, "spread", 1, s),
        f"spread_{p}": service_run(env, "spread", p, s),
        f"hot_{p}": service_run(env, "hot", p, s),
    }
    pgbench = {
        "spread_c2": pgbench_run(url, script, 2, 2, s, n),
        "spread_c8": pgbench_run(url, script, 8, 2, s, n),
        "hot_c2": pgbench_run(url, script, 2, 2, s, 1),
    }
    check = subprocess.run(
        ["psql", url, "-Atc", "SELECT count(*) FROM inventory_stock_level WHERE on_hand < 0"],
        capture_output=True, text=True,
    )  # fmt: skip
    return {
        "setup": setup,
        "service": service,
        "pgbench": pgbench,
        "negative_levels_after": check.stdout.strip(),
        "ratios": {
            f"service_spread_{p}_over_pgbench_c2": round(
                service[f"spread_{p}"]["per_s"] / pgbench["spread_c2"]["per_s"], 3
            ),
            f"service_spread_{p}_over_pgbench_c8": round(
                service[f"spread_{p}"]["per_s"] / pgbench["spread_c8"]["per_s"], 3
            ),
            f"service_hot_{p}_over_pgbench_hot_c2": round(
                service[f"hot_{p}"]["per_s"] / pgbench["hot_c2"]["per_s"], 3
            ),
        },
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    import psycopg

    parts = urllib.parse.urlsplit(args.database_url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("stock_adjust needs PostgreSQL (--database-url)")
    name = f"sellsafe_bench_stock_{os.getpid()}"
    admin = parts._replace(path=parts.path or "/postgres").geturl()
    data_dir = Path(tempfile.mkdtemp(prefix="sellsafe-bench-stock-"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        return measure(args, parts._replace(path=f"/{name}").geturl(), data_dir)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)


def print_table(report: dict[str, Any]) -> None:
    result = report["result"]
    setup = result["setup"]
    print(
        f"\nStock adjustments, PostgreSQL, {setup['variants']:,} variants; "
        f"{setup['queries_per_adjustment']} SQL statements per stock_adjust call"
    )
    print(f"{'run':<34} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in result["service"].items():
        print(
            f"{'service ' + name + ' proc':<34} {r['per_s']:>8.0f} {r['p50_ms']:>8.2f} "
            f"{r['p99_ms']:>8.2f} {r['errors']:>7}"
        )
    for name, r in result["pgbench"].items():
        print(
            f"{'pgbench ' + name:<34} {r['per_s']:>8.0f} {r['latency_avg_ms']:>8.2f} "
            f"{'(avg)':>8} {r['failed']:>7}"
        )
    for name, value in result["ratios"].items():
        print(f"ratio {name}: {value}")
    print(f"levels below zero afterwards: {result['negative_levels_after']}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--variants", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--processes", type=int, default=2, help="service worker processes")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_URL,
        help="PostgreSQL server to create the throwaway database on",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON result file")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker", choices=["spread", "hot"], help=argparse.SUPPRESS)
    parser.add_argument("--index", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.setup:
        print(json.dumps(setup_child(args.variants), default=str))
        return
    if args.worker:
        result = worker_child(args.worker, args.index, args.processes, args.seconds)
        print(json.dumps(result))
        return
    started = time.monotonic()
    result = run(args)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "wall_s": round(time.monotonic() - started, 1),
        "result": result,
    }
    print_table(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
