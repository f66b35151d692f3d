from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "publica.opendata"
    verbose_name = "Open data (datasets, CKAN Action API, DCAT-AP)"
