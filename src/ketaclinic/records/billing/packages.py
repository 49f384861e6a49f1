"""Packages of prepaid infusions: sold at the location's package price on the day (a charge
like any other, from the price list), then used one infusion per completed session instead
of a charge (``charges.post_session_charges``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.pricing.choices import PriceKind
from ketaclinic.records.pricing.lookups import price_on
from ketaclinic.records.toolkit import attempt, local_today, validate

from .charges import Line, post_lines
from .common import location_for
from .inputs import PackageSaleIn
from .models import Package


@dataclass(frozen=True)
class PackageState:
    package: Package
    used: int

    @property
    def left(self) -> int:
        return self.package.infusions - self.used


def sell_package(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> Package:
    """Sell the location's package (its price list's package price on the location's today);
    409 when none is in effect."""
    authorize(actor, Action.PACKAGE_SELL, patient_id=patient_id)
    with attempt(actor, Action.PACKAGE_SELL, what="package", patient_id=patient_id):
        fields = validate(PackageSaleIn, data)
        patient = patient_or_404(patient_id)
        location = location_for(patient.pk, fields.location)
        day = local_today(location.zone)
        item = price_on(location, PriceKind.PACKAGE, day)
        with transaction.atomic():
            package = Package.objects.create(
                patient=patient,
                location=location,
                name=item.label,
                infusions=item.sessions,
                price_cents=item.amount_cents,
                sold_by=actor.user,
            )
            audit.record(
                actor,
                Action.PACKAGE_SELL,
                obj=package,
                patient_id=patient.pk,
                detail={"infusions": package.infusions, "price_cents": package.price_cents},
            )
            post_lines(actor, [Line(item, 1)], day, package=package)
    return package


def packages_of(patient_id: int) -> list[PackageState]:
    """The patient's packages with the infusions used (internal: callers authorize)."""
    rows = Package.objects.filter(patient_id=patient_id).annotate(used=Count("uses"))
    return [PackageState(row, row.used) for row in rows]
