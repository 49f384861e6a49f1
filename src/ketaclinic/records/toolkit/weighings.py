"""The patient's latest weight and height, as recorded."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, tzinfo

from django.utils import timezone

from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.patients.models import BodyMeasurement


@dataclass(frozen=True)
class Weighing:
    measurement: BodyMeasurement
    weight_kg: float
    measured_on: date
    """The date of the weighing in the zone asked for."""


def latest_measurement(patient_id: int) -> BodyMeasurement | None:
    """The newest measurement that has a weight, if any."""
    return BodyMeasurement.objects.filter(patient_id=patient_id, weight_kg__isnull=False).first()


def latest_weighing(patient_id: int, zone: tzinfo | zoneinfo.ZoneInfo) -> Weighing:
    """The newest recorded weight, dated in ``zone``, or ``InvalidInput`` naming ``weight_kg``."""
    found = latest_measurement(patient_id)
    if found is None or found.weight_kg is None:
        raise InvalidInput.single("weight_kg", "the patient has no recorded weight: weigh them")
    return Weighing(found, found.weight_kg, timezone.localdate(found.measured_at, zone))


def latest_height_cm(patient_id: int) -> float | None:
    return (
        BodyMeasurement.objects.filter(patient_id=patient_id, height_cm__isnull=False)
        .values_list("height_cm", flat=True)
        .first()
    )
