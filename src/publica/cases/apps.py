from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "publica.cases"
    verbose_name = "Cases"
