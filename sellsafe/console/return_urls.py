"""Returns and refunds, under /s/<shop_slug>/returns/ (included from shop_urls). Every view enters
the shop through @shop_view; ids are UUIDs looked up in the shop's scope (others' ids are 404)."""

from django.urls import path

from sellsafe.console.views import refunds, returns

urlpatterns = [
    path("", returns.return_list, name="returns"),
    path("<uuid:return_id>/", returns.return_detail, name="return_detail"),
    path("<uuid:return_id>/approve/", returns.return_approve, name="return_approve"),
    path("<uuid:return_id>/reject/", returns.return_reject, name="return_reject"),
    path("<uuid:return_id>/receive/", returns.return_receive, name="return_receive"),
    path("orders/<uuid:order_id>/new/", returns.order_return_new, name="order_return_new"),
    path("orders/<uuid:order_id>/refund/", refunds.order_refund_new, name="order_refund_new"),
]
