"""What the plan services share: domain errors as ``InvalidInput``, the patient or NotFound,
and the clinic's zone for dates (a plan and its orders belong to no one location)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import tzinfo

from django.utils import timezone

from ketaclinic.core import DomainInputError
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.toolkit import Weighing, latest_weighing


@contextmanager
def domain_input(renamed: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn a pure package's ``DomainInputError`` into ``InvalidInput`` naming the same field,
    or the face's name for it (``renamed``)."""
    try:
        yield
    except DomainInputError as error:
        field = (renamed or {}).get(error.field, error.field)
        raise InvalidInput.single(field, error.message) from None


def plan_zone() -> tzinfo:
    """The zone a plan's dates are read in: the clinic's default (plans and orders carry no
    location until a session is booked)."""
    return timezone.get_default_timezone()


def plan_weighing(patient_id: int) -> Weighing:
    """The patient's latest weight, dated in the plan's zone."""
    return latest_weighing(patient_id, plan_zone())
