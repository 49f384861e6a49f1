from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "ketaclinic.records.workers"
    label = "workers"
