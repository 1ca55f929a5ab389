"""Customers: the list and one customer (personal data masked), the time-limited reveal (htmx
fragment, audited), and the data requests (export, erase) behind a confirmation page and a
fresh re-authentication."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from allauth.account.internal.flows.reauthentication import is_reauthentication_required
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sellsafe.console.customer_forms import ConfirmForm, CustomerSearchForm
from sellsafe.console.shop_access import shop_view
from sellsafe.console.views.shop_common import (
    found_or_404,
    membership_of,
    shop_of,
    shop_redirect,
    shop_render,
    shop_url,
)
from sellsafe.core.errors import DomainError, NotAllowed, ReauthenticationRequired
from sellsafe.core.money import format_minor
from sellsafe.customers import selectors
from sellsafe.customers.models import Customer
from sellsafe.customers.services.data_requests import customer_erase, customer_export
from sellsafe.customers.services.reveal import customer_reveal, order_buyer_reveal
from sellsafe.orders.models import Order

HIDE_AFTER_SECONDS = 60


def customer_or_404(customer_id: Any) -> Customer:
    return found_or_404(selectors.customer_by_id(customer_id))


def order_or_404(order_id: Any) -> Order:
    return found_or_404(selectors.order_by_id(order_id))


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _reauthenticate(request: HttpRequest, error: DomainError, back: str) -> HttpResponse:
    messages.info(request, error.message)
    query = urlencode({"next": back})
    return HttpResponseRedirect(f"{reverse('account_reauthenticate')}?{query}")


@shop_view("customers.view")
@require_http_methods(["GET", "POST"])
def customer_list(request: HttpRequest) -> HttpResponse:
    """GET: the list, paged. POST: a search (by POST so the email or phone stays out of URLs and
    access logs; an exact match finds one customer or a few, so it needs no paging)."""
    searching = request.method == "POST"
    form = CustomerSearchForm(request.POST if searching else None)
    query = form.cleaned_data["q"] if searching and form.is_valid() else ""
    page = selectors.customer_list(
        country=shop_of(request).country,
        query=query,
        cursor="" if searching else request.GET.get("after", ""),
    )
    currency = shop_of(request).currency
    rows = [(row, format_minor(row.total_spent_minor, currency)) for row in page.rows]
    next_query = urlencode({"after": page.next_cursor}) if page.next_cursor else ""
    response = shop_render(
        request,
        "customers/list.html",
        {"form": form, "page": page, "rows": rows, "next_query": next_query, "query": query},
    )
    return _no_store(response) if searching else response


def _detail(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    currency = shop_of(request).currency
    orders = selectors.customer_orders(customer=customer, page=request.GET.get("page", "1"))
    return {
        "customer": customer,
        "row": selectors.masked(customer),
        "total_spent": format_minor(customer.total_spent_minor, currency),
        "orders": orders,
        "order_rows": [
            (order, format_minor(order.total_minor, order.currency)) for order in orders
        ],
        "currency": currency,
    }


@shop_view("customers.view")
@require_http_methods(["GET"])
def customer_detail(request: HttpRequest, customer_id: UUID) -> HttpResponse:
    customer = customer_or_404(customer_id)
    return shop_render(request, "customers/detail.html", _detail(request, customer))


def _reveal_response(
    request: HttpRequest, *, template: str, context: dict[str, Any]
) -> HttpResponse:
    context = {
        "shop": shop_of(request),
        "shop_perms": membership_of(request).role.code_set,
        "hide_after": HIDE_AFTER_SECONDS,
        **context,
    }
    if getattr(request, "htmx", False):
        html = render_to_string(template, context, request=request)
        return _no_store(HttpResponse(html))
    return _no_store(
        shop_render(request, "customers/reveal_page.html", {**context, "fragment": template})
    )


def _refused(error: DomainError) -> HttpResponse:
    response = HttpResponse(error.message, status=403, content_type="text/plain; charset=utf-8")
    return _no_store(response)


@shop_view("customers.view")
@require_http_methods(["POST"])
def customer_reveal_view(request: HttpRequest, customer_id: UUID) -> HttpResponse:
    customer = customer_or_404(customer_id)
    try:
        revealed = customer_reveal(
            actor=membership_of(request), shop=shop_of(request), customer=customer
        )
    except NotAllowed as error:
        return _refused(error)
    return _reveal_response(
        request,
        template="customers/_customer_revealed.html",
        context={"customer": customer, "row": selectors.masked(customer), "revealed": revealed},
    )


@shop_view("orders.view")
@require_http_methods(["POST"])
def order_reveal_view(request: HttpRequest, order_id: UUID) -> HttpResponse:
    order = order_or_404(order_id)
    try:
        revealed = order_buyer_reveal(
            actor=membership_of(request), shop=shop_of(request), order=order
        )
    except NotAllowed as error:
        return _refused(error)
    return _reveal_response(
        request,
        template="customers/_buyer_revealed.html",
        context={
            "order": order,
            "masked": selectors.masked_order_buyer(order),
            "revealed": revealed,
        },
    )


def _confirm_page(
    request: HttpRequest, customer: Customer, *, kind: str, form: ConfirmForm, status: int = 200
) -> HttpResponse:
    context = _detail(request, customer)
    context.update({"kind": kind, "form": form})
    return _no_store(shop_render(request, f"customers/{kind}_confirm.html", context, status=status))


def _reauthenticated(request: HttpRequest) -> bool:
    return not is_reauthentication_required(request, app="")


@shop_view("customers.export")
@require_http_methods(["GET", "POST"])
def customer_export_view(request: HttpRequest, customer_id: UUID) -> HttpResponse:
    customer = customer_or_404(customer_id)
    if request.method == "GET":
        return _confirm_page(request, customer, kind="export", form=ConfirmForm())
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _confirm_page(request, customer, kind="export", form=form, status=400)
    try:
        data = customer_export(
            actor=membership_of(request),
            shop=shop_of(request),
            customer=customer,
            reauthenticated=_reauthenticated(request),
        )
    except ReauthenticationRequired as error:
        return _reauthenticate(request, error, shop_url(request, "customer_export", customer.pk))
    except DomainError as error:
        form.add_error(None, error.message)
        return _confirm_page(request, customer, kind="export", form=form, status=400)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.json"'
    return _no_store(response)


@shop_view("customers.export")
@require_http_methods(["GET", "POST"])
def customer_erase_view(request: HttpRequest, customer_id: UUID) -> HttpResponse:
    customer = customer_or_404(customer_id)
    if request.method == "GET":
        return _confirm_page(request, customer, kind="erase", form=ConfirmForm())
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _confirm_page(request, customer, kind="erase", form=form, status=400)
    try:
        customer_erase(
            actor=membership_of(request),
            shop=shop_of(request),
            customer=customer,
            reauthenticated=_reauthenticated(request),
        )
    except ReauthenticationRequired as error:
        return _reauthenticate(request, error, shop_url(request, "customer_erase", customer.pk))
    except DomainError as error:
        form.add_error(None, error.message)
        return _confirm_page(request, customer, kind="erase", form=form, status=400)
    messages.success(request, "The customer's personal data was erased. Their orders remain.")
    return shop_redirect(request, "customer", customer.pk)
