"""Recording a refund for an order (the money itself leaves through the shop's bank or payment
provider). Above the shop's threshold the password is asked again: the typed refund waits in the
session and comes back pre-filled for a second, deliberate click."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from allauth.account.internal.flows.reauthentication import is_reauthentication_required
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sellsafe.console.return_forms import RefundForm
from sellsafe.console.shop_access import shop_view
from sellsafe.console.views.returns import order_or_404
from sellsafe.console.views.shop_common import (
    membership_of,
    shop_of,
    shop_redirect,
    shop_render,
    shop_url,
    show_error,
)
from sellsafe.core.errors import DomainError
from sellsafe.core.money import format_minor
from sellsafe.orders.models import Order, ReturnRequest, ReturnStatus
from sellsafe.orders.services import refunds, returns

PENDING = "refund_pending"


def _pending_key(order: Order) -> str:
    return f"{PENDING}:{order.pk}"


def _linked_return(order: Order, return_id: Any) -> ReturnRequest | None:
    ret = returns.return_by_id(return_id) if return_id else None
    if ret is None or ret.order_id != order.pk or ret.status != ReturnStatus.RECEIVED:
        return None
    return ret


def _page(
    request: HttpRequest,
    order: Order,
    form: RefundForm,
    ret: ReturnRequest | None,
    *,
    resumed: bool = False,
    status: int = 200,
) -> HttpResponse:
    left = order.paid_minor - order.refunded_minor
    return shop_render(
        request,
        "returns/refund.html",
        {
            "order": order,
            "form": form,
            "ret": ret,
            "left": format_minor(left, order.currency),
            "threshold": format_minor(shop_of(request).refund_reauth_minor, order.currency),
            "resumed": resumed,
        },
        status=status,
    )


@shop_view("orders.refund")
@require_http_methods(["GET", "POST"])
def order_refund_new(request: HttpRequest, order_id: UUID) -> HttpResponse:
    order = order_or_404(order_id)
    if request.method == "GET":
        pending = request.session.pop(_pending_key(order), None)
        if isinstance(pending, dict):
            ret = _linked_return(order, pending.get("return"))
            form = RefundForm(pending.get("data") or {}, currency=order.currency)
            form.is_valid()
            return _page(request, order, form, ret, resumed=True)
        ret = _linked_return(order, request.GET.get("return"))
        initial = {}
        if ret is not None:
            initial = {
                "amount": format_minor(returns.refund_due(ret), order.currency),
                "reason": "Items returned",
            }
        return _page(request, order, RefundForm(initial=initial, currency=order.currency), ret)
    ret = _linked_return(order, request.POST.get("return"))
    form = RefundForm(request.POST, currency=order.currency)
    if form.is_valid():
        try:
            refunds.refund_issue(
                actor=membership_of(request),
                shop=shop_of(request),
                order=order,
                amount_minor=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                return_request=ret,
                reauthenticated=not is_reauthentication_required(request, app=""),
            )
        except refunds.RefundReauthenticationRequired as error:
            request.session[_pending_key(order)] = {
                "data": {
                    "amount": str(request.POST.get("amount", ""))[:20],
                    "reason": str(request.POST.get("reason", ""))[: refunds.REASON_MAX],
                },
                "return": str(ret.pk) if ret is not None else "",
            }
            messages.info(request, error.message)
            query = urlencode({"next": shop_url(request, "order_refund_new", order.pk)})
            return HttpResponseRedirect(f"{reverse('account_reauthenticate')}?{query}")
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(
                request, "Refund recorded. Send the money through your bank or provider."
            )
            if ret is not None:
                return shop_redirect(request, "return_detail", ret.pk)
            return shop_redirect(request, "returns")
    order.refresh_from_db()
    return _page(request, order, form, ret, status=400)
