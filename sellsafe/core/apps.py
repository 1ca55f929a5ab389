from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sellsafe.core"
    label = "core"
    verbose_name = "Sellsafe core"

    def ready(self) -> None:
        from sellsafe.core import checks  # noqa: F401  (registers system checks)
