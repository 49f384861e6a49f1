"""Reports for a location and a range of its local dates: the dispensing log, the waste log,
the inventory (opening, movements, closing per storage and lot) and the discrepancies.

Each report is built with a fixed number of queries, whatever its length, and rendered as
rows for a page, as CSV or as JSON. Opening a report is audited with the patients it shows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.services import safe_cell
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.toolkit import attempt, validate

from .common import local_start, location_field
from .counts import discrepancy_rows
from .inputs import ReportKind, ReportQuery
from .models import Entry, EntryKind, Lot, StorageLocation
from .quantities import MG_STEP, plain, summed

KINDS: dict[str, str] = {
    "dispensing": "Dispensing log",
    "waste": "Waste log",
    "inventory": "Inventory",
    "discrepancies": "Discrepancies",
}

_LOG_COLUMNS = (
    "occurred_at",
    "entry",
    "kind",
    "reverses",
    "storage",
    "product",
    "ndc",
    "strength_mg_per_ml",
    "lot",
    "patient_mrn",
    "patient_name",
    "patient_address",
    "volume_ml",
    "quantity_mg",
    "on_hand_after_ml",
    "recorded_by",
    "witness",
    "reference",
    "reason",
)
COLUMNS: dict[str, tuple[str, ...]] = {
    "dispensing": _LOG_COLUMNS,
    "waste": _LOG_COLUMNS,
    "inventory": (
        "storage",
        "product",
        "ndc",
        "lot",
        "expires_on",
        "opening_ml",
        "received_ml",
        "drawn_ml",
        "adjusted_ml",
        "closing_ml",
        "closing_mg",
        "administered_ml",
        "wasted_ml",
    ),
    "discrepancies": (
        "found_at",
        "discrepancy",
        "storage",
        "product",
        "lot",
        "count_kind",
        "counted_by",
        "witness",
        "expected_ml",
        "counted_ml",
        "difference_ml",
        "difference_mg",
        "status",
        "resolved_by",
        "resolution",
        "adjustment_entry",
    ),
}
_LOG_KINDS: dict[str, tuple[EntryKind, ...]] = {
    "dispensing": (EntryKind.DRAW, EntryKind.ADMINISTERED),
    "waste": (EntryKind.WASTE,),
}

Row = dict[str, Any]


@dataclass(frozen=True)
class Report:
    kind: ReportKind
    location: Location
    date_from: date
    date_to: date
    rows: list[Row]

    @property
    def title(self) -> str:
        return KINDS[self.kind]

    @property
    def columns(self) -> tuple[str, ...]:
        return COLUMNS[self.kind]

    @property
    def filename(self) -> str:
        return f"ledger-{self.kind}-{self.location.slug}-{self.date_from}-{self.date_to}"


def build_report(actor: Actor, query: Mapping[str, Any]) -> Report:
    """The report ``query`` names (location, kind, from, to); audited."""
    authorize(actor, Action.LEDGER_REPORT)
    with attempt(actor, Action.LEDGER_REPORT):
        fields = validate(ReportQuery, query)
        location = location_field(fields.location)
    start = local_start(location, fields.date_from)
    end = local_start(location, fields.date_to + timedelta(days=1))
    if fields.kind in _LOG_KINDS:
        rows, patients = _log(location, _LOG_KINDS[fields.kind], start, end)
    elif fields.kind == "inventory":
        rows, patients = _inventory(location, start, end), []
    else:
        rows, patients = _discrepancies(location, start, end), []
    audit.record(
        actor,
        Action.LEDGER_REPORT,
        obj=location,
        detail={
            "kind": fields.kind,
            "from": str(fields.date_from),
            "to": str(fields.date_to),
            "rows": len(rows),
            "patients": patients,
        },
    )
    return Report(fields.kind, location, fields.date_from, fields.date_to, rows)


def _local(moment: datetime | None, location: Location) -> datetime | None:
    return timezone.localtime(moment, location.zone) if moment else None


def _log(
    location: Location, kinds: tuple[EntryKind, ...], start: datetime, end: datetime
) -> tuple[list[Row], list[int]]:
    entries = (
        Entry.objects.filter(
            storage__location=location, occurred_at__gte=start, occurred_at__lt=end
        )
        .filter(Q(kind__in=kinds) | Q(kind=EntryKind.REVERSAL, reverses__kind__in=kinds))
        .select_related("storage", "lot__product", "patient", "recorded_by", "witness")
        .order_by("occurred_at", "id")
    )
    rows = [
        {
            "occurred_at": _local(e.occurred_at, location),
            "entry": e.pk,
            "kind": e.kind,
            "reverses": e.reverses_id,
            "storage": e.storage.name,
            "product": e.lot.product.name,
            "ndc": e.lot.product.ndc,
            "strength_mg_per_ml": e.lot.product.strength_mg_per_ml,
            "lot": e.lot.lot_number,
            "patient_mrn": e.patient.mrn if e.patient else "",
            "patient_name": e.patient.full_name if e.patient else "",
            "patient_address": e.patient.address if e.patient else "",
            "volume_ml": e.amount_ml if e.kind != EntryKind.REVERSAL else -e.amount_ml,
            "quantity_mg": e.amount_mg if e.kind != EntryKind.REVERSAL else -e.amount_mg,
            "on_hand_after_ml": e.on_hand_after_ml,
            "recorded_by": e.recorded_by.get_username(),
            "witness": e.witness.get_username() if e.witness else "",
            "reference": e.reference,
            "reason": e.reason,
        }
        for e in entries
    ]
    return rows, sorted({e.patient_id for e in entries if e.patient_id})


def _of_kind(kind: EntryKind) -> Q:
    """The entries of ``kind`` and the reversals of such entries."""
    return Q(kind=kind) | Q(kind=EntryKind.REVERSAL, reverses__kind=kind)


def _inventory(location: Location, start: datetime, end: datetime) -> list[Row]:
    during = Q(occurred_at__gte=start)
    sums = (
        Entry.objects.filter(storage__location=location, occurred_at__lt=end)
        .values("storage_id", "lot_id")
        .annotate(
            opening_ml=Sum("on_hand_ml", filter=Q(occurred_at__lt=start), default=0),
            received_ml=Sum("on_hand_ml", filter=during & _of_kind(EntryKind.RECEIPT), default=0),
            drawn_ml=Sum("on_hand_ml", filter=during & _of_kind(EntryKind.DRAW), default=0),
            adjusted_ml=Sum(
                "on_hand_ml", filter=during & _of_kind(EntryKind.ADJUSTMENT), default=0
            ),
            closing_ml=Sum("on_hand_ml", default=0),
            closing_mg=Sum("on_hand_mg", default=0),
            administered_ml=Sum(
                "in_use_ml", filter=during & _of_kind(EntryKind.ADMINISTERED), default=0
            ),
            wasted_ml=Sum("in_use_ml", filter=during & _of_kind(EntryKind.WASTE), default=0),
        )
        .order_by()
    )
    storages = StorageLocation.objects.in_bulk({row["storage_id"] for row in sums})
    lots = Lot.objects.select_related("product").in_bulk({row["lot_id"] for row in sums})
    rows = []
    for row in sums:
        storage, lot = storages[row["storage_id"]], lots[row["lot_id"]]
        rows.append(
            {
                "storage": storage.name,
                "product": lot.product.name,
                "ndc": lot.product.ndc,
                "lot": lot.lot_number,
                "expires_on": lot.expires_on,
                "opening_ml": summed(row["opening_ml"]),
                "received_ml": summed(row["received_ml"]),
                "drawn_ml": -summed(row["drawn_ml"]),
                "adjusted_ml": summed(row["adjusted_ml"]),
                "closing_ml": summed(row["closing_ml"]),
                "closing_mg": summed(row["closing_mg"], MG_STEP),
                "administered_ml": -summed(row["administered_ml"]),
                "wasted_ml": -summed(row["wasted_ml"]),
            }
        )
    return sorted(rows, key=lambda r: (r["storage"], r["product"], r["expires_on"], r["lot"]))


def _discrepancies(location: Location, start: datetime, end: datetime) -> list[Row]:
    found: QuerySet[Any] = discrepancy_rows().filter(
        storage__location=location, found_at__gte=start, found_at__lt=end
    )
    rows = []
    for d in found.order_by("found_at", "id"):
        line = d.line
        resolution = getattr(d, "resolution", None)
        rows.append(
            {
                "found_at": _local(d.found_at, location),
                "discrepancy": d.pk,
                "storage": d.storage.name,
                "product": line.lot.product.name,
                "lot": line.lot.lot_number,
                "count_kind": line.count.kind,
                "counted_by": line.count.counted_by.get_username(),
                "witness": line.count.witness.get_username(),
                "expected_ml": line.expected_ml,
                "counted_ml": line.counted_ml,
                "difference_ml": line.difference_ml,
                "difference_mg": line.difference_mg,
                "status": "resolved" if resolution else "open",
                "resolved_by": resolution.resolved_by.get_username() if resolution else "",
                "resolution": resolution.note if resolution else "",
                "adjustment_entry": resolution.adjustment_id if resolution else None,
            }
        )
    return rows


def cell_text(value: Any) -> Any:
    """A value as JSON or CSV shows it: exact decimals, ISO times."""
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def as_json(report: Report) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "title": report.title,
        "location": report.location.slug,
        "from": report.date_from.isoformat(),
        "to": report.date_to.isoformat(),
        "columns": list(report.columns),
        "rows": [{key: cell_text(row[key]) for key in report.columns} for row in report.rows],
    }


def as_csv(report: Report) -> str:
    """The report as CSV text; text a spreadsheet would run as a formula is neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(report.columns)
    writer.writerows(_csv_cells(row, report.columns) for row in report.rows)
    return buffer.getvalue()


def _csv_cells(row: Row, columns: Iterable[str]) -> list[Any]:
    cells = []
    for key in columns:
        value = row[key]
        cells.append(
            cell_text(value) if isinstance(value, Decimal) else safe_cell(cell_text(value))
        )
    return cells
