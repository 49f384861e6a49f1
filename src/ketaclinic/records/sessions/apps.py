from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "ketaclinic.records.sessions"
    # Django's own session app already holds the label "sessions".
    label = "infusions"
    verbose_name = "Infusion sessions"
