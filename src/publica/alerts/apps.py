from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "publica.alerts"
    verbose_name = "Area alerts"
