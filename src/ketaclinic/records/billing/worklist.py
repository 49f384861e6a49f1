"""The manager's billing worklist: Good Faith Estimates outrun by billed charges (the dispute
threshold of 45 CFR 149.620), and completed visits that found no price to charge."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Sum

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.pricing.estimates import current_estimate
from ketaclinic.records.pricing.money import dollars
from ketaclinic.records.toolkit import local_date

from .choices import EntryKind, WarningKind
from .models import BillingWarning, Entry
from .policy import overrun_threshold_cents

if TYPE_CHECKING:
    from ketaclinic.records.pricing.models import Estimate

UNSCHEDULED_PERIOD_DAYS = 365
"""An estimate of care not yet scheduled covers the year from its issue (clinic policy, after
the rule's allowance of one estimate for up to 12 months of recurring care, 45 CFR 149.610)."""


def billed_cents(patient_id: int, first: date, last: date) -> int:
    """The patient's charges with a date of service from ``first`` to ``last``."""
    total = Entry.objects.filter(
        patient_id=patient_id,
        kind=EntryKind.CHARGE,
        service_on__gte=first,
        service_on__lte=last,
    ).aggregate(total=Sum("amount_cents"))["total"]
    return int(total or 0)


def estimate_period(estimate: Estimate) -> tuple[date, date]:
    """The dates of service an estimate covers: its scheduled dates; for care not yet
    scheduled (the standard course), from its day of issue for a year."""
    first = estimate.service_from or local_date(estimate.issued_at, estimate.location.zone)
    return first, estimate.service_to or first + timedelta(days=UNSCHEDULED_PERIOD_DAYS)


def check_overruns(actor: Actor, patient_id: int, day: date) -> BillingWarning | None:
    """After charges for ``day`` were posted (inside their transaction): a warning when the
    patient's current Good Faith Estimate covers the day and the charges billed for its
    period now exceed it by the dispute threshold or more — once per estimate."""
    estimate = current_estimate(patient_id)
    if estimate is None or BillingWarning.objects.filter(estimate_id=estimate.pk).exists():
        return None
    first, last = estimate_period(estimate)
    if not first <= day <= last:
        return None
    billed = billed_cents(patient_id, first, last)
    over = billed - estimate.total_cents
    if over < overrun_threshold_cents():
        return None
    warning = BillingWarning.objects.create(
        patient_id=patient_id,
        location_id=estimate.location_id,
        kind=WarningKind.OVERRUN,
        message=(
            f"Billed charges {dollars(billed)} from {first.isoformat()} to {last.isoformat()} "
            f"exceed the Good Faith Estimate of {dollars(estimate.total_cents)} by "
            f"{dollars(over)}: the patient may dispute them (45 CFR 149.620)."
        ),
        estimate_id=estimate.pk,
        estimate_total_cents=estimate.total_cents,
        billed_cents=billed,
        service_on=day,
    )
    audit.record(
        actor,
        Audited.BILLING_OVERRUN,
        obj=warning,
        patient_id=patient_id,
        detail={"estimate": estimate.pk, "over_cents": over},
    )
    return warning


def warn_unpriced(
    actor: Actor, patient_id: int, location: Location, day: date, message: str
) -> BillingWarning:
    """A completed visit could not be charged (no price in effect): the manager sees why."""
    warning = BillingWarning.objects.create(
        patient_id=patient_id,
        location=location,
        kind=WarningKind.UNPRICED,
        message=message[:500],
        service_on=day,
    )
    audit.record(
        actor,
        Audited.BILLING_UNPRICED,
        obj=warning,
        patient_id=patient_id,
        detail={"message": message[:300]},
    )
    return warning


def worklist(actor: Actor, location: Location | None = None) -> list[BillingWarning]:
    """The warnings, newest first (managers and the front desk)."""
    authorize(actor, Action.BILLING_REPORT)
    rows = BillingWarning.objects.select_related("patient", "location")
    if location is not None:
        rows = rows.filter(location=location)
    found = list(rows[:200])
    audit.record(actor, Action.BILLING_REPORT, detail={"what": "worklist", "rows": len(found)})
    return found
