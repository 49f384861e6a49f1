from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketaclinic.records.accounts"
    label = "accounts"
