from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "ketaclinic.records.pricing"
    label = "pricing"

    def ready(self) -> None:
        from . import hooks

        hooks.connect()
