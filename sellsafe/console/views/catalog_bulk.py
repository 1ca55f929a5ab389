"""Bulk actions on the product list: a confirmation that shows how many products change, then
the change. A large or steep price change asks for the password again: the pending action waits
in the session while the person re-authenticates, and its confirmation page is shown again on
the way back (nothing is applied without a second click)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.account.internal.flows.reauthentication import is_reauthentication_required
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sellsafe.catalog import selectors, services
from sellsafe.console.catalog_forms import BulkForm
from sellsafe.console.shop_access import shop_view
from sellsafe.console.views.shop_common import (
    membership_of,
    shop_of,
    shop_redirect,
    shop_render,
    shop_url,
)
from sellsafe.core.errors import DomainError

PENDING = "catalog_bulk_pending"
DONE = {
    "activate": "{n} products activated.",
    "archive": "{n} products archived.",
    "delete_drafts": "{n} draft products deleted.",
    "price": "Prices of {n} products changed.",
}


def _pending_key(request: HttpRequest) -> str:
    return f"{PENDING}:{shop_of(request).pk}"


def _confirm_page(
    request: HttpRequest, form: BulkForm, ids: list[Any], *, resumed: bool = False
) -> HttpResponse:
    action = form.cleaned_data["action"]
    count = selectors.bulk_preview(action=action, ids=ids)
    return shop_render(
        request,
        "console/catalog/bulk_confirm.html",
        {
            "form": form,
            "data": form.cleaned_data,
            "ids": [str(pk) for pk in ids],
            "count": count,
            "selected": len(ids),
            "resumed": resumed,
            "label": dict(form.fields["action"].choices).get(action, action),  # type: ignore[attr-defined]
        },
    )


def _run(request: HttpRequest, data: dict[str, Any], ids: list[Any]) -> int:
    actor, shop = membership_of(request), shop_of(request)
    action = data["action"]
    if action == "activate":
        return services.bulk_activate(actor=actor, shop=shop, product_ids=ids)
    if action == "archive":
        return services.bulk_archive(actor=actor, shop=shop, product_ids=ids)
    if action == "delete_drafts":
        return services.bulk_delete_drafts(actor=actor, shop=shop, product_ids=ids)
    return services.bulk_price_change(
        actor=actor,
        shop=shop,
        product_ids=ids,
        mode=data.get("mode") or "",
        direction=data.get("direction") or "",
        amount=data.get("amount") or "",
        reauthenticated=not is_reauthentication_required(request, app=""),
    )


@shop_view("catalog.edit")
@require_http_methods(["GET", "POST"])
def bulk_action(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        pending = request.session.pop(_pending_key(request), None)
        if not isinstance(pending, dict):
            return shop_redirect(request, "catalog_products")
        form = BulkForm(pending.get("data") or {})
        if not form.is_valid():
            return shop_redirect(request, "catalog_products")
        try:
            ids = selectors.product_ids(pending.get("ids") or [])
        except DomainError:
            return shop_redirect(request, "catalog_products")
        return _confirm_page(request, form, ids, resumed=True)
    form = BulkForm(request.POST)
    try:
        ids = selectors.product_ids(request.POST.getlist("products"))
    except DomainError as error:
        messages.error(request, error.message)
        return shop_redirect(request, "catalog_products")
    if not ids:
        messages.error(request, "Select at least one product.")
        return shop_redirect(request, "catalog_products")
    if not form.is_valid():
        messages.error(request, "Choose what to do with the selected products.")
        return shop_redirect(request, "catalog_products")
    if "confirm" not in request.POST:
        return _confirm_page(request, form, ids)
    try:
        changed = _run(request, form.cleaned_data, ids)
    except services.ReauthenticationRequired as error:
        request.session[_pending_key(request)] = {
            "data": {k: v for k, v in form.cleaned_data.items() if isinstance(v, str)},
            "ids": [str(pk) for pk in ids],
        }
        messages.info(request, error.message)
        query = urlencode({"next": shop_url(request, "catalog_bulk")})
        return HttpResponseRedirect(f"{reverse('account_reauthenticate')}?{query}")
    except DomainError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
        else:
            form.add_error(None, error.message)
        response = _confirm_page(request, form, ids)
        response.status_code = 400
        return response
    messages.success(request, DONE[form.cleaned_data["action"]].format(n=changed))
    return shop_redirect(request, "catalog_products")
