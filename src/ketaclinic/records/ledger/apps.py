from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ketaclinic.records.ledger"
    label = "ledger"
    verbose_name = "Controlled-substance ledger"
