from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "ketaclinic.records.patients"
    label = "patients"
