from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "sellsafe.shops"
    label = "shops"
    verbose_name = "Shops and staff"

    def ready(self) -> None:
        from sellsafe.accounts.passwords.context import register_context_provider
        from sellsafe.shops.selectors import shop_names_for_password_check

        register_context_provider(shop_names_for_password_check)
