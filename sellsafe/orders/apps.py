from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "sellsafe.orders"
    label = "orders"
    verbose_name = "Orders"
