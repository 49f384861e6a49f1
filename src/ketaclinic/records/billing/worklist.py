"""The manager's billing worklist: Good Faith Estimates outrun by billed charges (the dispute
threshold of 45 CFR 149.620), and completed visits that found no price to charge."""

from __future__ import annotations

from datetime import date

from django.db.models import Sum

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.pricing.models import Estimate
from ketaclinic.records.pricing.money import dollars

from .choices import EntryKind, WarningKind
from .models import BillingWarning, Entry
from .policy import overrun_threshold_cents


def billed_cents(patient_id: int, first: date, last: date) -> int:
    """The patient's charges with a date of service from ``first`` to ``last``."""
    total = Entry.objects.filter(
        patient_id=patient_id,
        kind=EntryKind.CHARGE,
        service_on__gte=first,
        service_on__lte=last,
    ).aggregate(total=Sum("amount_cents"))["total"]
    return int(total or 0)


def check_overruns(actor: Actor, patient_id: int, day: date) -> list[BillingWarning]:
    """After charges for ``day`` were posted (inside their transaction): a warning for each of
    the patient's current estimates whose period holds the day and whose billed charges now
    exceed it by the threshold or more — once per estimate."""
    threshold = overrun_threshold_cents()
    estimates = Estimate.objects.filter(
        patient_id=patient_id,
        superseded_by__isnull=True,
        service_from__lte=day,
        service_to__gte=day,
    ).exclude(pk__in=BillingWarning.objects.filter(estimate_id__isnull=False).values("estimate_id"))
    raised = []
    for estimate in estimates:
        first, last = estimate.service_from, estimate.service_to
        if first is None or last is None:
            continue
        billed = billed_cents(patient_id, first, last)
        if billed - estimate.total_cents < threshold:
            continue
        warning = BillingWarning.objects.create(
            patient_id=patient_id,
            location_id=estimate.location_id,
            kind=WarningKind.OVERRUN,
            message=(
                f"Billed charges {dollars(billed)} from {first.isoformat()} to "
                f"{last.isoformat()} exceed the Good Faith Estimate of "
                f"{dollars(estimate.total_cents)} by {dollars(billed - estimate.total_cents)}: the "
                "patient may dispute them (45 CFR 149.620)."
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
            detail={"estimate": estimate.pk, "over_cents": billed - estimate.total_cents},
        )
        raised.append(warning)
    return raised


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
