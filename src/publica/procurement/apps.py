from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "publica.procurement"
    verbose_name = "Procurement (OCDS 1.1)"
