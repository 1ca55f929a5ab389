"""Products: the list (search, filters, keyset pages), a product, create and edit, the description
preview. Thin: parse, call one service or selector, render. A refusal from a service is shown on
the field it concerns and everything typed stays in the form."""

from __future__ import annotations

from functools import cache
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods

from sellsafe.catalog import selectors, services
from sellsafe.catalog.markdown import MAX_LENGTH, render
from sellsafe.catalog.models import MAX_OPTIONS, Product
from sellsafe.catalog.selectors import ProductFilters, ProductRow
from sellsafe.catalog.services import CatalogInvalid
from sellsafe.console.catalog_forms import BulkForm, ProductForm, ProductListForm, VariantFormSet
from sellsafe.console.shop_access import shop_view
from sellsafe.console.views.shop_common import (
    found_or_404,
    membership_of,
    shop_of,
    shop_redirect,
    shop_render,
    show_error,
)
from sellsafe.core import money
from sellsafe.core.errors import DomainError

VARIANT_PREFIX = "variants"
_PLACEHOLDER = UUID(int=0)
EM_DASH = "\u2014"


def product_or_404(product_id: UUID) -> Product:
    return found_or_404(selectors.product_by_id(product_id))


@shop_view("catalog.view")
@require_http_methods(["GET"])
def product_list(request: HttpRequest) -> HttpResponse:
    shop = shop_of(request)
    form = ProductListForm(request.GET or None, categories=selectors.categories())
    filters = ProductFilters()
    cursor = ""
    valid = not form.is_bound or form.is_valid()
    if form.is_bound and valid:
        data = form.cleaned_data
        filters = ProductFilters(
            q=data.get("q") or "",
            status=data.get("status") or "",
            category=data.get("category"),
            stock=data.get("stock") or "",
            sort=data.get("sort") or "updated",
        )
        cursor = data.get("cursor") or ""
    page = selectors.product_page(filters=filters, cursor=cursor, low_stock=shop.low_stock_default)
    query = request.GET.copy()
    query.pop("cursor", None)
    can_edit = "catalog.edit" in membership_of(request).role.code_set
    return shop_render(
        request,
        "console/catalog/product_list.html",
        {
            "form": form,
            "page": page,
            "rows": page.rows,
            "rows_html": _list_rows(page.rows, shop.slug, shop.currency, selectable=can_edit),
            "can_edit": can_edit,
            "query": query.urlencode(),
            "bulk_fields": _bulk_fields() if can_edit else "",
        },
        status=200 if valid else 400,
    )


_ROW = (
    "<tr>{}"
    '<td><a href="{}">{}</a></td>'
    '<td><span class="badge">{}</span></td>'
    "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
    '<td><time datetime="{}">{}</time></td></tr>\n'
)
_SELECT = (
    '<td><input type="checkbox" name="products" value="{}" form="bulk-form" id="select-{}">'
    '<label for="select-{}" class="visually-hidden">Select {}</label></td>'
)


def _list_rows(rows: list[ProductRow], slug: str, currency: str, *, selectable: bool) -> str:
    """The table rows as HTML, built with `format_html` (every value escaped) in one pass: the
    hot loop of the busiest page, where a dozen template nodes per row cost more than the rest of
    the page. One URL reversal for the page: the rows differ only by id."""
    head, _, tail = reverse("console:catalog_product", args=[slug, _PLACEHOLDER]).partition(
        str(_PLACEHOLDER)
    )
    return format_html_join(
        "",
        _ROW,
        (
            (
                format_html(_SELECT, row.id, row.id, row.id, row.title) if selectable else "",
                f"{head}{row.id}{tail}",
                row.title,
                row.status,
                row.category or EM_DASH,
                _price_range(row.price_min, row.price_max, currency),
                row.variant_count,
                row.available,
                (updated := timezone.localtime(row.updated_at)).isoformat(),
                updated.strftime("%Y-%m-%d %H:%M"),
            )
            for row in rows
        ),
    )


@cache
def _bulk_fields() -> SafeString:
    """The unbound bulk action fields never change between requests (no data, no token, no
    nonce): rendered once per process instead of four field templates per page."""
    return render_to_string("console/catalog/_bulk_fields.html", {"bulk_form": BulkForm()})


def _price_range(low: int | None, high: int | None, currency: str) -> str:
    if low is None or high is None:
        return ""
    if low == high:
        return money.format_minor(low, currency)
    return f"{money.format_minor(low, currency)} to {money.format_minor(high, currency)}"


@shop_view("catalog.view")
@require_http_methods(["GET"])
def product_detail(request: HttpRequest, product_id: UUID) -> HttpResponse:
    product = product_or_404(product_id)
    currency = shop_of(request).currency
    variants = list(product.variants.all())
    stock = selectors.stock_by_variant([v.pk for v in variants])
    rows = [
        {
            "variant": v,
            "price": money.format_minor(v.price_minor, currency),
            "compare_at": money.format_minor(v.compare_at_minor, currency),
            "available": stock.get(v.pk, 0),
        }
        for v in variants
    ]
    return shop_render(
        request, "console/catalog/product_detail.html", {"product": product, "rows": rows}
    )


def _initial(product: Product, currency: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    names = list(product.option_names) + [""] * MAX_OPTIONS
    product_initial = {
        "title": product.title,
        "description": product.description,
        "category": product.category_id,
        "brand": product.brand,
        "tags": ", ".join(product.tags),
        "status": product.status,
        "handle": product.handle,
        **{f"option_{n + 1}": names[n] for n in range(MAX_OPTIONS)},
    }
    variants = []
    for v in product.variants.all():
        values = list(v.option_values) + [""] * MAX_OPTIONS
        variants.append(
            {
                "id": v.pk,
                "sku": v.sku,
                "barcode": v.barcode,
                "price": money.format_minor(v.price_minor, currency),
                "compare_at": money.format_minor(v.compare_at_minor, currency),
                "weight": v.weight_grams if v.weight_grams is not None else "",
                **{f"option_{n + 1}": values[n] for n in range(MAX_OPTIONS)},
            }
        )
    return product_initial, variants


def _show_problems(
    request: HttpRequest, error: DomainError, form: ProductForm, formset: Any
) -> None:
    problems = (
        error.problems if isinstance(error, CatalogInvalid) else [(error.field, error.message)]
    )
    for field, message in problems:
        if field and field.startswith(f"{VARIANT_PREFIX}-"):
            _, index, name = field.split("-", 2)
            forms = formset.forms
            if index.isdigit() and int(index) < len(forms) and name in forms[int(index)].fields:
                forms[int(index)].add_error(name, message)
                continue
            if index.isdigit() and int(index) < len(forms):
                forms[int(index)].add_error(None, message)
                continue
        show_error(request, DomainError(message, field=field), form)


def _edit(request: HttpRequest, product: Product | None) -> HttpResponse:
    shop = shop_of(request)
    template = "console/catalog/product_form.html"
    if request.method != "POST":
        if product is None:
            form, formset = ProductForm(), VariantFormSet(prefix=VARIANT_PREFIX)
        else:
            initial, variants = _initial(product, shop.currency)
            form = ProductForm(initial=initial)
            formset = VariantFormSet(prefix=VARIANT_PREFIX, initial=variants)
        context = {"form": form, "formset": formset, "product": product}
        return shop_render(request, template, context)
    form = ProductForm(request.POST)
    formset = VariantFormSet(request.POST, prefix=VARIANT_PREFIX)
    if form.is_valid() and formset.is_valid():
        names = form.option_names()
        variants = [
            f.as_variant(len(names))
            for f in formset.forms
            if not f.cleaned_data.get("DELETE") and not f.is_blank()
        ]
        data = form.cleaned_data
        fields: dict[str, Any] = {
            "title": data["title"],
            "description": data["description"],
            "category": data["category"],
            "brand": data["brand"],
            "tags": form.tag_list(),
            "status": data["status"],
            "handle": data["handle"],
            "option_names": names,
            "variants": variants,
        }
        actor = membership_of(request)
        try:
            if product is None:
                saved = services.product_create(actor=actor, shop=shop, **fields)
            else:
                saved = services.product_update(actor=actor, shop=shop, product=product, **fields)
        except DomainError as error:
            _show_problems(request, error, form, formset)
        else:
            messages.success(request, f"{saved.title} is saved.")
            return shop_redirect(request, "catalog_product", saved.pk)
    context = {"form": form, "formset": formset, "product": product}
    return shop_render(request, template, context, status=400)


@shop_view("catalog.edit")
@require_http_methods(["GET", "POST"])
def product_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@shop_view("catalog.edit")
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, product_id: UUID) -> HttpResponse:
    return _edit(request, product_or_404(product_id))


@shop_view("catalog.edit")
@require_http_methods(["POST"])
def description_preview(request: HttpRequest) -> HttpResponse:
    """The description as the storefront will show it (htmx swaps it in below the editor)."""
    text = request.POST.get("description", "")
    too_long = len(text) > MAX_LENGTH
    return shop_render(
        request,
        "console/catalog/_preview.html",
        {"html": render(text), "too_long": too_long, "limit": MAX_LENGTH},
    )
