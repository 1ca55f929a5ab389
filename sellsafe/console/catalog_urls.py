"""Catalog pages, under /s/<shop_slug>/products/ (included from shop_urls). Every view enters the
shop through @shop_view("catalog.view" | "catalog.edit"); object ids are UUIDs."""

from django.urls import path

from sellsafe.console.views import catalog_bulk, catalog_categories, catalog_products

urlpatterns = [
    path("", catalog_products.product_list, name="catalog_products"),
    path("new/", catalog_products.product_new, name="catalog_product_new"),
    path("preview/", catalog_products.description_preview, name="catalog_preview"),
    path("bulk/", catalog_bulk.bulk_action, name="catalog_bulk"),
    path("categories/", catalog_categories.category_list, name="catalog_categories"),
    path("categories/new/", catalog_categories.category_new, name="catalog_category_new"),
    path("<uuid:product_id>/", catalog_products.product_detail, name="catalog_product"),
    path("<uuid:product_id>/edit/", catalog_products.product_edit, name="catalog_product_edit"),
]
