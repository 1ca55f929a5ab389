"""Catalog CSV pages, under /s/<shop_slug>/products/csv/ (included from shop_urls). Job ids are
random UUIDs scoped to the shop (another shop's id is not found)."""

from django.urls import path

from sellsafe.console.views import catalog_csv

urlpatterns = [
    path("", catalog_csv.csv_page, name="catalog_csv"),
    path("export/", catalog_csv.csv_export, name="catalog_csv_export"),
    path("import/", catalog_csv.csv_import, name="catalog_csv_import"),
    path("import/<uuid:job_id>/", catalog_csv.csv_job, name="catalog_csv_job"),
    path(
        "import/<uuid:job_id>/progress/",
        catalog_csv.csv_job_progress,
        name="catalog_csv_job_progress",
    ),
]
