from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "sellsafe.customers"
    label = "customers"
    verbose_name = "Customers"
