from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "ketaclinic.records.alerts"
    label = "alerts"
