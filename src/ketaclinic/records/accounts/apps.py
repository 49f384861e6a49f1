from datetime import timedelta

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketaclinic.records.accounts"
    label = "accounts"

    def ready(self) -> None:
        from ketaclinic.records.audit.services import add_marker
        from ketaclinic.records.workers import chores

        from .reach import emergency_mark
        from .services import purge_expired_tokens

        add_marker(emergency_mark)
        chores.every(timedelta(hours=1), "expired API tokens", purge_expired_tokens)
