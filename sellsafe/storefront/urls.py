"""Storefront URLs: /store/<shop_slug>/... (public, no sign-in)."""

from django.urls import URLPattern, path

from sellsafe.storefront import buyer_returns, checkout, images, order_page, views

app_name = "storefront"

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("products/<slug:handle>/", views.product, name="product"),
    path("products/<slug:handle>/stock/", views.product_stock, name="product_stock"),
    path("images/<uuid:image_id>/", images.image_file, name="image"),
    path("images/<uuid:image_id>/thumb/", images.image_thumb, name="image_thumb"),
    path("cart/", views.cart_page, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("orders/<str:token>/", order_page.order, name="order"),
    path("orders/<str:token>/cancel/", order_page.cancel, name="order_cancel"),
    path("orders/<str:token>/return/", buyer_returns.request_return, name="order_return"),
]
