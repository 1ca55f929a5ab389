"""The shop's security: its policy, ownership transfer and the periodic access review."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from sellsafe.console.shop_access import shop_view
from sellsafe.console.shop_forms import OwnershipForm, PolicyForm
from sellsafe.console.views.shop_common import (
    membership_of,
    shop_of,
    shop_redirect,
    shop_render,
    show_error,
)
from sellsafe.core import context
from sellsafe.core.errors import DomainError
from sellsafe.shops import selectors, services


@shop_view("security.manage")
@require_http_methods(["GET", "POST"])
def security_policy(request: HttpRequest) -> HttpResponse:
    shop = shop_of(request)
    role_choices = [(role.key, role.name) for role in selectors.roles_of_shop()]
    status = 200
    if request.method == "POST":
        form = PolicyForm(request.POST, role_choices=role_choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.policy_update(
                    actor=membership_of(request),
                    shop=shop,
                    phishing_resistant_roles=data["phishing_resistant_roles"],
                    session_max_minutes=data["session_max_minutes"],
                    ip_allowlist=data["ip_allowlist"],
                )
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(request, "The security policy is saved.")
                return shop_redirect(request, "shop_security")
        status = 400
    else:
        form = PolicyForm(
            role_choices=role_choices,
            initial={
                "phishing_resistant_roles": shop.phishing_resistant_roles,
                "session_max_minutes": shop.session_max_minutes,
                "ip_allowlist": shop.ip_allowlist,
            },
        )
    return shop_render(
        request,
        "console/shop/security.html",
        {"form": form, "current_ip": context.current().ip},
        status=status,
    )


@shop_view("staff.manage")
@reauthentication_required
@require_http_methods(["GET", "POST"])
def ownership_transfer(request: HttpRequest) -> HttpResponse:
    actor = membership_of(request)
    candidates = [member for member in selectors.staff() if member.pk != actor.pk]
    status = 200
    if request.method == "POST":
        form = OwnershipForm(request.POST, candidates=candidates)
        if form.is_valid():
            try:
                new_owner = services.ownership_transfer(
                    actor=actor,
                    shop=shop_of(request),
                    new_owner=form.cleaned_data["new_owner"],
                    stay_owner=form.cleaned_data["stay_owner"],
                )
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(
                    request, f"{new_owner.user} is now an owner. Every owner is told by email."
                )
                return shop_redirect(request, "shop_staff")
        status = 400
    else:
        form = OwnershipForm(candidates=candidates)
    return shop_render(request, "console/shop/ownership.html", {"form": form}, status=status)


@shop_view("staff.view")
@require_http_methods(["GET"])
def access_review(request: HttpRequest) -> HttpResponse:
    rows = selectors.access_review(shop=shop_of(request))
    return shop_render(
        request,
        "console/shop/access_review.html",
        {"rows": rows, "flagged": sum(1 for row in rows if row.reasons)},
    )
