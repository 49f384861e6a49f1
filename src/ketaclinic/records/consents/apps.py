from django.apps import AppConfig


class ConsentsConfig(AppConfig):
    name = "ketaclinic.records.consents"
    label = "consents"
