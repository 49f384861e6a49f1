"""What the plan services share: domain errors as ``InvalidInput``, and finding records."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone

from ketaclinic.core import DomainInputError
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput, NotFound
from ketaclinic.records.patients.models import BodyMeasurement, Patient

M = TypeVar("M", bound=models.Model)


@contextmanager
def domain_input(renamed: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn a pure package's ``DomainInputError`` into ``InvalidInput`` naming the same field,
    or the face's name for it (``renamed``)."""
    try:
        yield
    except DomainInputError as error:
        field = (renamed or {}).get(error.field, error.field)
        raise InvalidInput.single(field, error.message) from None


def patient_id_of(model: type[models.Model], pk: int, patient_path: str) -> int | None:
    """The patient the object ``pk`` belongs to; None if it does not exist."""
    rows = model._default_manager.filter(pk=pk).values_list(patient_path, flat=True)
    patient_id: int | None = rows.first()
    return patient_id


def authorize_on(
    actor: Actor, action: Action, model: type[models.Model], pk: int, patient_path: str
) -> int | None:
    """Authorize ``action`` on the patient of the object ``pk`` before looking further (so a
    forbidden caller learns nothing, and a denial is audited with the patient when known)."""
    patient_id = patient_id_of(model, pk, patient_path)
    authorize(actor, action, patient_id=patient_id)
    return patient_id


def get_or_404(queryset: models.QuerySet[M], pk: int, label: str) -> M:
    try:
        return queryset.get(pk=pk)
    except ObjectDoesNotExist:
        raise NotFound(f"{label} {pk} does not exist") from None


def patient_or_404(patient_id: int) -> Patient:
    return get_or_404(Patient.objects.all(), patient_id, "patient")


@dataclass(frozen=True)
class Weighing:
    measurement: BodyMeasurement
    weight_kg: float
    measured_on: date
    """The clinic's local date of the weighing."""


def latest_weighing(patient: Patient) -> Weighing:
    """The newest recorded weight, or ``InvalidInput`` naming ``weight_kg``."""
    found = BodyMeasurement.objects.filter(patient=patient, weight_kg__isnull=False).first()
    if found is None or found.weight_kg is None:
        raise InvalidInput.single("weight_kg", "the patient has no recorded weight: weigh them")
    return Weighing(found, found.weight_kg, timezone.localdate(found.measured_at))


def latest_height_cm(patient: Patient) -> float | None:
    return (
        BodyMeasurement.objects.filter(patient=patient, height_cm__isnull=False)
        .values_list("height_cm", flat=True)
        .first()
    )
