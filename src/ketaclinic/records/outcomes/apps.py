from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "ketaclinic.records.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes, reports and exports"
