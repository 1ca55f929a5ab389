from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sellsafe.core"
    label = "core"
    verbose_name = "Sellsafe core"

    def ready(self) -> None:
        from sellsafe.core import checks  # noqa: F401  (registers system checks)
        from sellsafe.core.inserts import cache_statements_up_to

        cache_statements_up_to()
