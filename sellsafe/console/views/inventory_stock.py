"""Inventory: one variant's stock per location, adjusting it, its threshold and its history."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from sellsafe.catalog.models import Variant
from sellsafe.console.inventory_forms import AdjustForm, ThresholdForm
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


def variant_or_404(variant_id: Any) -> Variant:
    return found_or_404(selectors.variant_by_id(variant_id))


def _stock_page(
    request: HttpRequest,
    variant: Variant,
    *,
    adjust_form: AdjustForm | None = None,
    threshold_form: ThresholdForm | None = None,
    status: int = 200,
) -> HttpResponse:
    shop = shop_of(request)
    return shop_render(
        request,
        "console/inventory/variant.html",
        {
            "variant": variant,
            "product": variant.product,
            "levels": selectors.stock_by_location(variant=variant),
            "total": selectors.stock_total(variant=variant),
            "threshold": services.threshold_of(shop=shop, variant=variant),
            "history": selectors.movement_history(variant=variant, page=request.GET.get("page")),
            "adjust_form": adjust_form or AdjustForm(),
            "threshold_form": threshold_form
            or ThresholdForm(initial={"threshold": variant.low_stock_threshold}),
        },
        status=status,
    )


@shop_view("catalog.view")
@require_http_methods(["GET"])
def variant_stock(request: HttpRequest, variant_id: UUID) -> HttpResponse:
    return _stock_page(request, variant_or_404(variant_id))


@shop_view("inventory.adjust")
@require_http_methods(["POST"])
def variant_adjust(request: HttpRequest, variant_id: UUID) -> HttpResponse:
    variant = variant_or_404(variant_id)
    form = AdjustForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            movement = services.stock_adjust(
                actor=membership_of(request),
                shop=shop_of(request),
                variant=variant,
                location=data["location"],
                change=data["change"],
                set_to=data["set_to"],
                reason=data["reason"],
                note=data["note"],
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(
                request,
                f"Stock of {variant.sku} at {movement.location.name} is now "
                f"{movement.on_hand_after} on hand.",
            )
            return shop_redirect(request, "inventory_variant", variant.pk)
    return _stock_page(request, variant_or_404(variant_id), adjust_form=form, status=400)


@shop_view("inventory.adjust")
@require_http_methods(["POST"])
def variant_threshold(request: HttpRequest, variant_id: UUID) -> HttpResponse:
    variant = variant_or_404(variant_id)
    form = ThresholdForm(request.POST)
    if form.is_valid():
        try:
            services.variant_threshold_set(
                actor=membership_of(request),
                shop=shop_of(request),
                variant=variant,
                threshold=form.cleaned_data["threshold"],
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, f"Low-stock threshold of {variant.sku} saved.")
            return shop_redirect(request, "inventory_variant", variant.pk)
    return _stock_page(request, variant_or_404(variant_id), threshold_form=form, status=400)
