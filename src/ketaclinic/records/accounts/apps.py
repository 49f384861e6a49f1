from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketaclinic.records.accounts"
    label = "accounts"

    def ready(self) -> None:
        from ketaclinic.records.audit.services import add_marker

        from .reach import emergency_mark

        add_marker(emergency_mark)
