from django.apps import AppConfig


class SpendingConfig(AppConfig):
    name = "publica.spending"
    verbose_name = "Budgets, spending and public projects"
