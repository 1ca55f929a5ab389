"""Returns in the console: the open returns, one return with its next step (approve, reject,
receive with a restock choice per line, refund), and staff creating a return for an order.

Reading needs orders.view; every change needs orders.refund (the services check it again)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from sellsafe.console.return_forms import ReceiveForm, StaffReturnForm
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
from sellsafe.orders.models import Order, OrderLine, ReturnLine, ReturnRequest, ReturnStatus
from sellsafe.orders.services import returns


def order_or_404(order_id: Any) -> Order:
    return found_or_404(Order.objects.filter(pk=order_id).first())


def return_or_404(return_id: Any) -> ReturnRequest:
    return found_or_404(returns.return_by_id(return_id))


def _return_lines(ret: ReturnRequest) -> list[ReturnLine]:
    return list(
        ReturnLine.objects.filter(return_request=ret)
        .select_related("line", "location")
        .order_by("line__position")
    )


@shop_view("orders.view")
@require_http_methods(["GET"])
def return_list(request: HttpRequest) -> HttpResponse:
    return shop_render(request, "returns/list.html", {"returns": returns.open_returns()})


def _detail(
    request: HttpRequest, ret: ReturnRequest, *, form: ReceiveForm | None = None, status: int = 200
) -> HttpResponse:
    lines = _return_lines(ret)
    return shop_render(
        request,
        "returns/detail.html",
        {
            "ret": ret,
            "order": ret.order,
            "lines": lines,
            "receive_form": form or ReceiveForm(lines=lines),
            "refund_due": returns.refund_due(ret),
            "can_act": "orders.refund" in membership_of(request).role.code_set,
            "S": {s.name: s.value for s in ReturnStatus},
        },
        status=status,
    )


@shop_view("orders.view")
@require_http_methods(["GET"])
def return_detail(request: HttpRequest, return_id: UUID) -> HttpResponse:
    return _detail(request, return_or_404(return_id))


def _decide(request: HttpRequest, return_id: UUID, service: Any, done: str) -> HttpResponse:
    ret = return_or_404(return_id)
    try:
        service(actor=membership_of(request), shop=shop_of(request), return_request=ret)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, done)
    return shop_redirect(request, "return_detail", ret.pk)


@shop_view("orders.refund")
@require_http_methods(["POST"])
def return_approve(request: HttpRequest, return_id: UUID) -> HttpResponse:
    return _decide(request, return_id, returns.return_approve, "Return approved.")


@shop_view("orders.refund")
@require_http_methods(["POST"])
def return_reject(request: HttpRequest, return_id: UUID) -> HttpResponse:
    return _decide(request, return_id, returns.return_reject, "Return rejected.")


@shop_view("orders.refund")
@require_http_methods(["POST"])
def return_receive(request: HttpRequest, return_id: UUID) -> HttpResponse:
    ret = return_or_404(return_id)
    form = ReceiveForm(request.POST, lines=_return_lines(ret))
    if form.is_valid():
        try:
            returns.return_receive(
                actor=membership_of(request),
                shop=shop_of(request),
                return_request=ret,
                restock=form.restock(),
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "Return received. Refund the buyer next.")
            return shop_redirect(request, "return_detail", ret.pk)
    ret.refresh_from_db()
    return _detail(request, ret, form=form, status=400)


@shop_view("orders.refund")
@require_http_methods(["GET", "POST"])
def order_return_new(request: HttpRequest, order_id: UUID) -> HttpResponse:
    order = order_or_404(order_id)
    lines = list(OrderLine.objects.filter(order=order).order_by("position"))
    left = returns.returnable_quantities(order)
    form = StaffReturnForm(
        request.POST if request.method == "POST" else None, lines=lines, left=left
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                ret = returns.return_request(
                    shop=shop_of(request),
                    order=order,
                    lines=form.wanted(),
                    reason=form.cleaned_data["reason"],
                    actor=membership_of(request),
                )
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(request, "Return created.")
                return shop_redirect(request, "return_detail", ret.pk)
    return shop_render(
        request,
        "returns/new.html",
        {"order": order, "form": form, "any_left": any(left.values())},
        status=status,
    )
