"""Helpers shared by benchmarks: a throwaway PostgreSQL database and data dir, a Django child's
start-up, and the report envelope. (bench/run.py skips modules whose name starts with "_".)"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_arguments(parser: argparse.ArgumentParser, output: Path) -> None:
    """--database-url (where the throwaway database is created) and --output (the JSON file)."""
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_URL,
        help="PostgreSQL server to create the throwaway database on",
    )
    parser.add_argument("--output", type=Path, default=output, help="JSON result file")


@contextmanager
def throwaway_postgres(database_url: str, label: str) -> Iterator[tuple[str, Path]]:
    """(URL of a new, empty database next to `database_url`, a temporary data dir); both are
    removed afterwards, also on failure (the database WITH (FORCE): open connections too)."""
    import psycopg

    parts = urllib.parse.urlsplit(database_url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(f"{label} needs PostgreSQL (--database-url)")
    name = f"sellsafe_bench_{label}_{os.getpid()}"
    admin = parts._replace(path=parts.path or "/postgres").geturl()
    data_dir = Path(tempfile.mkdtemp(prefix=f"sellsafe-bench-{label}-"))
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield parts._replace(path=f"/{name}").geturl(), data_dir
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def app_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The app's environment for a child process: development settings with DEBUG off, this
    run's data dir and database; Redis only when `extra` sets REDIS_URL."""
    env = dict(os.environ)
    env.update(
        SELLSAFE_ENV="development",
        SELLSAFE_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="sellsafe.settings",
        DATABASE_URL=database_url,
    )
    for name in ("SELLSAFE_DEBUG", "REDIS_URL"):
        env.pop(name, None)
    env.update(extra)
    return env


def django_child() -> None:
    """In a child process: set Django up, migrate the empty database, create the cache table."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)


def envelope(started: float, load_before: tuple[float, ...], **fields: Any) -> dict[str, Any]:
    """What every result file starts with: when, the command, the machine and its load."""
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "wall_s": round(time.monotonic() - started, 1),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        **fields,
    }


def write_report(report: dict[str, Any], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nwritten to {output}")
