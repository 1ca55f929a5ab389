"""The shop's order settings page. The bank transfer details are shown masked; changing them
asks for the password again (the typed form waits in the session meanwhile) and emails owners."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.account.internal.flows.reauthentication import is_reauthentication_required
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sellsafe.console.customer_forms import OrderSettingsForm
from sellsafe.console.shop_access import shop_view
from sellsafe.console.views.shop_common import (
    membership_of,
    shop_of,
    shop_redirect,
    shop_render,
    shop_url,
    show_error,
)
from sellsafe.core.errors import DomainError, ReauthenticationRequired
from sellsafe.core.money import format_minor
from sellsafe.orders.services.settings import order_settings_update
from sellsafe.shops.models import Shop

PENDING = "order_settings_pending"


def _pending_key(request: HttpRequest) -> str:
    return f"{PENDING}:{shop_of(request).pk}"


def _masked_details(text: str) -> str:
    """Enough to recognise the account (its last four characters), not to copy it."""
    compact = "".join(text.split())
    return f"•••• {compact[-4:]}" if len(compact) > 4 else ("••••" if compact else "")


def _initial(shop: Shop) -> dict[str, Any]:
    return {
        "payment_methods": list(shop.payment_methods or []),
        "shipping_flat_minor": format_minor(shop.shipping_flat_minor, shop.currency),
        "order_expiry_minutes": shop.order_expiry_minutes,
        "refund_reauth_minor": format_minor(shop.refund_reauth_minor, shop.currency),
        "retention_days": shop.retention_days,
    }


def _page(
    request: HttpRequest, form: OrderSettingsForm, *, status: int = 200, resumed: bool = False
) -> HttpResponse:
    shop = shop_of(request)
    response = shop_render(
        request,
        "order_settings/settings.html",
        {
            "form": form,
            "bank_masked": _masked_details(shop.bank_transfer_details),
            "resumed": resumed,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@shop_view("shop.settings")
@require_http_methods(["GET", "POST"])
def order_settings(request: HttpRequest) -> HttpResponse:
    shop = shop_of(request)
    if request.method == "GET":
        pending = request.session.pop(_pending_key(request), None)
        if isinstance(pending, dict):
            # Back from re-authentication: what was typed (except the bank details, which are
            # not kept in the session) waits for a second click.
            form = OrderSettingsForm(_as_post(pending), currency=shop.currency)
            form.is_valid()
            return _page(request, form, resumed=True)
        return _page(request, OrderSettingsForm(initial=_initial(shop), currency=shop.currency))
    form = OrderSettingsForm(request.POST, currency=shop.currency)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    details = data["bank_transfer_details"]
    try:
        order_settings_update(
            actor=membership_of(request),
            shop=shop,
            payment_methods=list(data["payment_methods"]),
            bank_transfer_details=details if details.strip() else None,
            shipping_flat_minor=data["shipping_flat_minor"],
            order_expiry_minutes=data["order_expiry_minutes"],
            refund_reauth_minor=data["refund_reauth_minor"],
            retention_days=data["retention_days"],
            reauthenticated=not is_reauthentication_required(request, app=""),
        )
    except ReauthenticationRequired as error:
        request.session[_pending_key(request)] = {
            key: request.POST.getlist(key) if key == "payment_methods" else request.POST.get(key)
            for key in form.fields
            if key != "bank_transfer_details"  # never parked in the session
        }
        messages.info(request, error.message)
        query = urlencode({"next": shop_url(request, "order_settings")})
        return HttpResponseRedirect(f"{reverse('account_reauthenticate')}?{query}")
    except DomainError as error:
        show_error(request, error, form)
        return _page(request, form, status=400)
    messages.success(request, "Order settings saved.")
    return shop_redirect(request, "order_settings")


def _as_post(pending: dict[str, Any]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in pending.items():
        if isinstance(value, list):
            data.setlist(key, [str(v) for v in value])
        elif isinstance(value, str):
            data[key] = value
    return data
