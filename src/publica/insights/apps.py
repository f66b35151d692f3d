from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "publica.insights"
    verbose_name = "Dashboards, forecasts and the public performance page"
