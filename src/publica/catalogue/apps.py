from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "publica.catalogue"
    verbose_name = "Catalogue"
