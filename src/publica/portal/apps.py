from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "publica.portal"
    verbose_name = "Portal"
