"""What the plan services share: domain errors as ``InvalidInput``, and the zone a patient's
plan dates are read in (the location of their visits)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, tzinfo

from django.utils import timezone

from ketaclinic.core import DomainInputError
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import Weighing, latest_weighing, local_today


@contextmanager
def domain_input(renamed: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn a pure package's ``DomainInputError`` into ``InvalidInput`` naming the same field,
    or the face's name for it (``renamed``)."""
    try:
        yield
    except DomainInputError as error:
        field = (renamed or {}).get(error.field, error.field)
        raise InvalidInput.single(field, error.message) from None


def plan_zone(patient_id: int) -> tzinfo:
    """The zone a patient's plan dates are read in: their next visit's location, else their
    latest visit's, else the clinic's default (a patient never booked belongs to no location)."""
    now = timezone.now()
    visits = Patient.objects.filter(pk=patient_id, appointments__isnull=False).values_list(
        "appointments__starts_at", "appointments__location__time_zone"
    )
    upcoming = sorted((at, zone) for at, zone in visits if at >= now)
    past = sorted((at, zone) for at, zone in visits if at < now)
    chosen = upcoming[:1] or past[-1:]
    if not chosen:
        return timezone.get_default_timezone()
    return zoneinfo.ZoneInfo(chosen[0][1])


def plan_today(patient_id: int) -> date:
    """Today in the patient's plan zone."""
    return local_today(plan_zone(patient_id))


def plan_weighing(patient_id: int) -> Weighing:
    """The patient's latest weight, dated in the plan's zone."""
    return latest_weighing(patient_id, plan_zone(patient_id))
