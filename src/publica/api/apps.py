from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "publica.api"
    verbose_name = "REST API"
