from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "ketaclinic.records.intake"
    label = "intake"

    def ready(self) -> None:
        from ketaclinic.records.patients.review import provide_unreviewed

        from .lookups import awaiting_review_for

        provide_unreviewed(awaiting_review_for)
