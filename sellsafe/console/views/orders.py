"""The order list (filters, exact search, keyset pages, buyers masked) and its bulk actions:
packing slips for the selected orders, and marking orders shipped from a CSV of tracking numbers."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_http_methods

from sellsafe.console.order_forms import BulkShipForm, OrderFilterForm
from sellsafe.console.shop_access import shop_view
from sellsafe.console.views.shop_common import (
    membership_of,
    shop_of,
    shop_redirect,
    shop_render,
    show_error,
)
from sellsafe.core.errors import DomainError
from sellsafe.core.money import format_minor
from sellsafe.orders import packing_slip, selectors
from sellsafe.orders.services import bulk_ship


def pdf_response(pdf: bytes, name: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"  # full addresses: not for shared caches
    return response


@shop_view("orders.view")
@require_http_methods(["GET"])
def order_list(request: HttpRequest) -> HttpResponse:
    shop = shop_of(request)
    bound = any(key in request.GET for key in OrderFilterForm.base_fields)
    form = OrderFilterForm(request.GET if bound else None)
    filters = selectors.OrderFilters()
    query = ""
    if bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.OrderFilters(
            q=data["q"],
            status=data["status"],
            method=data["method"],
            fulfilment=data["fulfilment"],
            since=data["since"],
            until=data["until"],
        )
        query = urlencode(
            {key: str(value) for key, value in data.items() if value not in ("", None)}
        )
    page = (
        selectors.order_page(
            filters=filters, region=shop.country, cursor=request.GET.get("cursor", "")
        )
        if not bound or form.is_valid()
        else selectors.OrderPage()
    )
    rows = [(row, format_minor(row.total_minor, row.currency)) for row in page.rows]
    return shop_render(
        request,
        "orders/list.html",
        {"form": form, "page": page, "rows": rows, "query": query},
        status=200 if not bound or form.is_valid() else 400,
    )


@shop_view("orders.fulfil")
@require_http_methods(["POST"])
def orders_packing_slips(request: HttpRequest) -> HttpResponseBase:
    """One PDF with the slips of the ticked orders (each print is audited)."""
    orders = selectors.orders_by_ids(request.POST.getlist("orders"))
    try:
        pdf = packing_slip.packing_slips_print(
            actor=membership_of(request), shop=shop_of(request), orders=orders
        )
    except DomainError as error:
        show_error(request, error)
        return shop_redirect(request, "orders")
    return pdf_response(pdf, "packing-slips.pdf")


@shop_view("orders.fulfil")
@require_http_methods(["GET", "POST"])
def orders_bulk_ship(request: HttpRequest) -> HttpResponse:
    form = BulkShipForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(bulk_ship.MAX_BYTES + 1)
        result = bulk_ship.bulk_ship_csv(
            actor=membership_of(request), shop=shop_of(request), data=data
        )
        if result.ok:
            messages.success(request, f"{len(result.shipped)} order(s) marked shipped.")
            return shop_redirect(request, "orders")
    status = 200 if request.method == "GET" else 400
    return shop_render(
        request,
        "orders/bulk_ship.html",
        {
            "form": form,
            "result": result,
            "errors": bulk_ship.report(result) if result else [],
            "columns": bulk_ship.COLUMNS,
        },
        status=status,
    )
