from datetime import timedelta

from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "ketaclinic.records.exports"
    label = "exports"
    verbose_name = "Bulk data exports"

    def ready(self) -> None:
        from ketaclinic.records.workers import chores

        from .services import purge_expired

        chores.every(timedelta(minutes=15), "expired bulk exports", purge_expired)
