from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "publica.notify"
    verbose_name = "Notifications and webhooks"
