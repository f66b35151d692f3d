from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "publica.ledger"
    verbose_name = "Transparency ledger"
