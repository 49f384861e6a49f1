"""Demo assessments: a few patients with a baseline bundle and follow-up scores over weeks,
one PHQ-9 whose item 9 raised an open alert, and a baseline request waiting for the demo
patient login. Synthetic, the same on every machine, and loaded once."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from ketaclinic.records.context import Actor
from ketaclinic.records.patients.models import Patient

from . import services
from .models import Assessment, AssessmentRequest, Context
from .registry import registry

WITH_HISTORY = ("DEMO-0002", "DEMO-0003", "DEMO-0004", "DEMO-0005", "DEMO-0006")
WITH_ALERT = "DEMO-0003"
WAITING = "DEMO-0001"  # the demo patient login: a baseline request to complete
BASELINE_DAYS_AGO = 70
FOLLOW_UP_DAYS_AGO = (56, 42, 28, 14)
NRS_SET = (
    "nrs_pain_average",
    "nrs_pain_worst",
    "nrs_fatigue",
    "nrs_sleep_quality",
    "nrs_cognition",
    "nrs_mood",
)


def load_assessments(clinician: Actor, front_desk: Actor) -> None:
    """Add what is missing: history for the demo patients without any, the waiting request."""
    rng = random.Random(4)
    for mrn in WITH_HISTORY:
        patient = Patient.objects.get(mrn=mrn)
        if not Assessment.objects.filter(patient=patient).exists():
            _history(clinician, patient, rng, alert=mrn == WITH_ALERT)
    waiting = Patient.objects.get(mrn=WAITING)
    if not AssessmentRequest.objects.filter(patient=waiting).exists():
        services.request_bundle(front_desk, waiting.pk, {"bundle": "baseline_intake"})


def _history(clinician: Actor, patient: Patient, rng: random.Random, *, alert: bool) -> None:
    now = timezone.now()
    baseline = now - timedelta(days=BASELINE_DAYS_AGO)
    pain = rng.randint(6, 8)
    impact = rng.randint(5, 8)

    def record(instrument: str, answers: dict[str, Any], when: Any, context: str) -> None:
        services.record_assessment(
            clinician,
            patient.pk,
            {
                "instrument": instrument,
                "answers": answers,
                "context": context,
                "completed_at": when,
            },
        )

    areas = [i.id for i in registry().get("acr2016").items if i.id.startswith("wpi_")]
    painful = set(rng.sample(areas, rng.randint(8, 14)))
    acr = {area: int(area in painful) for area in areas} | {
        "sss_fatigue": rng.randint(2, 3),
        "sss_unrefreshed": rng.randint(1, 3),
        "sss_cognitive": rng.randint(1, 3),
        "sss_headaches": rng.randint(0, 1),
        "sss_lower_abdomen": rng.randint(0, 1),
        "sss_depression": rng.randint(0, 1),
        "symptoms_3_months": 1,
    }
    record("acr2016", acr, baseline, Context.BASELINE)
    record("fiqr", _fiqr(rng, impact), baseline, Context.BASELINE)
    record("phq9", _items("phq9", rng, 0, 2) | {"phq9_9": 0}, baseline, Context.BASELINE)
    record("gad7", _items("gad7", rng, 0, 2), baseline, Context.BASELINE)
    for instrument in NRS_SET:
        record(instrument, {instrument: _clamp(pain + rng.randint(-2, 1))}, baseline, "baseline")
    for step, days_ago in enumerate(FOLLOW_UP_DAYS_AGO, start=1):
        when = now - timedelta(days=days_ago)
        drift = rng.choice((-1, -1, 0, 0, 1)) * step // 2
        record(
            "nrs_pain_average",
            {"nrs_pain_average": _clamp(pain + drift)},
            when,
            Context.FOLLOW_UP,
        )
        if step % 2 == 0:
            record("fiqr", _fiqr(rng, _clamp(impact + drift)), when, Context.FOLLOW_UP)
    if alert:
        answers = _items("phq9", rng, 1, 2) | {"phq9_9": 1}
        record("phq9", answers, now - timedelta(days=FOLLOW_UP_DAYS_AGO[-1]), "follow_up")


def _fiqr(rng: random.Random, level: int) -> dict[str, int]:
    return {item.id: _clamp(level + rng.randint(-2, 2)) for item in registry().get("fiqr").items}


def _items(instrument: str, rng: random.Random, low: int, high: int) -> dict[str, int]:
    return {item.id: rng.randint(low, high) for item in registry().get(instrument).items}


def _clamp(value: int) -> int:
    return max(0, min(10, value))
