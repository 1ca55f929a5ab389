"""Console URLs for orders (issue 5), included from shop_urls.py under /s/<shop_slug>/orders/."""

from django.urls import path

from sellsafe.console.views import orders, orders_detail

urlpatterns = [
    path("", orders.order_list, name="orders"),
    path("packing-slips/", orders.orders_packing_slips, name="orders_packing_slips"),
    path("ship-csv/", orders.orders_bulk_ship, name="orders_bulk_ship"),
    path("<uuid:order_id>/", orders_detail.order_detail, name="order"),
    path("<uuid:order_id>/ship/", orders_detail.order_ship, name="order_ship"),
    path("<uuid:order_id>/cancel/", orders_detail.order_cancel, name="order_cancel"),
    path("<uuid:order_id>/mark-paid/", orders_detail.order_mark_paid, name="order_mark_paid"),
    path(
        "<uuid:order_id>/delivered/",
        orders_detail.order_mark_delivered,
        name="order_mark_delivered",
    ),
    path("<uuid:order_id>/complete/", orders_detail.order_complete, name="order_complete"),
    path("<uuid:order_id>/notes/", orders_detail.order_note_add, name="order_note_add"),
    path(
        "<uuid:order_id>/packing-slip/",
        orders_detail.order_packing_slip,
        name="order_packing_slip",
    ),
]
