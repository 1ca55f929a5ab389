"""The shop's order settings page, under /s/<shop_slug>/settings/orders/ (from shop_urls)."""

from django.urls import path

from sellsafe.console.views import order_settings

urlpatterns = [
    path("", order_settings.order_settings, name="order_settings"),
]
