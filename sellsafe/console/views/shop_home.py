"""A shop's dashboard and its details."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from sellsafe.console.shop_access import shop_view
from sellsafe.console.shop_forms import ShopDetailsForm
from sellsafe.console.views.shop_common import (
    membership_of,
    shop_of,
    shop_redirect,
    shop_render,
    show_error,
)
from sellsafe.core.errors import DomainError
from sellsafe.shops import services
from sellsafe.shops.services.shop import DETAIL_FIELDS


@shop_view("shop.view")
@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    return shop_render(request, "console/shop/dashboard.html")


@shop_view("shop.settings")
@require_http_methods(["GET", "POST"])
def shop_settings(request: HttpRequest) -> HttpResponse:
    shop = shop_of(request)
    if request.method == "POST":
        form = ShopDetailsForm(request.POST)
        if form.is_valid():
            try:
                services.shop_update(
                    actor=membership_of(request), shop=shop, details=form.cleaned_data
                )
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(request, "The shop's details are saved.")
                return shop_redirect(request, "shop_settings")
    else:
        form = ShopDetailsForm(initial={key: getattr(shop, key) for key in DETAIL_FIELDS})
    return shop_render(request, "console/shop/settings.html", {"form": form})
