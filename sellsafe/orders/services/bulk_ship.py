"""Marking many orders shipped from a CSV of tracking numbers.

    order number,carrier,tracking number
    1042,Royal Mail,AB123456789GB

The file is read with the catalog import's safe reader (size cap, UTF-8 with or without BOM,
comma or semicolon, quoted newlines), checked completely first, and only when every row is
good are the orders shipped, all in one transaction: a problem found while writing (an order
cancelled meanwhile) undoes everything. Each order ships all of its remaining units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from sellsafe.catalog.csv_import.reading import FileRefused, parse
from sellsafe.catalog.csv_import.rows import RowError, clean_cell
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.orders.models import Order, OrderLine
from sellsafe.orders.services.common import require
from sellsafe.orders.services.fulfilment import (
    clean_carrier,
    clean_tracking,
    shipment_create,
    shippable,
)
from sellsafe.shops.models import Membership, Shop

COLUMNS = ("order number", "carrier", "tracking number")
ROWS_MAX = 1000
MAX_BYTES = 1024 * 1024  # 1,000 rows of tracking numbers fit in far less
VALUE_SHOWN = 60


@dataclass
class BulkShipResult:
    shipped: list[int] = field(default_factory=list)  # order numbers
    errors: list[RowError] = field(default_factory=list)
    refused: str = ""  # the file as a whole could not be read

    @property
    def ok(self) -> bool:
        return not self.errors and not self.refused


def _column(name: str) -> str:
    return " ".join(name.replace("_", " ").lower().split()).lstrip("#").strip()


@dataclass
class _Planned:
    row: int
    order: Order
    carrier: str
    tracking: str


def _check(
    table_rows: list[tuple[int, list[str]]], where: dict[str, int]
) -> tuple[BulkShipResult, list[_Planned]]:
    result = BulkShipResult()
    planned: list[_Planned] = []
    seen: dict[int, int] = {}
    for row, cells in table_rows:

        def cell(name: str, cells: list[str] = cells) -> str:
            index = where[name]
            return clean_cell(cells[index]) if index < len(cells) else ""

        def error(column: str, value: str, message: str, row: int = row) -> None:
            result.errors.append(RowError(row, column, value[:VALUE_SHOWN], message))

        number_text = cell("order number").removeprefix("#").strip()
        order = None
        if not (number_text.isdigit() and number_text.isascii() and len(number_text) <= 9):
            error("order number", number_text, "Enter the order number (digits only).")
        elif int(number_text) in seen:
            error(
                "order number",
                number_text,
                f"Order #{int(number_text)} is already on row {seen[int(number_text)]}.",
            )
        else:
            seen[int(number_text)] = row
            order = Order.objects.filter(number=int(number_text)).first()
            if order is None:
                error("order number", number_text, "No order with this number in this shop.")
            elif not shippable(order):
                error(
                    "order number",
                    number_text,
                    f"Order #{order.number} is {order.get_status_display().lower()} and "
                    f"{order.get_fulfilment_status_display().lower()}; it cannot be shipped.",
                )
        carrier = tracking = ""
        try:
            carrier = clean_carrier(cell("carrier"))
        except DomainError as problem:
            error("carrier", cell("carrier"), problem.message)
        try:
            tracking = clean_tracking(cell("tracking number"))
            if not tracking:
                error("tracking number", "", "Enter the tracking number.")
        except DomainError as problem:
            error("tracking number", cell("tracking number"), problem.message)
        if order is not None:
            planned.append(_Planned(row, order, carrier, tracking))
    if not result.errors:
        result.shipped = [p.order.number for p in planned]
    return result, planned


@tenancy.shop_service
def bulk_ship_csv(*, actor: Membership, shop: Shop, data: bytes) -> BulkShipResult:
    """Check the whole file, then ship every order on it (all or nothing)."""
    require(actor, shop, "orders.fulfil")
    if len(data) > MAX_BYTES:
        return BulkShipResult(refused="The file is larger than the limit of 1 MB.")
    try:
        table = parse(data)
    except FileRefused as refused:
        return BulkShipResult(refused=str(refused))
    where = {_column(name): index for index, name in enumerate(table.header)}
    missing = [name for name in COLUMNS if name not in where]
    if missing:
        return BulkShipResult(
            refused="The file needs the columns: order number, carrier, tracking number "
            f"(missing: {', '.join(missing)})."
        )
    if len(table.rows) > ROWS_MAX:
        return BulkShipResult(refused=f"Ship at most {ROWS_MAX:,} orders per file.")
    result, planned = _check(table.rows, where)
    if not result.ok:
        return result
    row = 0
    try:
        with transaction.atomic():
            for item in planned:
                row = item.row
                lines = [
                    (line, line.quantity - line.quantity_shipped)
                    for line in OrderLine.objects.filter(order=item.order).select_related(
                        "variant", "location"
                    )
                    if line.quantity > line.quantity_shipped
                ]
                shipment_create(
                    actor=actor,
                    shop=shop,
                    order=item.order,
                    carrier=item.carrier,
                    tracking_number=item.tracking,
                    lines=lines,
                )
    except DomainError as problem:
        number = str(next(p.order.number for p in planned if p.row == row))
        return BulkShipResult(errors=[RowError(row, "order number", number, problem.message)])
    return result


def report(result: BulkShipResult) -> list[dict[str, Any]]:
    return [error.as_dict() for error in sorted(result.errors, key=lambda e: (e.row, e.column))]
