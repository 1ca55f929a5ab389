from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "sellsafe.console"
    label = "console"
    verbose_name = "Seller console"
