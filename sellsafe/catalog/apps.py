from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "sellsafe.catalog"
    label = "catalog"
    verbose_name = "Catalog"
