"""Catalog CSV import rows/s through the real `import_csv`, against PostgreSQL COPY of the same rows.

Run: .venv/bin/python bench/catalog_import.py [--rows 100000] [--database postgresql|sqlite]
         [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--profile]
         [--output FILE]

A throwaway database is created next to --database-url and dropped afterwards, also on failure
(with --database sqlite: a temporary data directory). A setup child migrates it, creates one shop
with the real `shop_create`, one location ("Main") and 24 categories, and writes two CSV files:
--rows rows of about 43,000 products with 1-3 variants (size/colour options, a Markdown
description of ~400 characters, tags, category, brand, barcode, price, compare-at, weight and a
`stock:Main` count; about 3% of the counts are under the shop's low-stock default of 5), and the
same rows again with ~30% of the prices and ~50% of the stock counts changed.

Each phase runs in its own child process, through the entry point `sellsafe catalog import` uses
(`import_csv(..., reauthenticated=True)`), timed from the file's bytes to the returned result:
1. validate: `dry_run=True` on the first file (reading and checking only; nothing is written);
2. create: the first file on the empty catalog;
3. update: the second file (prices and stock counts change; every row matches an existing SKU).
Peak memory is the child's `ru_maxrss` (the whole process, Django included) and the growth over
the RSS measured just before the import. After the update the shop's audit chain is verified.

Reference (PostgreSQL only, same run): `COPY` of the same 100,000 rows (parsed by the csv module,
product and variant columns, integer prices) into a plain table with a uuid primary key and a
unique SKU index, through psycopg's `cursor.copy`, committed. Ratios: import rows/s over COPY rows/s.
`--profile` writes a cProfile dump per phase into bench/results/ (slower; not for the table).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
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
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "catalog_import.json"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
EMAIL = "owner@bench.example.com"
SLUG = "bench-shop"
HEADER = [
    "handle", "title", "description", "status", "category", "brand", "tags",
    "option1_name", "option1_value", "option2_name", "option2_value",
    "sku", "barcode", "price", "compare_at_price", "weight_grams", "stock:Main",
]  # fmt: skip
CATEGORIES = {
    "Clothing": ["Scarves", "Hats", "Gloves", "Socks", "Shirts", "Jumpers"],
    "Home": ["Mugs", "Candles", "Cushions", "Throws", "Prints"],
    "Garden": ["Pots", "Tools", "Seeds", "Lights"],
    "Kitchen": ["Boards", "Knives"],
}
WORDS = [
    "merino",
    "wool",
    "linen",
    "cotton",
    "oak",
    "walnut",
    "ceramic",
    "stoneware",
    "handmade",
    "recycled",
    "organic",
    "soft",
    "warm",
    "light",
    "classic",
    "modern",
    "rustic",
    "striped",
    "plain",
    "ribbed",
    "knitted",
    "woven",
    "glazed",
    "matte",
    "small",
    "large",
]
SIZES = ["S", "M", "L"]
COLOURS = ["Red", "Blue", "Green", "Grey", "Black", "Oat"]
BRANDS = ["Northwind", "Fjell", "Harbour & Co", "Meadow", "Oakline", "Tessel"]


# --- Files ---------------------------------------------------------------------------------------


def _description(rng: random.Random, title: str) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(30))
    return (
        f"**{title}** is {words}.\n\n"
        f"* {rng.choice(WORDS)} {rng.choice(WORDS)}\n* {rng.choice(WORDS)} finish\n"
        f"* care: {rng.choice(['hand wash', 'wipe clean', 'machine wash 30'])}\n\n"
        f"Made in small batches. {' '.join(rng.choice(WORDS) for _ in range(12))}."
    )


def make_rows(rows: int, seed: int = 7) -> list[list[str]]:
    """`rows` variant rows; product fields on each product's first row only."""
    rng = random.Random(seed)
    paths = [f"{top} > {sub}" for top, subs in CATEGORIES.items() for sub in subs]
    out: list[list[str]] = []
    n = 0
    while len(out) < rows:
        n += 1
        title = f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} item {n}"
        handle = f"item-{n}"
        count = rng.choices([1, 2, 3], weights=[2, 3, 5])[0]
        two_axes = count > 1 and rng.random() < 0.3
        colour = rng.choice(COLOURS)
        base = rng.randint(300, 20000)
        for index in range(min(count, rows - len(out))):
            first = index == 0
            price = base + 100 * index
            compare = price + 500 if rng.random() < 0.2 else None
            stock = rng.randint(0, 4) if rng.random() < 0.03 else rng.randint(5, 300)
            out.append(
                [
                    handle,
                    title if first else "",
                    _description(rng, title) if first else "",
                    rng.choice(["active", "active", "draft"]) if first else "",
                    rng.choice(paths) if first else "",
                    rng.choice(BRANDS) if first else "",
                    ", ".join(rng.sample(WORDS, 3)) if first else "",
                    "Size" if first and count > 1 else "",
                    SIZES[index] if count > 1 else "",
                    "Colour" if first and two_axes else "",
                    colour if two_axes else "",
                    f"SKU-{n:06d}-{index}",
                    f"{rng.randint(10**12, 10**13 - 1)}",
                    f"{price // 100}.{price % 100:02d}",
                    "" if compare is None else f"{compare // 100}.{compare % 100:02d}",
                    str(rng.randint(50, 2000)),
                    str(stock),
                ]
            )
    return out


