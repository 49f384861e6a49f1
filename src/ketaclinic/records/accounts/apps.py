from datetime import timedelta

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketaclinic.records.accounts"
    label = "accounts"

    def ready(self) -> None:
        from ketaclinic.records.workers import chores

        from .services import purge_expired_tokens

        chores.every(timedelta(hours=1), "expired API tokens", purge_expired_tokens)
