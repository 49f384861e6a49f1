from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "ketaclinic.records.clinics"
    label = "clinics"
