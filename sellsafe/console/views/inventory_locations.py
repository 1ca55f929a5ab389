"""Inventory: stock locations (warehouse, shop, 3PL) and the shop's default low-stock threshold."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from sellsafe.console.inventory_forms import LocationEditForm, LocationForm, ShopThresholdForm
from sellsafe.console.shop_access import shop_view
from sellsafe.console.views.shop_common import (
    found_or_404,
    membership_of,
    shop_of,
    shop_redirect,
    shop_render,
    show_error,
)
from sellsafe.core.errors import DomainError
from sellsafe.inventory import selectors, services
from sellsafe.inventory.models import Location


def location_or_404(location_id: Any) -> Location:
    return found_or_404(selectors.location_by_id(location_id))


def _list_page(
    request: HttpRequest, *, threshold_form: ShopThresholdForm | None = None, status: int = 200
) -> HttpResponse:
    shop = shop_of(request)
    return shop_render(
        request,
        "console/inventory/locations.html",
        {
            "locations": selectors.locations(),
            "threshold_form": threshold_form
            or ShopThresholdForm(initial={"threshold": shop.low_stock_default}),
        },
        status=status,
    )


@shop_view("catalog.view")
@require_http_methods(["GET"])
def location_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@shop_view("inventory.adjust")
@require_http_methods(["GET", "POST"])
def location_new(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = LocationForm(request.POST)
        if form.is_valid():
            try:
                location = services.location_create(
                    actor=membership_of(request),
                    shop=shop_of(request),
                    name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"],
                )
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(request, f"Location {location.name} created.")
                return shop_redirect(request, "inventory_locations")
        status = 400
    else:
        form = LocationForm()
    return shop_render(
        request, "console/inventory/location_form.html", {"form": form}, status=status
    )


@shop_view("inventory.adjust")
@require_http_methods(["GET", "POST"])
def location_edit(request: HttpRequest, location_id: UUID) -> HttpResponse:
    location = location_or_404(location_id)
    status = 200
    if request.method == "POST":
        form = LocationEditForm(request.POST)
        if form.is_valid():
            try:
                services.location_update(
                    actor=membership_of(request),
                    shop=shop_of(request),
                    location=location,
                    name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"],
                    is_active=form.cleaned_data["is_active"],
                )
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(request, f"Location {location.name} saved.")
                return shop_redirect(request, "inventory_locations")
        status = 400
        location = location_or_404(location_id)  # as stored
    else:
        form = LocationEditForm(
            initial={"name": location.name, "kind": location.kind, "is_active": location.is_active}
        )
    return shop_render(
        request,
        "console/inventory/location_form.html",
        {"form": form, "location": location},
        status=status,
    )


@shop_view("shop.settings")
@require_http_methods(["POST"])
def default_threshold(request: HttpRequest) -> HttpResponse:
    form = ShopThresholdForm(request.POST)
    if form.is_valid():
        try:
            services.shop_low_stock_default_set(
                actor=membership_of(request),
                shop=shop_of(request),
                threshold=form.cleaned_data["threshold"],
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Default low-stock threshold saved.")
            return shop_redirect(request, "inventory_locations")
    return _list_page(request, threshold_form=form, status=400)
