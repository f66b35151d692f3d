"""Procurement: tenders, awards and contracts, published as Open Contracting Data Standard 1.1."""

from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "publica.procurement"
    verbose_name = "Procurement (OCDS 1.1)"

    def ready(self) -> None:
        from publica.procurement import checks  # noqa: F401  (registers the system check)
