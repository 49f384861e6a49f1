"""Theft and significant loss: the report the DEA's Form 106 asks for, and its filings.

Deadlines (21 CFR 1301.76(b), clinical.md section 7): written notice to the DEA Field
Division within one business day of discovery, Form 106 within 45 days. Business days here
skip weekends only; public holidays are not known to the software.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, FieldError, InvalidInput
from ketaclinic.records.toolkit import atomic_or, attempt, get_or_404, validate

from .common import local_today, location_field, location_or_404
from .inputs import FilingIn, LossReportIn
from .models import Discrepancy, FilingKind, LossReport, LossReportFiling, LossReportLine, Lot
from .quantities import of_ml

FORM_106_DAYS = 45
WRITTEN_NOTICE_BUSINESS_DAYS = 1


@dataclass(frozen=True)
class Deadline:
    kind: FilingKind
    due_on: date
    filed_on: date | None

    @property
    def label(self) -> str:
        return FilingKind(self.kind).label

    def overdue(self, today: date) -> bool:
        return self.filed_on is None and today > self.due_on


def _business_days_after(day: date, count: int) -> date:
    while count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def deadlines(report: LossReport) -> list[Deadline]:
    """The notice and the form, when each is due and when it was filed (needs filings)."""
    filed = {filing.kind: filing.filed_on for filing in report.filings.all()}
    due = {
        FilingKind.WRITTEN_NOTICE: _business_days_after(
            report.discovered_on, WRITTEN_NOTICE_BUSINESS_DAYS
        ),
        FilingKind.FORM_106: report.discovered_on + timedelta(days=FORM_106_DAYS),
    }
    return [Deadline(kind, due_on, filed.get(kind)) for kind, due_on in due.items()]


def report_loss(actor: Actor, data: Mapping[str, Any]) -> LossReport:
    """Record a theft or significant loss; the stock itself is corrected by an adjustment."""
    authorize(actor, Action.LEDGER_LOSS_REPORT)
    with attempt(actor, Action.LEDGER_LOSS_REPORT):
        fields = validate(LossReportIn, data)
        location = location_field(fields.location)
        if fields.discovered_on > local_today(location):
            raise InvalidInput.single("discovered_on", "cannot be in the future")
        lots = Lot.objects.select_related("product").in_bulk([x.lot_id for x in fields.lines])
        errors = [
            FieldError(f"lines.{index}.lot_id", "no lot has this id")
            for index, line in enumerate(fields.lines)
            if line.lot_id not in lots
        ]
        if (
            fields.discrepancy_id is not None
            and not Discrepancy.objects.filter(
                pk=fields.discrepancy_id, storage__location=location
            ).exists()
        ):
            errors.append(FieldError("discrepancy_id", "no discrepancy at this location"))
        if errors:
            raise InvalidInput(errors)
        with transaction.atomic():
            report = LossReport.objects.create(
                location=location,
                kind=fields.kind,
                discovered_on=fields.discovered_on,
                circumstances=fields.circumstances,
                police_notified=fields.police_notified,
                police_department=fields.police_department,
                police_phone=fields.police_phone,
                police_report_number=fields.police_report_number,
                discrepancy_id=fields.discrepancy_id,
                reported_by=actor.user,
            )
            for line in fields.lines:
                lot = lots[line.lot_id]
                lost = of_ml(line.volume_ml, lot.product.strength_mg_per_ml)
                LossReportLine.objects.create(
                    report=report,
                    lot=lot,
                    containers=line.containers,
                    quantity_mg=lost.mg,
                    quantity_ml=lost.ml,
                )
            audit.record(
                actor,
                Action.LEDGER_LOSS_REPORT,
                obj=report,
                detail={"kind": fields.kind, "lines": len(fields.lines)},
            )
    return report


def record_filing(actor: Actor, report_id: int, data: Mapping[str, Any]) -> LossReportFiling:
    """That the written notice or Form 106 for a loss report was sent, and when."""
    authorize(actor, Action.LEDGER_LOSS_REPORT)
    with attempt(actor, Action.LEDGER_LOSS_REPORT):
        fields = validate(FilingIn, data)
        report = get_or_404(LossReport.objects.all(), report_id, "loss report")
        if fields.filed_on < report.discovered_on:
            raise InvalidInput.single("filed_on", "cannot be before the loss was discovered")
        with atomic_or(Conflict(f"the {fields.kind.label} was already recorded")):
            filing = LossReportFiling.objects.create(
                report=report,
                kind=fields.kind,
                filed_on=fields.filed_on,
                reference=fields.reference,
                recorded_by=actor.user,
            )
            audit.record(
                actor,
                Action.LEDGER_LOSS_REPORT,
                obj=filing,
                detail={"report": report.pk, "kind": fields.kind},
            )
    return filing


def loss_reports(actor: Actor, location_slug: str) -> list[LossReport]:
    authorize(actor, Action.LEDGER_VIEW)
    location = location_or_404(location_slug)
    return list(
        LossReport.objects.filter(location=location)
        .select_related("reported_by")
        .prefetch_related("lines__lot__product", "filings")
    )
