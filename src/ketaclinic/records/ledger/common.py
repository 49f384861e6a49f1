"""What the ledger services share: the location's dates, and the records a path or a field
names (found, or refused with ``NotFound`` / ``InvalidInput`` naming the field)."""

from __future__ import annotations

from datetime import date, datetime

from ketaclinic.records import toolkit
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import get_or_404, get_or_invalid

from .models import Lot, Product, StorageLocation


def local_today(location: Location) -> date:
    """The calendar date at the location now (expiry and receipt dates are local)."""
    return toolkit.local_today(location.zone)


def local_start(location: Location, day: date) -> datetime:
    """The first instant of ``day`` at the location, as an aware datetime."""
    return toolkit.local_start(day, location.zone)


def location_or_404(slug: str) -> Location:
    return get_or_404(Location.objects.all(), slug, "location", by="slug")


def location_field(slug: str, field: str = "location") -> Location:
    """The location named in a form or body, or ``InvalidInput`` naming ``field``."""
    return get_or_invalid(Location.objects.all(), slug, field, "location", by="slug")


def storage_field(storage_id: int, field: str = "storage_id") -> StorageLocation:
    rows = StorageLocation.objects.select_related("location")
    return get_or_invalid(rows, storage_id, field, "storage location")


def product_field(product_id: int, field: str = "product_id") -> Product:
    return get_or_invalid(Product.objects.all(), product_id, field, "product")


def lot_field(lot_id: int, field: str = "lot_id") -> Lot:
    return get_or_invalid(Lot.objects.select_related("product"), lot_id, field, "lot")


def patient_field(patient_id: int, field: str = "patient_id") -> Patient:
    return get_or_invalid(Patient.objects.all(), patient_id, field, "patient")
