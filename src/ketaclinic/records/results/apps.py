from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "ketaclinic.records.results"
    label = "results"
