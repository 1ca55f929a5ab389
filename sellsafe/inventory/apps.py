from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "sellsafe.inventory"
    label = "inventory"
    verbose_name = "Inventory"
