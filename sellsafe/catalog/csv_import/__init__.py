"""Importing the catalog from CSV: read the file safely, check every row, then write.

    result = import_csv(actor=member, shop=shop, data=raw_bytes, file_name="products.csv")

Nothing is written unless every row is valid, or `valid_only=True` (products with a problem in
any of their rows are skipped, the rest imported). `dry_run=True` checks and reports only.
The same code runs in the background task (csv_tasks) and in `sellsafe catalog import`.
See docs/catalog-csv.md.
"""

from __future__ import annotations

import gc
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError

from sellsafe.catalog.csv_import.planning import RowError, plan_import
from sellsafe.catalog.csv_import.reading import FileRefused, parse
from sellsafe.catalog.csv_import.writing import (
    CATALOG_IMPORTED,
    LABELS,
    Counts,
    apply_plan,
    needs_reauthentication,
)
from sellsafe.catalog.services.common import require_edit
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.shops.models import Membership, Shop

__all__ = ["CATALOG_IMPORTED", "LABELS", "FileRefused", "ImportResult", "import_csv"]

REPORT_MAX = 1000  # problems listed in a result (the count is always complete)

DONE = "done"  # written (with valid_only, possibly some rows skipped)
INVALID = "invalid"  # problems found, nothing written
CHECKED = "checked"  # dry run: checked, nothing written
REFUSED = "refused"  # the file, the person or the change was refused as a whole


@dataclass
class ImportResult:
    status: str
    message: str = ""
    rows: int = 0
    rows_skipped: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    sha256: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "message": self.message,
            "rows": self.rows,
            "rows_skipped": self.rows_skipped,
            "counts": self.counts,
            "errors": self.errors,
            "error_count": self.error_count,
            "sha256": self.sha256,
        }


def _report(errors: list[RowError]) -> list[dict[str, Any]]:
    ordered = sorted(errors, key=lambda e: (e.row, e.column))
    return [e.as_dict() for e in ordered[:REPORT_MAX]]


_gc_lock = threading.Lock()
_gc_pauses = 0  # imports running in this process with the cyclic collector paused
_gc_was_enabled = False


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an import runs. An import holds a few
    hundred thousand long-lived objects (cells, lines, the plan, loaded rows) and makes almost no
    reference cycles, yet the collector kept traversing them: ~30% of the CPU of checking a
    100,000-row file (measured with gc.callbacks). Reference counting still frees everything as
    usual; cycles made meanwhile are collected once the collector is back. Counted, so imports
    overlapping in threads turn it back on only when the last one ends, and only if it was on."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


@tenancy.shop_service
def import_csv(
    *,
    actor: Membership,
    shop: Shop,
    data: bytes,
    file_name: str = "",
    valid_only: bool = False,
    dry_run: bool = False,
    reauthenticated: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportResult:
    """Check the whole file, then (unless it has problems, or valid_only) write it."""
    require_edit(actor=actor, shop=shop, target=("shop", str(shop.pk)))
    with _cyclic_gc_paused():
        return _import(
            actor=actor,
            shop=shop,
            data=data,
            file_name=file_name,
            valid_only=valid_only,
            dry_run=dry_run,
            reauthenticated=reauthenticated,
            progress=progress or (lambda *_: None),
        )


def _import(
    *,
    actor: Membership,
    shop: Shop,
    data: bytes,
    file_name: str,
    valid_only: bool,
    dry_run: bool,
    reauthenticated: bool,
    progress: Callable[[str, int, int], None],
) -> ImportResult:
    report = progress
    digest = hashlib.sha256(data).hexdigest()
    report("reading", 0, 1)
    try:
        table = parse(data)
    except FileRefused as error:
        return ImportResult(status=REFUSED, message=str(error), sha256=digest)
    report("checking", 0, len(table.rows))
    plan = plan_import(shop=shop, table=table, actor=actor, progress=report)
    header_broken = any(e.row == 1 for e in plan.errors)
    result = ImportResult(
        status=INVALID,
        rows=len(table.rows),
        rows_skipped=len(plan.bad_rows - {1}),
        errors=_report(plan.errors),
        error_count=len(plan.errors),
        sha256=digest,
    )
    if header_broken:
        result.message = "The header row has problems: nothing was imported."
        return result
    if plan.errors and not valid_only:
        result.message = (
            f"{len(plan.errors):,} problem(s) found: nothing was imported. Fix them, or choose "
            "to import only the valid rows."
        )
        return result
    if dry_run:
        result.status = CHECKED
        result.counts = _planned_counts(plan)
        result.message = "Checked: nothing was written (dry run)."
        return result
    if needs_reauthentication(plan) and not reauthenticated:
        result.status = REFUSED
        result.message = (
            "This import changes many prices or drops a price by more than half. "
            "Confirm your password, then upload the file again."
        )
        return result
    summary = {
        "file_sha256": digest,
        "file_name": file_name[:200],
        "mode": "valid rows only" if valid_only else "all or nothing",
        "rows": len(table.rows),
        "rows_skipped": result.rows_skipped,
    }
    try:
        counts, failed = apply_plan(
            actor=actor,
            shop=shop,
            plan=plan,
            all_or_nothing=not valid_only,
            summary=summary,
            progress=report,
        )
    except DomainError as error:  # all or nothing: something changed underneath
        result.status = REFUSED
        result.message = f"Nothing was imported: {error.message}"
        return result
    except IntegrityError:  # all or nothing: a SKU or handle was taken while writing
        result.status = REFUSED
        result.message = (
            "Nothing was imported: a SKU or handle in the file was taken by another change "
            "while importing. Upload the file again."
        )
        return result
    for rows, message in failed:
        for row in rows:
            plan.error(row, "", "", f"Not imported: {message}")
    result.status = DONE
    result.counts = counts.as_dict()
    result.rows_skipped = len(plan.bad_rows - {1})
    result.errors = _report(plan.errors)
    result.error_count = len(plan.errors)
    result.message = "Imported." if not plan.errors else "Imported the valid rows."
    return result


def _planned_counts(plan: Any) -> dict[str, int]:
    counts = Counts()
    for planned in plan.products:
        if planned.product is None:
            counts.products_created += 1
        else:
            counts.products_updated += 1
        counts.variants_updated += len(planned.existing)
        counts.variants_created += len(planned.data.variants) - len(planned.existing)
    return counts.as_dict()
