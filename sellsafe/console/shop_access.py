"""The one place a console request enters a shop.

`@shop_view("code")` resolves the shop from the URL (`/s/<shop_slug>/...`), checks that the signed-in
person is an active member holding the permission, applies the shop's security policy, opens the
tenancy scope and runs the view with `request.shop` and `request.membership` set. A stranger and a
member without the permission both get the same boring 404; the denial is audited. Inside the view
the shop's time zone is active, so every date on the page is the shop's local time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse

from sellsafe.accounts.services import SESSION_LOGIN_AT
from sellsafe.audit.services import record
from sellsafe.core import context, tenancy, zones
from sellsafe.shops import access, events, selectors, services
from sellsafe.shops.models import Membership, Shop
from sellsafe.shops.permissions import is_known
from sellsafe.shops.services.shop import ip_allowed

View = Callable[..., HttpResponseBase]
NOT_FOUND = "Page not found."


def _deny(*, shop: Shop | None, user: Any, reason: str, permission: str) -> None:
    with transaction.atomic():
        record(
            shop=shop,
            action=events.ACCESS_DENIED,
            actor=user,
            target_type="shop",
            target_id=str(shop.pk) if shop else "",
            changes={"reason": reason, "permission": permission},
        )


def _used_phishing_resistant_factor(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    return any(
        r.get("method") == "mfa" and r.get("type") == Authenticator.Type.WEBAUTHN for r in records
    )


def _policy_response(request: HttpRequest, membership: Membership) -> HttpResponse | None:
    """Apply the shop's security policy; a response means the member may not enter yet."""
    shop = membership.shop
    networks = [line for line in shop.ip_allowlist.splitlines() if line.strip()]
    ip = context.current().ip
    if networks and not (ip and ip_allowed(ip, networks)):
        _deny(shop=shop, user=request.user, reason="ip not allowed", permission="")
        return render(request, "console/shop/ip_refused.html", {"shop": shop, "ip": ip}, status=403)
    if membership.role.key in shop.phishing_resistant_roles:
        has_key = Authenticator.objects.filter(
            user=request.user, type=Authenticator.Type.WEBAUTHN
        ).exists()
        if not has_key:
            messages.warning(
                request,
                f"{shop.name} asks your role to sign in with a passkey or security key. "
                "Add one to continue.",
            )
            return HttpResponseRedirect(reverse("mfa_add_webauthn"))
        if not _used_phishing_resistant_factor(request):
            messages.info(request, f"{shop.name} asks you to confirm with your passkey.")
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('mfa_reauthenticate_webauthn')}?{query}")
    if shop.session_max_minutes:
        login_at = int(request.session.get(SESSION_LOGIN_AT, time.time()))
        if time.time() - login_at > shop.session_max_minutes * 60:
            logout(request)
            messages.info(request, f"{shop.name} ends sessions sooner. Please sign in again.")
            return redirect_to_login(request.get_full_path())
    return None


def shop_view(permission: str) -> Callable[[View], View]:
    """Declare the permission a shop view needs. The architecture test requires it on every
    view under /s/<shop_slug>/."""
    if not is_known(permission):
        raise ValueError(f"Unknown permission code {permission!r}")

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(
            request: HttpRequest, shop_slug: str, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = selectors.membership_for(slug=shop_slug, user=request.user)
            if membership is None:
                _deny(
                    shop=selectors.shop_by_slug(slug=shop_slug),
                    user=request.user,
                    reason="not a member",
                    permission=permission,
                )
                raise Http404(NOT_FOUND)
            refused = _policy_response(request, membership)
            if refused is not None:
                return refused
            if not access.has_permission(membership, permission):
                _deny(
                    shop=membership.shop,
                    user=request.user,
                    reason="missing permission",
                    permission=permission,
                )
                raise Http404(NOT_FOUND)
            # The page shows dates in the shop's time zone: templates' |date and localtime()
            # read the active zone; the previous one (UTC) comes back when the view returns.
            with tenancy.scope(membership.shop), zones.local_time(membership.shop.timezone):
                services.membership_touch(member=membership)
                request.shop = membership.shop  # type: ignore[attr-defined]
                request.membership = membership  # type: ignore[attr-defined]
                return view(request, *args, **kwargs)

        wrapper.sellsafe_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator
