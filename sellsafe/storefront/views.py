"""The shop's public pages: the showcase, a product with its variants, and the cart."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from sellsafe.catalog.models import Variant
from sellsafe.shops.models import Shop
from sellsafe.storefront import cart as carts
from sellsafe.storefront import showcase, state
from sellsafe.storefront.access import NOT_FOUND, private, storefront_view

PAGE_SIZE = 24
CART_ERROR = "cart-error"


@require_GET
@storefront_view
def home(request: HttpRequest, shop: Shop) -> HttpResponse:
    category = request.GET.get("category", "")[:64]
    page = Paginator(showcase.active_products(category), PAGE_SIZE).get_page(
        request.GET.get("page", "1")[:6]
    )
    return render(
        request,
        "storefront/home.html",
        {
            "shop": shop,
            "page": page,
            "categories": showcase.categories(),
            "category": category,
            "cart_count": sum(carts.read(request).values()),
        },
    )


@require_GET
@storefront_view
def product(request: HttpRequest, shop: Shop, handle: str) -> HttpResponse:
    found = showcase.product_by_handle(handle)
    if found is None:
        raise Http404(NOT_FOUND)
    variants = list(found.variants.all())
    stock = showcase.available(v.pk for v in variants)
    return render(
        request,
        "storefront/product.html",
        {
            "shop": shop,
            "product": found,
            "pictures": showcase.pictures(found),
            "variants": [(v, stock[v.pk]) for v in variants],
            "cart_count": sum(carts.read(request).values()),
        },
    )


@require_GET
@storefront_view
def product_stock(request: HttpRequest, shop: Shop, handle: str) -> HttpResponse:
    """The variants' stock states as JSON, polled by the product page (storefront/stock.js)."""
    found = showcase.product_by_handle(handle)
    if found is None:
        raise Http404(NOT_FOUND)
    stock = showcase.available(found.variants.values_list("pk", flat=True))
    response = JsonResponse(
        {str(pk): {"state": s.state, "label": s.label} for pk, s in stock.items()}
    )
    response["Cache-Control"] = "no-store"
    return response


@dataclass(frozen=True, slots=True)
class Row:
    variant: Variant
    quantity: int
    total: int
    stock: showcase.Stock

    @property
    def short(self) -> bool:
        return self.stock.available < self.quantity


def cart_rows(cart: dict[str, int]) -> tuple[list[Row], int]:
    """The cart's lines still for sale, at today's prices, and their subtotal."""
    variants = showcase.sellable_variants(cart)
    stock = showcase.available(v.pk for v in variants.values())
    rows = [
        Row(variant=v, quantity=qty, total=v.price_minor * qty, stock=stock[v.pk])
        for pk, qty in cart.items()
        if (v := variants.get(pk)) is not None
    ]
    return rows, sum(row.total for row in rows)


@require_GET
@storefront_view
def cart_page(request: HttpRequest, shop: Shop) -> HttpResponse:
    cart = carts.read(request)
    rows, subtotal = cart_rows(cart)
    if len(rows) != len(cart):  # drop what is no longer sold
        carts.write(request, {str(row.variant.pk): row.quantity for row in rows})
    response = render(
        request,
        "storefront/cart.html",
        {
            "shop": shop,
            "rows": rows,
            "subtotal": subtotal,
            "shipping": shop.shipping_flat_minor,
            "total": subtotal + shop.shipping_flat_minor,
            "cart_count": sum(row.quantity for row in rows),
            "error": state.of(request).pop(CART_ERROR, ""),
        },
    )
    return private(response)


def _back_to_cart(request: HttpRequest, shop: Shop, error: str = "") -> HttpResponse:
    if error:
        state.of(request)[CART_ERROR] = error
    return HttpResponseRedirect(reverse("storefront:cart", kwargs={"shop_slug": shop.slug}))


@require_POST
@storefront_view
def cart_add(request: HttpRequest, shop: Shop) -> HttpResponse:
    variant_id = carts.parse_variant_id(request.POST.get("variant_id"))
    quantity = carts.parse_quantity(request.POST.get("quantity", "1"))
    if variant_id is None or variant_id not in showcase.sellable_variants([variant_id]):
        raise Http404(NOT_FOUND)
    if quantity is None:
        return _back_to_cart(request, shop, f"Choose between 1 and {carts.MAX_QUANTITY}.")
    cart = carts.read(request)
    if variant_id not in cart and len(cart) >= carts.MAX_LINES:
        return _back_to_cart(request, shop, f"A cart holds at most {carts.MAX_LINES} items.")
    cart[variant_id] = min(carts.MAX_QUANTITY, cart.get(variant_id, 0) + quantity)
    carts.write(request, cart)
    return _back_to_cart(request, shop)


@require_POST
@storefront_view
def cart_update(request: HttpRequest, shop: Shop) -> HttpResponse:
    variant_id = carts.parse_variant_id(request.POST.get("variant_id"))
    quantity = carts.parse_quantity(request.POST.get("quantity"), allow_zero=True)
    cart = carts.read(request)
    if variant_id is None or variant_id not in cart:
        return _back_to_cart(request, shop)
    if quantity is None:
        return _back_to_cart(request, shop, f"Choose between 0 and {carts.MAX_QUANTITY}.")
    if quantity == 0:
        cart.pop(variant_id)
    else:
        cart[variant_id] = quantity
    carts.write(request, cart)
    return _back_to_cart(request, shop)
