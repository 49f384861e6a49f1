from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "ketaclinic.records.idempotency"
    label = "idempotency"
