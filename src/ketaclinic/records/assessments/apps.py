from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "ketaclinic.records.assessments"
    label = "assessments"

    def ready(self) -> None:
        # A clinic's own instrument files are checked at start-up, not at the first form.
        from .registry import registry

        registry()
