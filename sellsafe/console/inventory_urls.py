"""Inventory pages, under /s/<shop_slug>/inventory/ (included from shop_urls). Every view enters
the shop through @shop_view; object ids are UUIDs."""

from django.urls import path

from sellsafe.console.views import inventory_locations, inventory_stock

urlpatterns = [
    path("locations/", inventory_locations.location_list, name="inventory_locations"),
    path("locations/new/", inventory_locations.location_new, name="inventory_location_new"),
    path(
        "locations/<uuid:location_id>/",
        inventory_locations.location_edit,
        name="inventory_location_edit",
    ),
    path(
        "default-threshold/",
        inventory_locations.default_threshold,
        name="inventory_default_threshold",
    ),
    path("variants/<uuid:variant_id>/", inventory_stock.variant_stock, name="inventory_variant"),
    path(
        "variants/<uuid:variant_id>/adjust/",
        inventory_stock.variant_adjust,
        name="inventory_variant_adjust",
    ),
    path(
        "variants/<uuid:variant_id>/threshold/",
        inventory_stock.variant_threshold,
        name="inventory_variant_threshold",
    ),
]
