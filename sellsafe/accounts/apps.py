from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sellsafe.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from sellsafe.accounts import receivers  # noqa: F401  (connects allauth signals)
        from sellsafe.accounts.mfa_secrets import MFASecretsSource
        from sellsafe.core.crypto.rotation import register_source

        register_source(MFASecretsSource())
