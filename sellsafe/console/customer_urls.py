"""Customer pages, under /s/<shop_slug>/customers/ (included from shop_urls). Every view enters
the shop through @shop_view; object ids are UUIDs. Reveals, export and erase change state or
disclose personal data, so they are POST only (export and erase show a confirmation on GET)."""

from django.urls import path

from sellsafe.console.views import customers

urlpatterns = [
    path("", customers.customer_list, name="customers"),
    path("<uuid:customer_id>/", customers.customer_detail, name="customer"),
    path("<uuid:customer_id>/reveal/", customers.customer_reveal_view, name="customer_reveal"),
    path("<uuid:customer_id>/export/", customers.customer_export_view, name="customer_export"),
    path("<uuid:customer_id>/erase/", customers.customer_erase_view, name="customer_erase"),
    path("reveal/order/<uuid:order_id>/", customers.order_reveal_view, name="order_reveal"),
]
