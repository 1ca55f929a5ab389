"""Product list page at 100k products: p50/p99 server time per kind of request.

Run: .venv/bin/python bench/product_list.py [--products 100000] [--database postgresql|sqlite]
         [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--output FILE]

A child process gets a throwaway database (PostgreSQL: a database created next to --database-url
and dropped afterwards; SQLite: a file in a temporary data dir), migrates it, creates one shop with
the real `shop_create`, bulk-inserts --products products with 1-3 variants each and one stock level
per variant (bulk_create inside `tenancy.scope(shop)`, not timed), then ANALYZEs.

Measured, in-process with Django's test client (signed in with force_login as the owner), through
the real view GET /s/<slug>/products/: the first page, deep keyset pages (following the "next"
links), search by a common and a rare title word, exact SKU and barcode search, each status and
stock-state filter, and each sort (first and deep pages). Every request is timed on its own.

References measured in the same run, before and after the list requests: the bare SQL of the first
page (same ORDER BY/LIMIT on catalog_product) on a raw cursor, and an empty Django view through the
same client and middleware (the framework floor). For every kind, the queries of one request are
captured (cursor statements timed with perf_counter) and the EXPLAIN ANALYZE (PostgreSQL) or EXPLAIN
QUERY PLAN (SQLite) of the product list query is saved in the results JSON.

Target (issue 4): list p99 under 50 ms at 100k products.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import types
import urllib.parse
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "product_list.json"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_P99_MS = 50.0
BATCH = 5000
NEXT_LINK = re.compile(r'rel="next" href="\?([^"]+)"')

ADJECTIVES = ["Blue", "Red", "Green", "Black", "White", "Grey", "Navy", "Olive", "Sand", "Rust",
              "Classic", "Slim", "Relaxed", "Vintage", "Organic", "Light", "Heavy", "Soft",
              "Rugged", "Everyday"]  # fmt: skip
MATERIALS = ["Linen", "Cotton", "Wool", "Denim", "Leather", "Silk", "Canvas", "Fleece", "Suede",
             "Bamboo"]  # fmt: skip
NOUNS = ["Shirt", "Jacket", "Trousers", "Scarf", "Bag", "Hat", "Socks", "Dress", "Belt", "Apron",
         "Hoodie", "Blanket", "Cushion", "Towel", "Mug", "Notebook", "Wallet", "Gloves", "Skirt",
         "Sweater"]  # fmt: skip
SIZES = ["S", "M", "L"]
RARE_EVERY = 2000  # one product in this many gets the rare title word
RARE_WORD = "Zephyrine"


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)] * 1000, 2)


def stats(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": percentile(values, 0.5),
        "p99_ms": percentile(values, 0.99),
        "max_ms": percentile(values, 1.0),
    }


# --- Child: data ---------------------------------------------------------------------------------


def seed(count: int) -> dict[str, Any]:
    """One shop, `count` products with 1-3 variants and a stock level each; returns what the
    requests need. Not timed as part of the benchmark (its duration is reported)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.db import connection

    from sellsafe.accounts.models import User
    from sellsafe.catalog.models import Product, ProductStatus, Variant
    from sellsafe.core import tenancy
    from sellsafe.inventory.models import Location, LocationKind, StockLevel
    from sellsafe.shops.services import shop_create

    owner = User.objects.create_user("owner@bench.example.com", None)
    TOTP.activate(owner, generate_totp_secret())  # the console requires a second factor
    shop = shop_create(
        actor=owner,
        name="Bench Shop",
        slug="bench-shop",
        country="GB",
        currency="GBP",
        timezone="Europe/London",
        contact_email="owner@bench.example.com",
    )
    rng = random.Random(4)
    # Realistic spread of "last updated" instead of one instant: set the values ourselves.
    for name in ("updated_at", "created_at"):
        Product._meta.get_field(name).auto_now = False  # type: ignore[attr-defined]
        Product._meta.get_field(name).auto_now_add = False  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    statuses = [ProductStatus.ACTIVE] * 7 + [ProductStatus.DRAFT] * 2 + [ProductStatus.ARCHIVED]
    started = time.perf_counter()
    sample: dict[str, Any] = {}
    with tenancy.scope(shop):
        location = Location.objects.create(shop=shop, name="Main", kind=LocationKind.WAREHOUSE)
        for start in range(0, count, BATCH):
            products, variants, levels = [], [], []
            for n in range(start, min(start + BATCH, count)):
                words = [rng.choice(ADJECTIVES), rng.choice(MATERIALS), rng.choice(NOUNS)]
                if n % RARE_EVERY == 7:
                    words.insert(1, RARE_WORD)
                updated = now - timedelta(seconds=rng.randrange(365 * 86400))
                product = Product(
                    shop=shop,
                    title=f"{' '.join(words)} {n}",
                    status=rng.choice(statuses),
                    handle=f"product-{n}",
                    option_names=["Size"],
                    created_at=updated,
                    updated_at=updated,
                )
                products.append(product)
                # 80% in stock, 10% low (1-4), 10% out (0)
                roll = rng.random()
                for v in range(rng.randint(1, 3)):
                    variant = Variant(
                        shop=shop,
                        product=product,
                        sku=f"SKU-{n:06d}-{v}",
                        barcode=f"50{n:09d}{v}",
                        price_minor=rng.randrange(100, 50000),
                        option_values=[SIZES[v]],
                        position=v,
                    )
                    variants.append(variant)
                    # What refresh_price_range keeps: the variants' lowest and highest price.
                    if v == 0:
                        product.price_min = product.price_max = variant.price_minor
                    product.price_min = min(product.price_min, variant.price_minor)
                    product.price_max = max(product.price_max, variant.price_minor)
                    on_hand = 0 if roll < 0.1 else rng.randint(0, 2) if roll < 0.2 else 50
                    levels.append(
                        StockLevel(shop=shop, variant=variant, location=location, on_hand=on_hand)
                    )
            Product.objects.bulk_create(products, batch_size=1000)
            Variant.objects.bulk_create(variants, batch_size=1000)
            StockLevel.objects.bulk_create(levels, batch_size=1000)
            if start == count // 2 // BATCH * BATCH:
                sample["sku"] = variants[10].sku
                sample["barcode"] = variants[20].barcode
    seeded_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with tenancy.scope(shop):
        counts = {
            "products": Product.objects.count(),
            "variants": Variant.objects.count(),
            "stock_levels": StockLevel.objects.count(),
        }
    return {"owner": owner, "shop": shop, "seed_s": round(seeded_s, 1), "counts": counts, **sample}


