from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "ketaclinic.records.pricing"
    label = "pricing"
