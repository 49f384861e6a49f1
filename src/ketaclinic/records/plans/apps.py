from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "ketaclinic.records.plans"
    label = "plans"
    verbose_name = "Screening, treatment plans and orders"
