"""Reading stock: per location for one variant, totals for lists, and a variant's history.

Everything goes through the scoped managers: call these inside the shop's scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Sum

from sellsafe.catalog.models import Variant
from sellsafe.inventory.models import Location, StockLevel, StockMovement

HISTORY_PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class LocationStock:
    location: Location
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True, slots=True)
class StockTotal:
    on_hand: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def locations(*, active_only: bool = False) -> list[Location]:
    queryset = Location.objects.order_by("name", "id")
    if active_only:
        queryset = queryset.filter(is_active=True)
    return list(queryset)


def location_by_id(location_id: Any) -> Location | None:
    return Location.objects.filter(pk=location_id).first()


def variant_by_id(variant_id: Any) -> Variant | None:
    return Variant.objects.select_related("product").filter(pk=variant_id).first()


def stock_by_location(*, variant: Variant) -> list[LocationStock]:
    """Every location of the shop (closed ones only where they hold stock), with this variant's
    on hand and reserved there."""
    levels = {
        location_id: (on_hand, reserved)
        for location_id, on_hand, reserved in StockLevel.objects.filter(
            variant=variant
        ).values_list("location_id", "on_hand", "reserved")
    }
    rows = []
    for location in locations():
        on_hand, reserved = levels.get(location.pk, (0, 0))
        if location.is_active or on_hand or reserved:
            rows.append(LocationStock(location=location, on_hand=on_hand, reserved=reserved))
    return rows


def stock_totals(*, variant_ids: Iterable[Any]) -> dict[Any, StockTotal]:
    """Totals over every location for each variant, in one aggregate query (for list pages).
    Variants without any stock row are absent: use `.get(id, StockTotal())`."""
    ids = list(variant_ids)
    if not ids:
        return {}
    rows = (
        StockLevel.objects.filter(variant_id__in=ids)
        .values("variant_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
        .order_by()
    )
    return {
        row["variant_id"]: StockTotal(on_hand=row["on_hand"] or 0, reserved=row["reserved"] or 0)
        for row in rows
    }


def stock_total(*, variant: Variant) -> StockTotal:
    return stock_totals(variant_ids=[variant.pk]).get(variant.pk, StockTotal())


def movement_history(
    *, variant: Variant, page: Any = 1, per_page: int = HISTORY_PAGE_SIZE
) -> Page[StockMovement]:
    """The variant's stock movements, newest first. A page number out of range or not a number
    gives the nearest page."""
    queryset = (
        StockMovement.objects.filter(variant=variant)
        .select_related("location", "actor")
        .order_by("-created_at", "-id")
    )
    return Paginator(queryset, per_page).get_page(page)
