"""Demo outcomes: one demo patient who paused the programme (a synthetic drop-out), so that the
outcome screen, the cohort dashboard and the reports show one. Loaded once."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ketaclinic.records.context import Actor
from ketaclinic.records.patients.models import Patient

from .models import Discontinuation
from .services import record_discontinuation

PAUSED = "DEMO-0006"


def load_outcomes(clinician: Actor) -> None:
    patient = Patient.objects.filter(mrn=PAUSED).first()
    if patient is None or Discontinuation.objects.filter(patient=patient).exists():
        return
    record_discontinuation(
        clinician,
        patient.pk,
        {
            "reason": "patient_choice",
            "note": "Synthetic demo record: chose to pause the programme.",
            "stopped_on": timezone.localdate() - timedelta(days=7),
        },
    )
