"""Roles: the built-in ones and custom roles built from permission codes by an owner."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from sellsafe.console.shop_access import shop_view
from sellsafe.console.shop_forms import RoleForm
from sellsafe.console.views.shop_common import (
    membership_of,
    role_or_404,
    shop_of,
    shop_redirect,
    shop_render,
    show_error,
)
from sellsafe.core.errors import DomainError
from sellsafe.shops import selectors, services
from sellsafe.shops.permissions import LABELS, PERMISSIONS

SENSITIVE = frozenset(p.code for p in PERMISSIONS if p.sensitive)


@shop_view("staff.view")
@require_http_methods(["GET"])
def roles_list(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "role": role,
            "permissions": [
                (code, LABELS.get(code, code), code in SENSITIVE) for code in sorted(role.codes)
            ],
        }
        for role in selectors.roles_of_shop()
    ]
    return shop_render(request, "console/shop/roles.html", {"rows": rows})


@shop_view("staff.manage")
@require_http_methods(["GET", "POST"])
def role_new(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = RoleForm(request.POST)
        if form.is_valid():
            try:
                role = services.role_create(
                    actor=membership_of(request),
                    shop=shop_of(request),
                    name=form.cleaned_data["name"],
                    codes=form.cleaned_data["codes"],
                )
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(request, f"The {role.name} role is created.")
                return shop_redirect(request, "shop_roles")
        status = 400
    else:
        form = RoleForm(initial={"codes": ["shop.view"]})
    return shop_render(request, "console/shop/role_form.html", {"form": form}, status=status)


@shop_view("staff.manage")
@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, role_id: UUID) -> HttpResponse:
    role = role_or_404(role_id)
    status = 200
    if request.method == "POST":
        form = RoleForm(request.POST)
        if form.is_valid():
            try:
                services.role_update(
                    actor=membership_of(request),
                    shop=shop_of(request),
                    role=role,
                    name=form.cleaned_data["name"],
                    codes=form.cleaned_data["codes"],
                )
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(request, f"The {role.name} role is saved.")
                return shop_redirect(request, "shop_roles")
        status = 400
        role = role_or_404(role_id)  # as stored
    else:
        form = RoleForm(initial={"name": role.name, "codes": list(role.codes)})
    return shop_render(
        request, "console/shop/role_form.html", {"form": form, "role": role}, status=status
    )
