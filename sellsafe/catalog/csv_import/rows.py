"""The rows of an import file: cells by column, grouping into products, the problem report,
and the shop facts the check needs (SKUs, handles, categories, locations), loaded once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sellsafe.catalog.csv_import.columns import KNOWN, STOCK_PREFIX, category_paths
from sellsafe.catalog.csv_import.reading import Table
from sellsafe.catalog.models import Category, Product, Variant
from sellsafe.catalog.services.validation import ProductData
from sellsafe.inventory.models import Location
from sellsafe.shops import access
from sellsafe.shops.models import Membership, Shop

VALUE_SHOWN = 60  # characters of a bad value repeated in the report
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTED = frozenset("'" + start for start in _FORMULA_START)  # "'=" ...: a neutralised formula
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class Line:
    """One data row of the file: its number and its cells by column name."""

    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class Group:
    key: tuple[str, str]
    lines: list[Line] = field(default_factory=list)
    product: Product | None = None


@dataclass
class PlannedProduct:
    """A product to create (product is None) or update, checked, with the file rows it came from."""

    product: Product | None
    data: ProductData
    handle: str
    rows: list[int]
    # variant index in data.variants -> existing Variant (for updates), else new
    existing: dict[int, Variant]
    # (variant index, location, count) for the stock columns of this product's rows
    counts: list[tuple[int, Location, int]]


@dataclass
class Plan:
    products: list[PlannedProduct] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    bad_rows: set[int] = field(default_factory=set)
    levels: dict[tuple[Any, Any], tuple[int, int]] = field(default_factory=dict)

    def error(self, row: int, column: str, value: str, message: str) -> None:
        shown = value if len(value) <= VALUE_SHOWN else value[: VALUE_SHOWN - 1] + "…"
        self.errors.append(RowError(row, column, shown, message))
        self.bad_rows.add(row)


def clean_cell(value: str) -> str:
    """Undo the export's formula neutralisation ("'=1+1" back to "=1+1") and trim spaces.
    The catalog never evaluates a value, so the original text is what the seller meant."""
    value = value.strip()
    if value.startswith("'") and value[1:2] and value[1:2] in _FORMULA_START:
        return value[1:]
    return value


class ShopIndex:
    """What the check needs to know about the shop, loaded once per import."""

    def __init__(self, shop: Shop) -> None:
        self.skus: dict[str, tuple[Any, Any]] = {
            sku: (variant_id, product_id)
            for sku, variant_id, product_id in Variant.objects.values_list(
                "sku", "id", "product_id"
            )
        }
        self.handles: dict[str, Any] = dict(Product.objects.values_list("handle", "id"))
        categories = list(Category.objects.all())
        by_id = {c.pk: c for c in categories}
        self.categories = {
            path.casefold(): by_id[pk] for pk, path in category_paths(categories).items()
        }
        self.locations = {loc.name.casefold(): loc for loc in Location.objects.all()}


def header_problems(
    table: Table, plan: Plan, context: ShopIndex, *, actor: Membership
) -> dict[str, Location]:
    """Unknown, duplicate or missing columns; stock columns naming unknown locations."""
    seen: set[str] = set()
    stock: dict[str, Location] = {}
    for raw in table.header:
        name = raw.strip()
        key = name.lower()
        if key in seen:
            plan.error(1, name, name, "This column appears twice.")
            continue
        seen.add(key)
        if key.startswith(STOCK_PREFIX):
            location = context.locations.get(name[len(STOCK_PREFIX) :].strip().casefold())
            if location is None:
                plan.error(1, name, name, "There is no location with this name in the shop.")
            else:
                stock[name] = location
        elif key not in KNOWN:
            plan.error(1, name, name, "Unknown column (see the column list in the help).")
    for required in ("sku",):
        if required not in seen:
            plan.error(1, required, "", f"The file needs a {required} column.")
    if stock and not access.has_permission(actor, "inventory.adjust"):
        plan.error(
            1,
            next(iter(stock)),
            "",
            "You do not have permission to adjust stock: remove the stock columns.",
        )
    return stock


def read_lines(table: Table) -> list[Line]:
    names = [
        name.strip() if name.strip().lower().startswith(STOCK_PREFIX) else name.strip().lower()
        for name in table.header
    ]
    lines = []
    strip, quoted = str.strip, _QUOTED
    for number, cells in table.rows:
        # clean_cell inlined (1.7M cells in a 100,000-row file): strip, then undo the quote only
        # where the cell starts with one. Cells past the header: below.
        values = [v[1:] if v[:2] in quoted else v for v in map(strip, cells)]
        row = dict(zip(names, values, strict=False))
        if len(cells) > len(names) and any(c.strip() for c in cells[len(names) :]):
            row["\x00extra"] = "1"
        lines.append(Line(number, row))
    return lines


def group_lines(lines: list[Line], plan: Plan, context: ShopIndex) -> list[Group]:
    groups: dict[tuple[str, str], Group] = {}
    first_sku: dict[str, int] = {}
    for line in lines:
        if "\x00extra" in line.cells:
            plan.error(line.number, "", "", "This row has more cells than the header.")
            continue
        sku = line.get("sku")
        if sku in first_sku:
            plan.error(
                line.number,
                "sku",
                sku,
                f"SKU {sku} appears twice in the file (row {first_sku[sku]}).",
            )
            continue
        if sku:
            first_sku[sku] = line.number
        handle, title = line.get("handle"), line.get("title")
        existing = context.skus.get(sku) if sku else None
        if handle:
            product_id = context.handles.get(handle)
            if existing is not None and existing[1] != product_id:
                plan.error(
                    line.number,
                    "sku",
                    sku,
                    f"SKU {sku} belongs to another product; it cannot move to {handle}.",
                )
                continue
            key = ("product", str(product_id)) if product_id else ("handle", handle)
        elif existing is not None:
            key = ("product", str(existing[1]))
        elif title:
            key = ("title", title.casefold())
        else:
            plan.error(line.number, "handle", "", "Give a handle or a title for a new SKU.")
            continue
        groups.setdefault(key, Group(key=key)).lines.append(line)
    return list(groups.values())