def changed_rows(rows: list[list[str]], seed: int = 11) -> list[list[str]]:
    """The same rows with ~30% of prices (+/- up to 10%) and ~50% of stock counts changed."""
    rng = random.Random(seed)
    price_at, compare_at, stock_at = (
        HEADER.index("price"), HEADER.index("compare_at_price"), HEADER.index("stock:Main"),
    )  # fmt: skip
    out = []
    for row in rows:
        row = list(row)
        if rng.random() < 0.3:
            units, cents = row[price_at].split(".")
            minor = int(units) * 100 + int(cents)
            minor = max(1, minor + rng.randint(-minor // 10, minor // 10) or 1)
            row[price_at] = f"{minor // 100}.{minor % 100:02d}"
            if row[compare_at]:  # a compare-at must stay above the price
                row[compare_at] = f"{(minor + 500) // 100}.{(minor + 500) % 100:02d}"
        if rng.random() < 0.5:
            row[stock_at] = str(rng.randint(5, 300))
        out.append(row)
    return out


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)


# --- Children ------------------------------------------------------------------------------------


def setup_child(rows: int, data_dir: Path) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    from sellsafe.accounts.models import User
    from sellsafe.catalog.services.categories import category_create
    from sellsafe.core import tenancy
    from sellsafe.inventory.services import location_create
    from sellsafe.shops.models import Membership
    from sellsafe.shops.services import shop_create

    owner = User.objects.create_user(EMAIL, None)
    shop = shop_create(
        actor=owner,
        name="Bench Shop",
        slug=SLUG,
        country="GB",
        currency="GBP",
        timezone="Europe/London",
        contact_email=EMAIL,
    )
    with tenancy.scope(shop):
        member = Membership.objects.select_related("role", "user").get(user=owner)
        location_create(actor=member, shop=shop, name="Main", kind="warehouse")
        for top, subs in CATEGORIES.items():
            parent = category_create(actor=member, shop=shop, name=top)
            for sub in subs:
                category_create(actor=member, shop=shop, name=sub, parent=parent)
    first = make_rows(rows)
    write_csv(data_dir / "create.csv", first)
    write_csv(data_dir / "update.csv", changed_rows(first))
    return {
        "vendor": connection.vendor,
        "rows": len(first),
        "products": len({row[0] for row in first}),
        "file_bytes": (data_dir / "create.csv").stat().st_size,
        "low_stock_rows": sum(1 for row in first if int(row[-1]) < 5),
    }


def _rss_kib() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def phase_child(phase: str, data_dir: Path, profile: Path | None) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from sellsafe.catalog.csv_import import import_csv

    # 100,000 rows with descriptions are ~27 MB, over the 20 MB default upload limit.
    settings.SELLSAFE_IMPORT_MAX_BYTES = 64 * 1024 * 1024
    from sellsafe.catalog.models import Product, Variant
    from sellsafe.core import tenancy
    from sellsafe.inventory.models import StockLevel, StockMovement
    from sellsafe.shops.models import Membership, Shop

    shop = Shop.objects.get(slug=SLUG)
    with tenancy.scope(shop):
        member = Membership.objects.select_related("role", "user").get(user__email=EMAIL)
    data = (data_dir / ("update.csv" if phase == "update" else "create.csv")).read_bytes()
    connection.ensure_connection()
    rss_before = _rss_kib()
    cpu_before = time.process_time()
    profiler = None
    sql: dict[str, list[float]] = {}

    def timed(execute: Any, query: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(query, params, many, context)
        finally:
            entry = sql.setdefault(query[:90], [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - t0

    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        result = import_csv(
            actor=member,
            shop=shop,
            data=data,
            file_name=f"{phase}.csv",
            dry_run=phase == "validate",
            reauthenticated=True,
        )
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    if profiler is not None and profile is not None:
        profiler.disable()
        profiler.dump_stats(str(profile))
    peak = _rss_kib()
    if result.status not in ("done", "checked"):
        raise RuntimeError(f"{phase}: {result.status} {result.message} {result.errors[:5]}")
    out: dict[str, Any] = {
        "phase": phase,
        "rows": result.rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(result.rows / seconds, 1),
        "cpu_s": round(cpu, 1),
        "sql_s": round(sum(t for _, t in sql.values()), 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "rss_growth_mib": round((peak - rss_before) / 1024, 1),
        "counts": result.counts,
        "queries": sum(n for n, _ in sql.values()),
        "slowest_sql": [
            {"sql": query, "calls": n, "seconds": round(t, 2)}
            for query, (n, t) in sorted(sql.items(), key=lambda item: -item[1][1])[:8]
        ],
    }
    if phase != "validate":
        from sellsafe.audit.chain import chain_key, verify_chain
        from sellsafe.audit.models import AuditEvent

        with tenancy.scope(shop):
            out["database"] = {
                "products": Product.objects.count(),
                "variants": Variant.objects.count(),
                "stock_levels": StockLevel.objects.count(),
                "movements": StockMovement.objects.count(),
                "audit_events": AuditEvent.objects.filter(shop=shop).count(),
                "priced_products_without_range": Product.objects.filter(price_max=0).count(),
            }
        verified = verify_chain(chain_key(shop.pk))
        out["audit_chain_ok"] = verified.problem is None
    return out


# --- Parent --------------------------------------------------------------------------------------


def base_env(data_dir: Path, url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SELLSAFE_ENV="development",
        SELLSAFE_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="sellsafe.settings",
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if url:
        env["DATABASE_URL"] = url
    return env


def child(env: dict[str, str], args: list[str], timeout: float = 3600) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{args[:2]} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def copy_reference(url: str, path: Path) -> dict[str, Any]:
    """COPY the file's rows into a plain table of the same shape, committed; rows/s."""
    import psycopg

    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(io.StringIO(stream.read()))
        next(reader)
        raw = list(reader)

    def minor(text: str) -> int | None:
        if not text:
            return None
        units, cents = text.split(".")
        return int(units) * 100 + int(cents)

    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE bench_copy (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), "
            "handle text, title text, description text, status text, category text, "
            "brand text, tags text, option1_name text, option1_value text, option2_name text, "
            "option2_value text, sku text NOT NULL UNIQUE, barcode text, price_minor integer, "
            "compare_at_minor integer, weight_grams integer, on_hand integer)"
        )
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cursor:
            columns = ", ".join(HEADER[:-4]).replace("stock:Main", "on_hand")
            with cursor.copy(
                f"COPY bench_copy ({columns}, price_minor, compare_at_minor, weight_grams, "
                "on_hand) FROM STDIN"
            ) as copy:
                for row in raw:
                    copy.write_row(
                        [*row[:-4], minor(row[-4]), minor(row[-3]), int(row[-2]), int(row[-1])]
                    )
        conn.commit()
        seconds = time.perf_counter() - started
    return {"rows": len(raw), "seconds": round(seconds, 2), "rows_per_s": round(len(raw) / seconds)}


def measure(args: argparse.Namespace, url: str | None, data_dir: Path) -> dict[str, Any]:
    env = base_env(data_dir, url)
    setup = child(env, ["--setup", "--rows", str(args.rows), "--data-dir", str(data_dir)])
    phases: dict[str, Any] = {}
    for phase in ("validate", "create", "update"):
        extra = []
        if args.profile:
            extra = ["--profile-to", str(args.output.parent / f"catalog_import_{phase}.prof")]
        phases[phase] = child(env, ["--phase", phase, "--data-dir", str(data_dir), *extra])
    result: dict[str, Any] = {"setup": setup, "phases": phases, "copy": None, "ratios": {}}
    if url:
        copy = copy_reference(url, data_dir / "create.csv")
        result["copy"] = copy
        result["ratios"] = {
            f"{name}_over_copy": round(phases[name]["rows_per_s"] / copy["rows_per_s"], 4)
            for name in phases
        }
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="sellsafe-bench-import-"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    try:
        if args.database == "sqlite":
            return measure(args, None, data_dir)
        import psycopg

        parts = urllib.parse.urlsplit(args.database_url)
        if not parts.scheme.startswith("postgres"):
            raise SystemExit("--database-url must point at PostgreSQL")
        name = f"sellsafe_bench_import_{os.getpid()}"
        admin = parts._replace(path=parts.path or "/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            return measure(args, parts._replace(path=f"/{name}").geturl(), data_dir)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def print_table(report: dict[str, Any]) -> None:
    result = report["result"]
    setup = result["setup"]
    print(
        f"\nCatalog CSV import, {setup['vendor']}, {setup['rows']:,} rows, "
        f"{setup['products']:,} products, {setup['file_bytes'] / 1e6:.1f} MB"
    )
    print(
        f"{'phase':<12} {'rows/s':>9} {'seconds':>8} {'CPU s':>6} {'SQL s':>6} "
        f"{'peak RSS MiB':>13} {'growth MiB':>11}"
    )
    for name, r in result["phases"].items():
        print(
            f"{name:<12} {r['rows_per_s']:>9,.0f} {r['seconds']:>8.1f} {r['cpu_s']:>6.1f} "
            f"{r['sql_s']:>6.1f} {r['peak_rss_mib']:>13.0f} {r['rss_growth_mib']:>11.0f}"
        )
    if result["copy"]:
        c = result["copy"]
        print(f"{'COPY (ref)':<12} {c['rows_per_s']:>9,.0f} {c['seconds']:>8.1f}")
    for name, value in result["ratios"].items():
        print(f"ratio {name}: {value}")
    for name in ("create", "update"):
        r = result["phases"][name]
        print(f"{name}: counts {r['counts']}")
        print(f"{name}: database {r['database']} audit chain ok: {r['audit_chain_ok']}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_URL,
        help="PostgreSQL server to create the throwaway database on",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile dump per phase")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON result file")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=["validate", "create", "update"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.setup:
        print(json.dumps(setup_child(args.rows, args.data_dir), default=str))
        return
    if args.phase:
        print(json.dumps(phase_child(args.phase, args.data_dir, args.profile_to), default=str))
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
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