# --- Child: requests -----------------------------------------------------------------------------


def empty_view(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse(b"")


def install_floor_urlconf() -> None:
    """The app's URLs plus one empty view, so both go through the same client and middleware."""
    from django.conf import settings
    from django.urls import clear_url_caches, include, path

    urlconf = types.ModuleType("bench_product_list_urls")
    urlconf.urlpatterns = [  # type: ignore[attr-defined]
        path("bench-empty/", empty_view),
        path("", include(settings.ROOT_URLCONF)),
    ]
    sys.modules[urlconf.__name__] = urlconf
    settings.ROOT_URLCONF = urlconf.__name__
    clear_url_caches()


def explain(sql: str, vendor: str, params: Any = None) -> str:
    from django.db import connection

    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


class Runner:
    def __init__(self, client: Any, base: str, vendor: str) -> None:
        self.client = client
        self.base = base
        self.vendor = vendor
        self.times: dict[str, list[float]] = {}
        self.queries: dict[str, Any] = {}

    def get(self, kind: str, query: str, *, expect_next: bool = False) -> str:
        started = time.perf_counter()
        response = self.client.get(f"{self.base}?{query}" if query else self.base)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{kind}: GET ?{query} answered {response.status_code}")
        self.times.setdefault(kind, []).append(elapsed)
        html = response.content.decode()
        link = NEXT_LINK.search(html)
        if expect_next and link is None:
            raise RuntimeError(f"{kind}: no next link on ?{query}")
        return unescape(link.group(1)) if link else ""

    def profile(self, kind: str, query: str) -> None:
        """The statements of one request of this kind (not timed): all of them as Django
        captures them (BEGIN/COMMIT included), the cursor statements also timed with perf_counter
        (Django rounds to the millisecond), and the EXPLAIN of the product list query itself."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        timed: list[dict[str, Any]] = []

        def timing(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                ms = (time.perf_counter() - started) * 1000
                timed.append({"ms": round(ms, 3), "sql": sql, "params": params})

        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timing):
            self.client.get(f"{self.base}?{query}" if query else self.base)
        lists = [q for q in timed if 'FROM "catalog_product"' in q["sql"]]
        page_query = lists[-1] if lists else max(timed, key=lambda q: q["ms"])
        self.queries[kind] = {
            "count": len(captured),
            "statements": [q["sql"][:160] for q in captured],
            "db_ms": round(sum(q["ms"] for q in timed), 2),
            "slowest_ms": max(q["ms"] for q in timed),
            "list_query_ms": page_query["ms"],
            "list_query_sql": page_query["sql"],
            "plan": explain(page_query["sql"], self.vendor, page_query["params"]),
            "timed": [f"{q['ms']:.2f} ms  {q['sql'][:160]}" for q in timed],
        }

    def repeat(self, kind: str, query: str, times: int) -> None:
        self.profile(kind, query)  # also warms this kind up
        for _ in range(times):
            self.get(kind, query)

    def walk(self, kind: str, query: str, pages: int) -> None:
        """Follow the next links `pages` times from the page `query` names."""
        self.get(f"{kind}:warm-up", query, expect_next=True)
        self.times.pop(f"{kind}:warm-up")
        current = query
        for page in range(pages):
            nxt = self.get(kind, current, expect_next=True)
            if page == pages // 2:
                self.profile(kind, current)
            current = nxt


def references(client: Any, shop: Any, rounds: int) -> dict[str, list[float]]:
    from django.db import connection

    sql = (
        "SELECT id, title, status, handle, updated_at FROM catalog_product WHERE shop_id = %s "
        "ORDER BY updated_at DESC, id DESC LIMIT 51"
    )
    pk = shop.pk if connection.vendor == "postgresql" else shop.pk.hex
    bare, floor = [], []
    with connection.cursor() as cursor:
        for _ in range(rounds):
            started = time.perf_counter()
            cursor.execute(sql, [pk])
            rows = cursor.fetchall()
            bare.append(time.perf_counter() - started)
            if len(rows) != 51:
                raise RuntimeError(f"bare SQL returned {len(rows)} rows")
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get("/bench-empty/")
        floor.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"empty view answered {response.status_code}")
    return {"bare_sql_first_page": bare, "empty_view": floor}


def child(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    data = seed(args.products)
    install_floor_urlconf()
    client = Client()
    client.force_login(data["owner"])
    shop = data["shop"]
    runner = Runner(client, f"/s/{shop.slug}/products/", connection.vendor)
    n = args.repeat
    runner.get("warm-up", "")
    references(client, shop, 20)  # warm-up
    before = references(client, shop, args.reference_requests // 2)

    runner.repeat("first page", "", 2 * n)
    runner.walk("deep pages (updated)", "", args.deep_pages)
    runner.repeat("search: common title word", "q=linen", n)
    runner.repeat("search: rare title word", f"q={RARE_WORD.lower()}", n)
    runner.repeat("search: exact SKU", urllib.parse.urlencode({"q": data["sku"]}), n)
    runner.repeat("search: exact barcode", urllib.parse.urlencode({"q": data["barcode"]}), n)
    for status in ("active", "draft", "archived"):
        runner.repeat(f"filter: status={status}", f"status={status}", n)
    for stock in ("in", "low", "out"):
        runner.repeat(f"filter: stock={stock}", f"stock={stock}", n)
    for sort in ("title", "price"):
        runner.repeat(f"sort: {sort}", f"sort={sort}", n)
        runner.walk(f"deep pages (sort={sort})", f"sort={sort}", n)

    after = references(client, shop, args.reference_requests - args.reference_requests // 2)
    everything = [t for kind, values in runner.times.items() if kind != "warm-up" for t in values]
    refs = {name: before[name] + after[name] for name in before}
    bare_plan = explain(
        "SELECT id, title, status, handle, updated_at FROM catalog_product WHERE shop_id = "
        f"'{shop.pk if connection.vendor == 'postgresql' else shop.pk.hex}' "
        "ORDER BY updated_at DESC, id DESC LIMIT 51",
        connection.vendor,
    )
    kinds = {kind: stats(values) for kind, values in runner.times.items() if kind != "warm-up"}
    for kind, info in kinds.items():
        info["queries"] = runner.queries.get(kind, {})
    return {
        "vendor": connection.vendor,
        "seed_s": data["seed_s"],
        "counts": data["counts"],
        "kinds": kinds,
        "overall": stats(everything),
        "reference": {name: stats(values) for name, values in refs.items()},
        "reference_plan": bare_plan,
    }


# --- Parent ----------------------------------------------------------------------------------------


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


def run_child(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--products",
        str(args.products),
        "--repeat",
        str(args.repeat),
        "--deep-pages",
        str(args.deep_pages),
        "--reference-requests",
        str(args.reference_requests),
    ]
    try:
        done = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=args.timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"the run took longer than {args.timeout} s") from exc
    if done.returncode != 0:
        raise RuntimeError(f"the run failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="sellsafe-bench-list-"))
    try:
        env = base_env(data_dir)
        if args.database == "sqlite":
            return run_child(args, env)
        import psycopg

        parts = urllib.parse.urlsplit(args.database_url)
        name = f"sellsafe_bench_list_{os.getpid()}"
        admin = parts._replace(path=parts.path or "/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            env["DATABASE_URL"] = parts._replace(path=f"/{name}").geturl()
            return run_child(args, env)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def print_table(report: dict[str, Any]) -> None:
    result = report["result"]
    print(
        f"\nProduct list, {result['vendor']}, {result['counts']['products']:,} products, "
        f"{result['counts']['variants']:,} variants (seeded in {result['seed_s']} s)"
    )
    print(
        f"{'kind':<34} {'n':>4} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8} {'db ms':>7} "
        f"{'list query ms':>14}"
    )
    for kind, info in result["kinds"].items():
        q = info["queries"]
        print(
            f"{kind:<34} {info['n']:>4} {info['p50_ms']:>8.1f} {info['p99_ms']:>8.1f} "
            f"{q.get('count', ''):>8} {q.get('db_ms', ''):>7} {q.get('list_query_ms', ''):>14}"
        )
    o = result["overall"]
    print(f"{'overall':<34} {o['n']:>4} {o['p50_ms']:>8.1f} {o['p99_ms']:>8.1f}")
    print("reference (same run)")
    for name, info in result["reference"].items():
        print(f"  {name:<32} {info['n']:>4} {info['p50_ms']:>8.2f} {info['p99_ms']:>8.2f}")
    print(
        f"ratios: list p50 / empty view p50 = {report['ratios']['p50_over_empty_view']}, "
        f"first page p50 / bare SQL p50 = {report['ratios']['first_page_over_bare_sql']}"
    )
    slow = report["over_target"]
    print(
        f"target p99 < {TARGET_P99_MS:.0f} ms: "
        + ("met by every kind" if not slow else f"missed by {', '.join(slow)}")
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_URL,
        help="PostgreSQL server to create the throwaway database on",
    )
    parser.add_argument("--repeat", type=int, default=10, help="requests per kind")
    parser.add_argument("--deep-pages", type=int, default=20, help="next links to follow")
    parser.add_argument("--reference-requests", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for the whole run")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON result file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child(args), default=str))
        return
    started = time.monotonic()
    result = run(args)
    first = result["kinds"]["first page"]["p50_ms"]
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "wall_s": round(time.monotonic() - started, 1),
        "target_p99_ms": TARGET_P99_MS,
        "result": result,
        "ratios": {
            "p50_over_empty_view": round(
                result["overall"]["p50_ms"] / result["reference"]["empty_view"]["p50_ms"], 1
            ),
            "first_page_over_bare_sql": round(
                first / result["reference"]["bare_sql_first_page"]["p50_ms"], 1
            ),
        },
        "over_target": [
            kind for kind, info in result["kinds"].items() if info["p99_ms"] > TARGET_P99_MS
        ],
    }
    print_table(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
