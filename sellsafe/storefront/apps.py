from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "sellsafe.storefront"
    label = "storefront"
    verbose_name = "Storefront"
