from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ketaclinic.records.audit"
    label = "audit"
