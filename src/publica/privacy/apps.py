from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "publica.privacy"
    verbose_name = "Privacy: retention, subject access and erasure"
    default_auto_field = "django.db.models.BigAutoField"
