"""What the ledger services share: failed attempts audited, records found or refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.models import Outcome
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput, NotFound
from ketaclinic.records.patients.models import Patient

from .models import Lot, Product, StorageLocation

M = TypeVar("M", bound=models.Model)


@dataclass
class Attempt:
    """Filled in as the service learns whose record the attempt touches."""

    patient_id: int | None = None


@contextmanager
def attempt(actor: Actor, action: Action | str) -> Iterator[Attempt]:
    """Audit a refused attempt (bad input, a clash, a missing record) as ``failed``.

    Use it outside the service's transaction: the refusal is recorded after the rollback, so
    it stays even though nothing else was written.
    """
    tried = Attempt()
    try:
        yield tried
    except (InvalidInput, Conflict, NotFound) as error:
        detail: dict[str, object] = {"error": str(error), "refused_as": type(error).__name__}
        if isinstance(error, InvalidInput):
            detail["fields"] = sorted({e.field for e in error.errors})
        audit.record(
            actor, action, outcome=Outcome.FAILED, patient_id=tried.patient_id, detail=detail
        )
        raise


def local_today(location: Location) -> date:
    """The calendar date at the location now (expiry and receipt dates are local)."""
    return timezone.localdate(timezone.now(), location.zone)


def local_start(location: Location, day: date) -> datetime:
    """The first instant of ``day`` at the location, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=location.zone)


def location_or_404(slug: str) -> Location:
    try:
        return Location.objects.get(slug=slug)
    except Location.DoesNotExist:
        raise NotFound(f"location {slug!r} does not exist") from None


def location_field(slug: str, field: str = "location") -> Location:
    """The location named in a form or body, or ``InvalidInput`` naming ``field``."""
    try:
        return Location.objects.get(slug=slug)
    except Location.DoesNotExist:
        raise InvalidInput.single(field, f"no location has the slug {slug!r}") from None


def storage_field(storage_id: int, field: str = "storage_id") -> StorageLocation:
    try:
        return StorageLocation.objects.select_related("location").get(pk=storage_id)
    except StorageLocation.DoesNotExist:
        raise InvalidInput.single(field, f"no storage location has id {storage_id}") from None


def product_field(product_id: int, field: str = "product_id") -> Product:
    try:
        return Product.objects.get(pk=product_id)
    except Product.DoesNotExist:
        raise InvalidInput.single(field, f"no product has id {product_id}") from None


def lot_field(lot_id: int, field: str = "lot_id") -> Lot:
    try:
        return Lot.objects.select_related("product").get(pk=lot_id)
    except Lot.DoesNotExist:
        raise InvalidInput.single(field, f"no lot has id {lot_id}") from None


def patient_field(patient_id: int, field: str = "patient_id") -> Patient:
    try:
        return Patient.objects.get(pk=patient_id)
    except Patient.DoesNotExist:
        raise InvalidInput.single(field, f"no patient has id {patient_id}") from None


def one_or_404(queryset: QuerySet[M], pk: int, label: str) -> M:
    try:
        return queryset.get(pk=pk)
    except ObjectDoesNotExist:
        raise NotFound(f"{label} {pk} does not exist") from None
