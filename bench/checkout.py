"""Checkout throughput through the real HTTP stack, against a pgbench script doing the same SQL.

Run: .venv/bin/python bench/checkout.py [--seconds 20] [--posts 600] [--no-prepared] [--pairs 3]
         [--variants 2000] [--hot-stock 400] [--clients 2,8] [--redis-url redis://127.0.0.1:6379/15]
         [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--output FILE]

PostgreSQL only. A throwaway database is created next to --database-url (dropped afterwards, also
on failure). A setup child migrates it, creates a shop with the real `shop_create` (payment
methods cod + bank_transfer, the default), one location, --variants active products of one
variant each with 1,000,000 units (the spread catalogue), one hot product with exactly
--hot-stock units, and one more hot row for pgbench. It then captures the SQL of one checkout POST
(CaptureQueriesContext, test client in-process) and profiles 40 checkout POSTs with cProfile.

Then gunicorn serves `sellsafe.wsgi:application --workers 2` (SELLSAFE_ENV=development, DEBUG
off, SELLSAFE_TRUSTED_PROXY_COUNT=1) and client threads (stdlib http.client) each play buyers, one
order per buyer, each with its own cookie jar, X-Forwarded-For address and email, so the
checkout rate limits (per address and per email) stay on and hold. One buyer: GET the product
page (CSRF cookie and token), POST two "add to cart", GET the checkout (idempotency key), POST the
checkout, which must answer 302 to the buyer's order page. Spread: two different spread variants
per order. Hot: the hot variant (quantity 1) plus one spread variant, until the hot stock is gone;
then "sold out" refusals are expected, counted apart, not errors.

By default (POST-only) each timed spread run and the hot run first prepare their buyers (cart
filled, checkout form with key and CSRF token fetched) with the clock stopped, then time only the
checkout POSTs: orders/s through the checkout endpoint. One more spread run at the top client count
times whole flows (`flow_spread_c8`). `--no-prepared` times whole flows everywhere (as before).

Reference, same run and database: pgbench, one transaction per order: two conditional UPDATEs
of stock levels (`reserved = reserved + 1 WHERE on_hand >= reserved + 1`, in a fixed order), the
INSERT of an order and two INSERTs of its lines; -c 2 -j 2 and -c 8 -j 2, spread and hot.
Afterwards: reserved == units sold per variant, on hand never below reserved, hot orders == hot
stock at most.

Then `--pairs` (default 3) paired rounds: the spread POST-only run at the top client count, then
pgbench spread at that count straight after, on a freshly started gunicorn. The phases above are
minutes apart from their pgbench reference, and this machine's speed drifts by 20-30% over
minutes; each pair's ratio compares runs seconds apart, and their median is the figure quoted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from _common import (
    app_env,
    django_child,
    envelope,
    server_arguments,
    throwaway_postgres,
    write_report,
)
from login_throughput import cookies_from, cpu_seconds, fetch, free_port, machine_busy_seconds
from login_throughput import percentile as percentile_ms
from stock_adjust import pgbench_run

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "checkout.json"
SLUG = "bench-shop"
SPREAD_ON_HAND = 1_000_000
PGBENCH_HOT_ON_HAND = 100_000_000
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken"\s+value="([^"]+)"')
KEY_FIELD = re.compile(rb'name="idempotency_key"\s+value="([^"]+)"')
USER_AGENT = "sellsafe-bench/1 (checkout)"
TARGET_RATIO = 0.10
NOISY_OTHER_CPU = 0.05
PROFILED_CHECKOUTS = 40
BUYER = {
    "name": "Ada Quietbuyer",
    "line1": "221B Hiddenstreet Road",
    "line2": "",
    "city": "London",
    "region": "",
    "postcode": "NW1 6XE",
    "country": "GB",
    "delivery_note": "Leave with the neighbour",
    "payment_method": "bank_transfer",
}


def email_of(index: int) -> str:
    return f"buyer-{index:07d}@bench.example.com"


def address_of(index: int) -> str:
    """A distinct address per buyer (10.x.y.z), presented as X-Forwarded-For."""
    return f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}"


def phone_of(index: int) -> str:
    return f"07911 {100000 + index % 900000}"


def form_of(index: int, key: str, token: str) -> dict[str, str]:
    return {
        **BUYER,
        "email": email_of(index),
        "phone": phone_of(index),
        "idempotency_key": key,
        "csrfmiddlewaretoken": token,
    }


# --- Setup child -----------------------------------------------------------------------------------


def setup_child(args: argparse.Namespace) -> dict[str, Any]:
    django_child()
    from django.conf import settings
    from django.db import connection

    from sellsafe.accounts.models import User
    from sellsafe.catalog.models import Product, ProductStatus, Variant
    from sellsafe.core import tenancy
    from sellsafe.inventory.models import Location, LocationKind, StockLevel
    from sellsafe.shops.services import shop_create

    owner = User.objects.create_user("owner@bench.example.com", None)
    shop = shop_create(
        actor=owner,
        name="Bench Shop",
        slug=SLUG,
        country="GB",
        currency="GBP",
        timezone="Europe/London",
        contact_email="owner@bench.example.com",
    )
    if "bank_transfer" not in shop.payment_methods:
        raise RuntimeError(f"unexpected payment methods {shop.payment_methods}")
    n = args.variants
    with tenancy.scope(shop):
        location = Location.objects.create(shop=shop, name="Main", kind=LocationKind.WAREHOUSE)
        products = [
            Product(shop=shop, title=f"Product {i}", handle=f"product-{i}",
                    status=ProductStatus.ACTIVE)
            for i in range(n + 2)
        ]  # fmt: skip
        products[n].title, products[n].handle = "Hot Product", "hot"
        products[n + 1].title, products[n + 1].handle = "Pgbench Hot", "pgbench-hot"
        Product.objects.bulk_create(products, batch_size=1000)
        variants = [
            Variant(shop=shop, product=p, sku=f"SKU-{i:06d}", price_minor=1000 + i % 500,
                    option_values=[])
            for i, p in enumerate(products)
        ]  # fmt: skip
        Variant.objects.bulk_create(variants, batch_size=1000)
        on_hand = [SPREAD_ON_HAND] * n + [args.hot_stock, PGBENCH_HOT_ON_HAND]
        levels = [
            StockLevel(shop=shop, variant=v, location=location, on_hand=on_hand[i])
            for i, v in enumerate(variants)
        ]
        StockLevel.objects.bulk_create(levels, batch_size=1000)
    with connection.cursor() as cursor:
        # pgbench variables are integers: level n (1..variants spread, 0 the pgbench hot row).
        cursor.execute("CREATE TABLE bench_level (n integer PRIMARY KEY, level_id uuid)")
        rows = [(i + 1, levels[i].pk) for i in range(n)] + [(0, levels[n + 1].pk)]
        cursor.executemany("INSERT INTO bench_level VALUES (%s, %s)", rows)
        cursor.execute("CREATE SEQUENCE bench_order_number START 100000000")
        cursor.execute("ANALYZE")
    spread = [[str(v.pk), p.handle] for v, p in zip(variants[:n], products[:n], strict=True)]
    info = {
        "shop_id": str(shop.pk),
        "location_id": str(location.pk),
        "spread": spread,
        "hot": [str(variants[n].pk), "hot"],
        "pgbench_hot_variant": str(variants[n + 1].pk),
        "rate_limits": {
            "checkout_per_ip_per_hour": int(
                getattr(settings, "SELLSAFE_CHECKOUT_PER_IP_PER_HOUR", 30)
            ),
            "checkout_per_email_per_hour": int(
                getattr(settings, "SELLSAFE_CHECKOUT_PER_EMAIL_PER_HOUR", 10)
            ),
        },
        "cache_backend": settings.CACHES["default"]["BACKEND"],
        "tasks_backend": settings.TASKS["default"]["BACKEND"],
        "session_engine": settings.SESSION_ENGINE,
        "debug": settings.DEBUG,
    }
    info.update(in_process(spread))
    return info


def in_process(spread: list[list[str]]) -> dict[str, Any]:
    """The SQL of one checkout POST, and a cProfile of PROFILED_CHECKOUTS of them (test client,
    CSRF not enforced; own address and email per buyer as over HTTP)."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    base = f"/store/{SLUG}"

    def prepare(index: int) -> tuple[Client, dict[str, str], str]:
        client = Client(HTTP_X_FORWARDED_FOR=address_of(900_000 + index))
        for variant_id, _ in (spread[index % len(spread)], spread[(index + 7) % len(spread)]):
            answer = client.post(f"{base}/cart/add/", {"variant_id": variant_id, "quantity": "1"})
            if answer.status_code != 302:
                raise RuntimeError(f"cart add answered {answer.status_code}")
        page = client.get(f"{base}/checkout/")
        key = KEY_FIELD.search(page.content)
        if page.status_code != 200 or key is None:
            raise RuntimeError(f"checkout GET answered {page.status_code}")
        return client, form_of(900_000 + index, key.group(1).decode(), ""), f"{base}/checkout/"

    def post(client: Client, form: dict[str, str], url: str) -> float:
        started = time.perf_counter()
        answer = client.post(url, form)
        elapsed = time.perf_counter() - started
        if answer.status_code != 302 or f"{base}/orders/" not in answer["Location"]:
            raise RuntimeError(f"checkout POST answered {answer.status_code}")
        return elapsed

    for index in range(5):  # warm-up
        post(*prepare(index))
    client, form, url = prepare(5)
    with CaptureQueriesContext(connection) as captured:
        post(client, form, url)
    statements = [q["sql"] for q in captured]
    windows: list[dict[str, Any]] = []
    unprofiled_cpu: list[float] = []  # CPU of the POSTs below, without a profiler
    for index in range(6, 11):  # how long the shop row stays locked (order counter)
        timed: list[tuple[str, float, float]] = []

        def timing(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timed.append((sql, started, time.perf_counter()))  # noqa: B023

        def commit(original: Any = connection.commit) -> None:
            started = time.perf_counter()
            original()
            timed.append(("COMMIT", started, time.perf_counter()))  # noqa: B023

        client, form, url = prepare(index)
        connection.commit = commit  # type: ignore[method-assign]
        cpu_started = time.process_time()
        try:
            with connection.execute_wrapper(timing):
                post(client, form, url)
        finally:
            del connection.commit  # the class's method again
        unprofiled_cpu.append(time.process_time() - cpu_started)
        begin = next(
            i
            for i, q in enumerate(timed)
            if q[0].replace('"', "").startswith("UPDATE shops_shop SET order_counter")
        )
        end = next(i for i in range(begin, len(timed)) if timed[i][0] == "COMMIT")
        inside = timed[begin : end + 1]
        windows.append({
            "held_ms": round((inside[-1][2] - inside[0][1]) * 1000, 2),
            "statements": len(inside),
            "in_database_ms": round(sum(q[2] - q[1] for q in inside) * 1000, 2),
            "timed": [f"{(q[2] - q[1]) * 1000:.2f} ms  {q[0][:90]}" for q in inside],
        })  # fmt: skip
    windows.sort(key=lambda w: w["held_ms"])
    timings, cpu = [], []
    wall_profile, cpu_profile = cProfile.Profile(), cProfile.Profile(time.process_time)
    for index in range(11, 11 + PROFILED_CHECKOUTS):
        client, form, url = prepare(index)
        profiler = wall_profile if index % 2 else cpu_profile
        cpu_started = time.process_time()
        profiler.enable()
        timings.append(post(client, form, url))
        profiler.disable()
        cpu.append(time.process_time() - cpu_started)

    def top(profiler: cProfile.Profile, order: str, count: int) -> list[str]:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(count)
        return _trim_profile(out.getvalue())

    kinds = Counter(_statement_kind(sql) for sql in statements)
    return {
        "statements_per_checkout_post": len(statements),
        "statement_kinds": dict(kinds),
        "statements": [sql[:200] for sql in statements],
        "in_process_post_ms": {
            "p50": _r(percentile_ms(timings, 0.5)),
            "mean": _r(sum(timings) * 1000 / len(timings)),
            "cpu_mean_profiled": _r(sum(cpu) * 1000 / len(cpu)),
            "cpu_median_unprofiled": _r(sorted(unprofiled_cpu)[len(unprofiled_cpu) // 2] * 1000),
        },
        "shop_row_lock_median": windows[len(windows) // 2],
        "profile_wall_by_self_time": top(wall_profile, "tottime", 25),
        "profile_wall_by_cumulative": top(wall_profile, "cumulative", 45),
        "profile_cpu_by_self_time": top(cpu_profile, "tottime", 30),
        "profile_cpu_by_cumulative": top(cpu_profile, "cumulative", 60),
    }


def _statement_kind(sql: str) -> str:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
    for table in ("django_session", "sellsafe_cache", "shops_shop", "inventory_stock_level",
                  "inventory_stock_movement", "orders_order_line", "orders_order",
                  "customers_customer", "audit_", "django_tasks", "catalog_variant"):  # fmt: skip
        if table in sql:
            return f"{head} {table.rstrip('_')}"
    return head


def _trim_profile(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    root = str(ROOT) + "/"
    return [line.replace(root, "").replace(str(BIN.parent) + "/lib/", "") for line in lines[start:]]


# --- The app server ----------------------------------------------------------------------------------


def base_env(data_dir: Path, url: str, redis_url: str | None, prefix: str) -> dict[str, str]:
    redis = {"REDIS_URL": redis_url} if redis_url else {}
    return app_env(
        data_dir, url, SELLSAFE_TRUSTED_PROXY_COUNT="1", SELLSAFE_CACHE_PREFIX=prefix, **redis
    )


@contextmanager
def gunicorn(env: dict[str, str], data_dir: Path, workers: int) -> Iterator[tuple[Any, int]]:
    port = free_port()
    command = [str(BIN / "gunicorn"), "sellsafe.wsgi:application", f"--workers={workers}",
               f"--bind=127.0.0.1:{port}"]  # fmt: skip
    log_path = data_dir / "gunicorn.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()[-3000:]}")
            try:
                if fetch(port, "GET", f"/store/{SLUG}/", {})[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        yield server, port
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


# --- Buyers --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    kind: str  # "ok", "sold out" (expected in the hot run) or what went wrong
    flow_s: float
    post_s: float
    ended: float  # perf_counter when the buyer finished


class Jar:
    def __init__(self, address: str) -> None:
        self.cookies: dict[str, str] = {}
        self.address = address

    def headers(self, port: int, form: bool = False) -> dict[str, str]:
        headers = {"X-Forwarded-For": self.address, "User-Agent": USER_AGENT}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{port}"
        return headers

    def call(self, port: int, method: str, path: str, form: dict[str, str] | None = None) -> Any:
        body = urllib.parse.urlencode(form) if form is not None else None
        status, answer, page = fetch(port, method, path, self.headers(port, form is not None), body)
        self.cookies.update(cookies_from(answer))
        return status, answer, page


def prepare(
    port: int, index: int, lines: list[list[str]]
) -> tuple[Jar, dict[str, str], float] | Outcome:
    """A buyer up to the filled checkout form: product page, two cart adds, checkout page."""
    base = f"/store/{SLUG}"
    jar = Jar(address_of(index))
    started = time.perf_counter()
    try:
        status, _, page = jar.call(port, "GET", f"{base}/products/{lines[0][1]}/")
        token = CSRF_FIELD.search(page)
        if status != 200 or token is None:
            return Outcome(f"product GET {status}", time.perf_counter() - started, 0, 0)
        csrf = token.group(1).decode()
        for variant_id, _ in lines:
            form = {"variant_id": variant_id, "quantity": "1", "csrfmiddlewaretoken": csrf}
            status, _, _ = jar.call(port, "POST", f"{base}/cart/add/", form)
            if status != 302:
                return Outcome(f"cart add {status}", time.perf_counter() - started, 0, 0)
        status, _, page = jar.call(port, "GET", f"{base}/checkout/")
        key, token = KEY_FIELD.search(page), CSRF_FIELD.search(page)
        if status != 200 or key is None or token is None:
            return Outcome(f"checkout GET {status}", time.perf_counter() - started, 0, 0)
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(type(exc).__name__, time.perf_counter() - started, 0, 0)
    return jar, form_of(index, key.group(1).decode(), token.group(1).decode()), started


def submit(port: int, jar: Jar, form: dict[str, str], started: float | None = None) -> Outcome:
    """The checkout POST; `started` (the flow's start) or the POST's own start for flow_s."""
    base = f"/store/{SLUG}"
    post_started = time.perf_counter()
    started = post_started if started is None else started
    try:
        status, answer, page = jar.call(port, "POST", f"{base}/checkout/", form)
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(type(exc).__name__, time.perf_counter() - started, 0, 0)
    ended = time.perf_counter()
    if status == 302 and answer.get("Location", "").startswith(f"{base}/orders/"):
        kind = "ok"
    elif status == 400 and b"sold out" in page:
        kind = "sold out"
    else:
        kind = f"checkout POST {status}"
    return Outcome(kind, ended - started, ended - post_started, ended)


def buy(port: int, index: int, lines: list[list[str]]) -> Outcome:
    """One buyer's whole flow: product page, two cart adds, checkout page, checkout POST."""
    ready = prepare(port, index, lines)
    if isinstance(ready, Outcome):
        return ready
    jar, form, started = ready
    return submit(port, jar, form, started)


def prepare_many(port: int, buyers: Buyers, cart: Any, count: int,
                 threads: int = 8) -> list[tuple[Jar, dict[str, str]]]:  # fmt: skip
    """`count` buyers with a filled cart and checkout form (key + CSRF), before a timed run."""
    ready: list[tuple[Jar, dict[str, str]]] = []
    failed: Counter[str] = Counter()
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if len(ready) + sum(failed.values()) + busy[0] >= count:
                    return
                busy[0] += 1
            index = buyers.take()
            got = prepare(port, index, cart(index))
            with lock:
                busy[0] -= 1
                if isinstance(got, Outcome):
                    failed[got.kind] += 1
                else:
                    ready.append((got[0], got[1]))

    busy = [0]
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if failed:
        raise RuntimeError(f"preparing buyers failed: {dict(failed)}")
    return ready


class Buyers:
    """Unique buyer numbers across the whole run (one order per buyer)."""

    def __init__(self) -> None:
        self.next = 0
        self.lock = threading.Lock()

    def take(self) -> int:
        with self.lock:
            self.next += 1
            return self.next


def load(port: int, buyers: Buyers, cart: Any, clients: int, seconds: float,
         attempts: int | None,
         prepared: list[tuple[Jar, dict[str, str]]] | None = None,
         ) -> tuple[list[Outcome], float]:  # fmt: skip
    """Buyers' whole flows, or (with `prepared`) only the checkout POSTs of prepared buyers."""
    lock = threading.Lock()
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                if attempts is not None and len(outcomes) + busy[0] >= attempts:
                    return
                if prepared is not None and not prepared:
                    return
                busy[0] += 1
                ready = prepared.pop() if prepared is not None else None
            if ready is not None:
                outcome = submit(port, *ready)
            else:
                index = buyers.take()
                outcome = buy(port, index, cart(index))
            with lock:
                busy[0] -= 1
                outcomes.append(outcome)

    busy = [0]
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, started


def backend_cpu(url: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to this database (the app's persistent
    connections, CONN_MAX_AGE=60), read from /proc."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    found = {}
    for (pid,) in rows:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return found


def phase(name: str, port: int, server_pid: int, buyers: Buyers, cart: Any, clients: int,
          seconds: float, url: str, attempts: int | None = None,
          posts: int | None = None) -> dict[str, Any]:  # fmt: skip
    """A timed run: whole buyer flows, or with `posts` that many buyers prepared (cart and
    checkout form) before the clock starts and only their checkout POSTs timed."""
    prepared = None
    if posts is not None:
        print(f"{datetime.now():%H:%M:%S} {name}: preparing {posts} buyers ...", flush=True)
        prepared = prepare_many(port, buyers, cart, posts)
    print(f"{datetime.now():%H:%M:%S} {name}: {clients} clients ...", flush=True)
    db = backend_cpu(url)
    busy, server, client_cpu = machine_busy_seconds(), cpu_seconds(server_pid), time.process_time()
    load_before = os.getloadavg()[0]
    outcomes, started = load(port, buyers, cart, clients, seconds, attempts, prepared)
    wall = time.perf_counter() - started
    busy_after, server_after = machine_busy_seconds(), cpu_seconds(server_pid)
    client_s = time.process_time() - client_cpu
    db_after = backend_cpu(url)
    db_s = sum(db_after[pid] - db.get(pid, 0.0) for pid in db_after)
    ok = [o for o in outcomes if o.kind == "ok"]
    # Orders/s over the time until the last order completed (the hot run ends in refusals).
    window = (max(o.ended for o in ok) - started) if ok else wall
    errors = Counter(o.kind for o in outcomes if o.kind not in ("ok", "sold out"))
    server_s = None if server is None or server_after is None else server_after - server
    other = None
    if server_s is not None and busy is not None and busy_after is not None:
        other_s = busy_after - busy - server_s - client_s - db_s
        other = max(other_s, 0.0) / (wall * (os.cpu_count() or 1))
    return {
        "timed": "checkout POST only" if posts is not None else "whole buyer flow",
        "clients": clients,
        "attempted": len(outcomes),
        "orders": len(ok),
        "sold_out_refusals": sum(1 for o in outcomes if o.kind == "sold out"),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "wall_s": round(wall, 2),
        "orders_per_s": round(len(ok) / window, 1) if window else 0.0,
        "post_ms": {
            "p50": _r(percentile_ms([o.post_s for o in ok], 0.5)),
            "p99": _r(percentile_ms([o.post_s for o in ok], 0.99)),
        },
        "flow_ms": {
            "p50": _r(percentile_ms([o.flow_s for o in ok], 0.5)),
            "p99": _r(percentile_ms([o.flow_s for o in ok], 0.99)),
        },
        "server_cpu_ms_per_order": (
            round(server_s * 1000 / len(ok), 2) if server_s is not None and ok else None
        ),
        "db_cpu_ms_per_order": round(db_s * 1000 / len(ok), 2) if ok else None,
        "client_cpu_ms_per_order": round(client_s * 1000 / len(ok), 2) if ok else None,
        "other_cpu_share": None if other is None else round(other, 3),
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --- pgbench --------------------------------------------------------------------------------------


def pgbench_script(shop_id: str, location_id: str, hot: bool, shop_lock: bool = False) -> str:
    """One order's SQL; `shop_lock` adds the app's order-counter UPDATE of the shop row first
    (held to COMMIT, as in order_place): what per-shop serialisation costs the database alone."""
    first = "\\set a 0\n" if hot else "\\set a random(1, :nlevels)\n"
    pick = (
        "\\set b random(1, :nlevels)\n"
        if hot
        else "\\set b (:a + random(1, :nlevels - 1) - 1) % :nlevels + 1\n"
    )
    order = "\\set lo least(:a, :b)\n\\set hi greatest(:a, :b)\n"  # lock order: no deadlocks
    reserve = (
        "UPDATE inventory_stock_level SET reserved = reserved + 1 "
        "WHERE id = (SELECT level_id FROM bench_level WHERE n = :{v}) "
        "AND on_hand >= reserved + 1;\n"
    )
    line = (
        "INSERT INTO orders_order_line (id, shop_id, order_id, variant_id, location_id, sku, "
        "title, options, unit_price_minor, quantity, total_minor, quantity_shipped, "
        "quantity_returned, position) VALUES (gen_random_uuid(), '{shop}', ':oid', NULL, "
        "'{location}', 'SKU-PG', 'Pgbench product', '', 1000, 1, 1000, 0, 0, {pos});\n"
    )
    return (
        first + pick + order + "BEGIN;\n"
        + ("UPDATE shops_shop SET order_counter = order_counter + 1 WHERE id = '{shop}';\n"
           if shop_lock else "")
        + reserve.format(v="lo") + reserve.format(v="hi")
        + "INSERT INTO orders_order (id, shop_id, number, status, fulfilment_status, "
        "payment_method, payment_reference, currency, subtotal_minor, shipping_minor, "
        "total_minor, paid_minor, refunded_minor, customer_id, buyer_email, buyer_email_index, "
        "buyer_name, buyer_phone, buyer_phone_index, shipping_address, ship_country, "
        "delivery_note, idempotency_key, link_key, placed_at, updated_at, paid_at, expires_at, "
        "cancelled_at, cancel_reason, completed_at, anonymised_at) "
        "SELECT gen_random_uuid(), '{shop}', n, 'pending_payment', 'unfulfilled', "
        "'bank_transfer', 'PG-' || n, 'GBP', 2000, 0, 2000, 0, 0, NULL, '', '', '', '', '', '', "
        "'GB', '', 'pgbench-' || n, md5(n::text), now(), now(), NULL, now() + interval '3 days', "
        "NULL, '', NULL, NULL FROM nextval('bench_order_number') AS n RETURNING id AS oid \\gset\n"
        + line.replace("{pos}", "0") + line.replace("{pos}", "1")
        + "COMMIT;\n"
    ).replace("{shop}", shop_id).replace("{location}", location_id)  # fmt: skip


# --- Parent ----------------------------------------------------------------------------------------


def verify(url: str, setup: dict[str, Any], hot_orders: int) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(url) as conn:
        negative = conn.execute(
            "SELECT count(*) FROM inventory_stock_level WHERE reserved > on_hand OR on_hand < 0"
        ).fetchone()
        mismatched = conn.execute(
            "SELECT count(*) FROM inventory_stock_level s LEFT JOIN (SELECT variant_id, "
            "sum(quantity) q FROM orders_order_line WHERE variant_id IS NOT NULL "
            "GROUP BY variant_id) l ON l.variant_id = s.variant_id "
            "WHERE s.variant_id = ANY(%s::uuid[]) AND s.reserved <> coalesce(l.q, 0)",
            ([v for v, _ in setup["spread"]] + [setup["hot"][0]],),
        ).fetchone()
        hot = conn.execute(
            "SELECT s.on_hand, s.reserved, (SELECT coalesce(sum(quantity), 0) FROM "
            "orders_order_line WHERE variant_id = s.variant_id), (SELECT count(DISTINCT "
            "order_id) FROM orders_order_line WHERE variant_id = s.variant_id) "
            "FROM inventory_stock_level s WHERE s.variant_id = %s",
            (setup["hot"][0],),
        ).fetchone()
    assert negative is not None and mismatched is not None and hot is not None
    on_hand, reserved, sold, orders = hot
    return {
        "levels_reserved_above_on_hand": negative[0],
        "app_levels_reserved_not_equal_units_sold": mismatched[0],
        "hot": {
            "on_hand": on_hand,
            "reserved": reserved,
            "units_in_order_lines": int(sold),
            "orders_with_hot_line": orders,
            "orders_completed_by_load_and_warmup": hot_orders,
        },
        "oversold": reserved > on_hand or int(sold) != reserved or orders != hot_orders,
    }


def spread_cart(spread: list[list[str]]) -> Any:
    def cart(index: int) -> list[list[str]]:
        a = (index * 7919) % len(spread)
        return [spread[a], spread[(a + 1 + index % (len(spread) - 1)) % len(spread)]]

    return cart


def forget_redis(redis_url: str | None, prefix: str, shop_id: str | None) -> dict[str, int]:
    """Delete this run's cache keys (rate-limit counters) and its queued confirmation emails
    (RQ queue "default", jobs for this run's shop) from Redis: nothing of it outlives the run."""
    if not redis_url:
        return {}
    import redis
    from rq import Queue

    connection = redis.Redis.from_url(redis_url)
    keys = list(connection.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 500):
        connection.delete(*keys[start : start + 500])
    jobs = 0
    if shop_id:
        for job in Queue("default", connection=connection).get_jobs():
            if job.kwargs.get("shop_id") == shop_id:
                job.delete()
                jobs += 1
    return {"cache_keys": len(keys), "queued_jobs": jobs}


def measure(args: argparse.Namespace, url: str, data_dir: Path) -> dict[str, Any]:
    prefix = f"bench-checkout-{os.getpid()}-{int(time.time())}"
    shop: dict[str, str] = {}
    try:
        return measure_with(args, url, data_dir, prefix, shop)
    finally:
        forgotten = forget_redis(args.redis_url, prefix, shop.get("id"))
        if forgotten:
            print(f"removed from Redis: {forgotten}")


def measure_with(
    args: argparse.Namespace, url: str, data_dir: Path, prefix: str, shop: dict[str, str]
) -> dict[str, Any]:
    env = base_env(data_dir, url, args.redis_url, prefix)
    print(f"{datetime.now():%H:%M:%S} setup (migrate, catalogue, statements, profile) ...",
          flush=True)  # fmt: skip
    done = subprocess.run(
        [sys.executable, __file__, "--setup", "--variants", str(args.variants),
         "--hot-stock", str(args.hot_stock)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"setup failed:\n{done.stderr[-4000:]}")
    setup = json.loads(done.stdout.strip().splitlines()[-1])
    shop["id"] = setup["shop_id"]
    if setup["debug"]:
        raise RuntimeError("DEBUG is on: this benchmark measures the app with DEBUG off")
    limits = setup["rate_limits"]
    if min(limits.values()) <= 0 or min(limits.values()) > 1000:
        raise RuntimeError(f"checkout rate limits look off: {limits}")
    spread, hot = setup["spread"], setup["hot"]
    cart = spread_cart(spread)

    def hot_cart(index: int) -> list[list[str]]:
        return [hot, cart(index)[1]]

    buyers = Buyers()
    buyers.next = 1000  # the setup child used its own numbers (900,000+)
    phases: dict[str, Any] = {}
    with gunicorn(env, data_dir, args.workers) as (server, port):
        warm = [buy(port, buyers.take(), cart(i)) for i in range(6)]
        if any(o.kind != "ok" for o in warm):
            log = (data_dir / "gunicorn.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"warm-up failed: {[o.kind for o in warm]}\n{log}")
        top = max(args.clients)
        prepared = args.prepared
        for clients in args.clients:
            phases[f"spread_c{clients}"] = phase(
                "spread", port, server.pid, buyers, cart, clients,
                args.seconds * 3 if prepared else args.seconds, url,
                posts=args.posts if prepared else None,
            )  # fmt: skip
        if prepared:  # the whole-flow figure next to the POST-only ones
            phases[f"flow_spread_c{top}"] = phase("spread, whole flow", port, server.pid,
                                                  buyers, cart, top, args.seconds, url)  # fmt: skip
        hot_attempts = args.hot_stock + args.hot_extra
        phases[f"hot_c{top}"] = phase(
            "hot", port, server.pid, buyers, hot_cart, top, args.seconds * 6, url,
            attempts=hot_attempts, posts=hot_attempts if prepared else None,
        )  # fmt: skip
    check = verify(url, setup, phases[f"hot_c{top}"]["orders"])  # before pgbench reserves more
    shop_id, location_id = setup["shop_id"], setup["location_id"]
    pgbench: dict[str, Any] = {}
    for mode in ("spread", "hot"):
        script = data_dir / f"order_{mode}.sql"
        script.write_text(pgbench_script(shop_id, location_id, mode == "hot"))
        for clients in (2, 8):
            print(f"{datetime.now():%H:%M:%S} pgbench {mode} -c {clients} ...", flush=True)
            pgbench[f"{mode}_c{clients}"] = pgbench_run(
                url, script, clients, 2, args.pgbench_seconds, args.variants
            )
    script = data_dir / "order_spread_shop_lock.sql"
    script.write_text(pgbench_script(shop_id, location_id, False, shop_lock=True))
    for clients in (2, 8):
        print(f"{datetime.now():%H:%M:%S} pgbench spread + shop row lock -c {clients} ...")
        pgbench[f"shoplock_c{clients}"] = pgbench_run(
            url, script, clients, 2, args.pgbench_seconds, args.variants
        )
    pairs = paired_rounds(
        args, env, data_dir, url, buyers, cart, script=data_dir / "order_spread.sql"
    )
    best = max(r["per_s"] for k, r in pgbench.items() if k.startswith("spread"))
    best_hot = max(r["per_s"] for k, r in pgbench.items() if k.startswith("hot"))
    ratios: dict[str, float] = {}
    for name, result in phases.items():
        mode, clients = name.removeprefix("flow_").split("_c")
        same = pgbench.get(f"{mode}_c{clients}") or pgbench[f"{mode}_c8"]
        ratios[f"{name}_over_pgbench_same_c"] = round(result["orders_per_s"] / same["per_s"], 4)
        ratios[f"{name}_over_pgbench_best"] = round(
            result["orders_per_s"] / (best if mode == "spread" else best_hot), 4
        )
    statement_setup = {k: setup[k] for k in setup if k not in ("spread",)}
    return {
        "setup": statement_setup,
        "buyer_lines": {
            "spread": "two different spread variants, quantity 1 each",
            "hot": "the hot variant (quantity 1) plus one spread variant (quantity 1)",
        },
        "hot_stock": args.hot_stock,
        "phases": phases,
        "pgbench": pgbench,
        "pgbench_script_spread": pgbench_script("<shop>", "<location>", False),
        "ratios": ratios,
        "paired": pairs,
        "check": check,
    }


def paired_rounds(args: argparse.Namespace, env: dict[str, str], data_dir: Path, url: str,
                  buyers: Buyers, cart: Any, script: Path) -> dict[str, Any]:  # fmt: skip
    """The spread POST-only run at the top client count and pgbench at the same count, back to
    back, `--pairs` times: each ratio compares two runs seconds apart, so a change in the
    machine's speed between the app's phases and the pgbench phases above (minutes apart) moves
    it less. Their median is the figure to quote; afterwards no level may hold more reserved than
    on hand (pgbench's UPDATEs reserve too, so the order lines no longer add up to `reserved`)."""
    import psycopg

    if args.pairs <= 0:
        return {}
    top = max(args.clients)
    rounds: list[dict[str, Any]] = []
    with gunicorn(env, data_dir, args.workers) as (server, port):
        warm = [buy(port, buyers.take(), cart(i)) for i in range(6)]
        if any(o.kind != "ok" for o in warm):
            raise RuntimeError(f"paired warm-up failed: {[o.kind for o in warm]}")
        for number in range(1, args.pairs + 1):
            app = phase(f"pair {number}: spread", port, server.pid, buyers, cart, top,
                        args.seconds * 3, url, posts=args.posts)  # fmt: skip
            print(f"{datetime.now():%H:%M:%S} pair {number}: pgbench spread -c {top} ...")
            reference = pgbench_run(url, script, top, 2, args.pgbench_seconds, args.variants)
            rounds.append({
                "orders_per_s": app["orders_per_s"],
                "errors": app["errors"],
                "server_cpu_ms_per_order": app["server_cpu_ms_per_order"],
                "db_cpu_ms_per_order": app["db_cpu_ms_per_order"],
                "pgbench_per_s": reference["per_s"],
                "ratio": round(app["orders_per_s"] / reference["per_s"], 4),
            })  # fmt: skip
    with psycopg.connect(url) as conn:
        above = conn.execute(
            "SELECT count(*) FROM inventory_stock_level WHERE reserved > on_hand OR on_hand < 0"
        ).fetchone()
    ratios = sorted(r["ratio"] for r in rounds)
    return {
        "clients": top,
        "rounds": rounds,
        "median_ratio": ratios[len(ratios) // 2],
        "errors": sum(r["errors"] for r in rounds),
        "levels_reserved_above_on_hand": above[0] if above else None,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    with throwaway_postgres(args.database_url, "checkout") as (url, data_dir):
        return measure(args, url, data_dir)


def print_table(report: dict[str, Any]) -> None:
    result = report["result"]
    setup = result["setup"]
    print(
        f"\nCheckout, PostgreSQL, gunicorn {report['workers']} workers, cache "
        f"{setup['cache_backend'].rsplit('.', 1)[-1]}, rate limits {setup['rate_limits']}"
    )
    print(
        f"{'run':<16} {'orders/s':>9} {'POST p50/p99 ms':>17} {'flow p50/p99 ms':>17} "
        f"{'errors':>7} {'sold out':>9} {'CPU ms/order':>13} {'other CPU':>10}"
    )
    for name, r in result["phases"].items():
        print(
            f"{name:<16} {r['orders_per_s']:>9.1f} "
            f"{r['post_ms']['p50']:>8} /{r['post_ms']['p99']:>7} "
            f"{r['flow_ms']['p50']:>8} /{r['flow_ms']['p99']:>7} "
            f"{r['errors']:>7} {r['sold_out_refusals']:>9} "
            f"{r['server_cpu_ms_per_order'] or 0:>13.1f} {r['other_cpu_share'] or 0:>10.0%}"
        )
    for name, r in result["pgbench"].items():
        print(f"pgbench {name:<8} {r['per_s']:>9.0f} {r['latency_avg_ms']:>8} (avg)")
    for name, value in result["ratios"].items():
        print(f"ratio {name}: {value}")
    paired = result.get("paired") or {}
    for number, r in enumerate(paired.get("rounds", []), 1):
        print(f"pair {number}: spread_c{paired['clients']} {r['orders_per_s']:.1f} orders/s, "
              f"pgbench {r['pgbench_per_s']:.0f}, ratio {r['ratio']} ({r['errors']} errors)")  # fmt: skip
    if paired:
        print(f"ratio spread_c{paired['clients']} paired, median of {len(paired['rounds'])}: "
              f"{paired['median_ratio']} (levels over-reserved: "
              f"{paired['levels_reserved_above_on_hand']})")  # fmt: skip
    print(
        f"statements per checkout POST: {setup['statements_per_checkout_post']} "
        f"({setup['statement_kinds']}); in-process POST {setup['in_process_post_ms']}"
    )
    print(
        "shop row lock held per checkout (median of 5, in-process): "
        + ", ".join(f"{k} {v}" for k, v in setup["shop_row_lock_median"].items() if k != "timed")
    )
    print(f"check: {json.dumps(result['check'])}")
    if report["noisy"]:
        print("NOISY RUN: other work used more than 5% of the machine during the load")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--variants", type=int, default=2000, help="spread catalogue size")
    parser.add_argument("--hot-stock", type=int, default=400, help="units of the hot variant")
    parser.add_argument("--hot-extra", type=int, default=60, help="hot attempts past the stock")
    parser.add_argument("--seconds", type=float, default=20, help="per whole-flow spread run")
    parser.add_argument("--posts", type=int, default=600,
                        help="buyers prepared per POST-only spread run")  # fmt: skip
    parser.add_argument("--no-prepared", dest="prepared", action="store_false",
                        help="time whole buyer flows only (the earlier measurement)")  # fmt: skip
    parser.add_argument("--pgbench-seconds", type=float, default=10)
    parser.add_argument("--clients", default="2,8", help="client threads per spread run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--pairs", type=int, default=3,
                        help="spread runs at the top client count, each followed at once by "
                             "pgbench at that count (0: none)")  # fmt: skip
    parser.add_argument("--redis-url", help="cache (rate limits) and tasks in Redis, as scaled")
    server_arguments(parser, DEFAULT_OUTPUT)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.clients = [int(c) for c in str(args.clients).split(",") if c.strip()]
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.setup:
        print(json.dumps(setup_child(args), default=str))
        return
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` cleans up
    started = time.monotonic()
    load_before = os.getloadavg()
    result = run(args)
    others = [p["other_cpu_share"] for p in result["phases"].values()]
    report = envelope(
        started,
        load_before,
        workers=args.workers,
        noisy=any(o is not None and o > NOISY_OTHER_CPU for o in others),
        target_ratio=TARGET_RATIO,
        result=result,
    )
    print_table(report)
    write_report(report, args.output)


if __name__ == "__main__":
    main()
