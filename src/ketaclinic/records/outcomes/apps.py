from typing import Any

from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "ketaclinic.records.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes, reports and exports"

    def ready(self) -> None:
        from ketaclinic.records.patients.signals import patient_outcome_changed

        from .queue import outcome_changed

        def refresh(sender: Any, patient_id: int, **kwargs: Any) -> None:
            outcome_changed(patient_id)

        patient_outcome_changed.connect(refresh, dispatch_uid="outcomes.refresh", weak=False)
