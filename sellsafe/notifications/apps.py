from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "sellsafe.notifications"
    label = "notifications"
    verbose_name = "Notifications"
