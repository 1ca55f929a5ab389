from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sellsafe.demo"
    label = "demo"
    verbose_name = "Demo data"
