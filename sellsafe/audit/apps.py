from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sellsafe.audit"
    label = "audit"
    verbose_name = "Audit log"
