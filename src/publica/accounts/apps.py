from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "publica.accounts"
    verbose_name = "Accounts"
