"""Categories: the shop's own tree, listed and added to."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from sellsafe.catalog import selectors, services
from sellsafe.console.catalog_forms import CategoryForm
from sellsafe.console.shop_access import shop_view
from sellsafe.console.views.shop_common import (
    membership_of,
    shop_of,
    shop_redirect,
    shop_render,
    show_error,
)
from sellsafe.core.errors import DomainError


@shop_view("catalog.view")
@require_http_methods(["GET"])
def category_list(request: HttpRequest) -> HttpResponse:
    found = selectors.categories()
    names = {c.pk: c.name for c in found}
    rows = [(c, names.get(c.parent_id, "") if c.parent_id else "") for c in found]
    return shop_render(request, "console/catalog/categories.html", {"rows": rows})


@shop_view("catalog.edit")
@require_http_methods(["GET", "POST"])
def category_new(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                category = services.category_create(
                    actor=membership_of(request),
                    shop=shop_of(request),
                    name=form.cleaned_data["name"],
                    parent=form.cleaned_data["parent"],
                )
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(request, f"Category {category.name} added.")
                return shop_redirect(request, "catalog_categories")
        status = 400
    else:
        form = CategoryForm()
    return shop_render(request, "console/catalog/category_form.html", {"form": form}, status=status)
