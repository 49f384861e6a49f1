"""Controlled-substance ledger endpoints: set-up, stock, posting, counts, losses, reports.

Nothing in the ledger can be changed or deleted here: there is no PUT, PATCH or DELETE.
Corrections are reversing entries and adjustments, each with a reason and a witness.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel, PlainSerializer, create_model

from ketaclinic.records.ledger import catalog, counts, losses, reports, services, stock
from ketaclinic.records.ledger.inputs import (
    AdjustmentIn,
    CountIn,
    DrawIn,
    FilingIn,
    LossReportIn,
    ProductIn,
    ReceiptIn,
    ResolutionIn,
    ReversalIn,
    StorageIn,
    UseIn,
    WasteIn,
)
from ketaclinic.records.ledger.quantities import plain
from ketaclinic.records.pages import Page

from .auth import actor
from .costly import count_costly
from .errors import ERRORS
from .params import PageNumber
from .schemas import PageCountsOut, RecordedByOut

if TYPE_CHECKING:
    from ketaclinic.records.ledger.models import (
        Count,
        CountLine,
        Discrepancy,
        DiscrepancyResolution,
        Entry,
        LossReport,
        LossReportFiling,
        Receipt,
    )

router = Router(tags=["ledger"])

# Exact decimals, sent as strings ("35.5") so that no client rounds them.
Amount = Annotated[Decimal, PlainSerializer(plain, return_type=str)]


class _Body(Schema):
    model_config = {"extra": "forbid"}


def body(model: type[BaseModel]) -> type[Schema]:
    """The shape of a service input (names and types, unknown fields refused) without its
    value checks: the service checks values, so a refused value is audited as a failed
    attempt whichever face sent it."""
    fields: dict[str, Any] = {
        name: (info.annotation, ... if info.is_required() else info.default)
        for name, info in model.model_fields.items()
    }
    return create_model(model.__name__.removesuffix("In") + "Body", __base__=_Body, **fields)


ProductBody = body(ProductIn)
StorageBody = body(StorageIn)
ReceiptBody = body(ReceiptIn)
DrawBody = body(DrawIn)
UseBody = body(UseIn)
WasteBody = body(WasteIn)
AdjustmentBody = body(AdjustmentIn)
ReversalBody = body(ReversalIn)
CountBody = body(CountIn)
ResolutionBody = body(ResolutionIn)
LossReportBody = body(LossReportIn)
FilingBody = body(FilingIn)


def _data(payload: Schema) -> dict[str, Any]:
    return payload.model_dump(mode="json", exclude_unset=True)


class ProductOut(Schema):
    id: int
    name: str
    drug: str
    ndc: str
    strength_mg_per_ml: Amount
    vial_volume_ml: Amount
    schedule: str


class StorageOut(Schema):
    id: int
    location: str = Field(..., alias="location.slug")
    name: str
    description: str


class LocationOut(Schema):
    slug: str
    name: str
    storage_count: int
    open_discrepancies: int


class EntryOut(RecordedByOut):
    id: int
    kind: str
    storage_id: int
    lot_id: int
    lot_number: str = Field(..., alias="lot.lot_number")
    on_hand_mg: Amount
    on_hand_ml: Amount
    in_use_mg: Amount
    in_use_ml: Amount
    on_hand_after_mg: Amount
    on_hand_after_ml: Amount
    patient_id: int | None
    draw_id: int | None
    reverses_id: int | None
    reference: str
    reason: str
    occurred_at: datetime
    recorded_at: datetime
    witness: str | None

    @staticmethod
    def resolve_witness(obj: Entry) -> str | None:
        return obj.witness.get_username() if obj.witness else None


class ReceiptOut(Schema):
    id: int
    entry: EntryOut
    supplier_name: str
    supplier_address: str
    supplier_dea_number: str
    invoice_number: str
    vials: int
    received_on: date
    expires_on: date = Field(..., alias="entry.lot.expires_on")


class BalanceOut(Schema):
    storage_id: int
    storage: str = Field(..., alias="storage.name")
    lot_id: int
    lot_number: str = Field(..., alias="lot.lot_number")
    expires_on: date = Field(..., alias="lot.expires_on")
    product_id: int = Field(..., alias="lot.product_id")
    product: str = Field(..., alias="lot.product.name")
    on_hand_mg: Amount
    on_hand_ml: Amount
    in_use_mg: Amount
    in_use_ml: Amount


class OpenDrawOut(Schema):
    draw_id: int
    patient_id: int = Field(..., alias="draw.patient_id")
    lot_number: str = Field(..., alias="draw.lot.lot_number")
    drawn_ml: Amount = Field(..., alias="draw.in_use_ml")
    remaining_mg: Amount
    remaining_ml: Amount
    reference: str = Field(..., alias="draw.reference")
    occurred_at: datetime = Field(..., alias="draw.occurred_at")


class BiennialOut(Schema):
    last_on: date | None
    due_on: date | None
    overdue: bool


class StockOut(Schema):
    location: str = Field(..., alias="location.slug")
    today: date
    balances: list[BalanceOut]
    open_draws: list[OpenDrawOut]
    open_discrepancies: int
    biennial: BiennialOut


class EntryPageOut(PageCountsOut):
    items: list[EntryOut]


class DrawOut(Schema):
    draw: EntryOut
    remaining_mg: Amount = Field(..., alias="remaining.remaining_mg")
    remaining_ml: Amount = Field(..., alias="remaining.remaining_ml")
    uses: list[EntryOut]
    reversed: bool


class CountLineOut(Schema):
    lot_id: int
    full_vials: int
    open_ml: Amount
    counted_mg: Amount
    counted_ml: Amount
    expected_mg: Amount
    expected_ml: Amount
    difference_ml: Amount
    discrepancy_id: int | None

    @staticmethod
    def resolve_discrepancy_id(obj: CountLine) -> int | None:
        found = getattr(obj, "discrepancy", None)
        return found.pk if found else None


class CountOut(Schema):
    id: int
    storage_id: int
    kind: str
    counted_at: datetime
    counted_by: str
    witness: str
    note: str
    lines: list[CountLineOut]

    @staticmethod
    def resolve_counted_by(obj: Count) -> str:
        return obj.counted_by.get_username()

    @staticmethod
    def resolve_witness(obj: Count) -> str:
        return obj.witness.get_username()

    @staticmethod
    def resolve_lines(obj: Count) -> list[CountLine]:
        return list(obj.lines.all())


class ResolutionOut(Schema):
    discrepancy_id: int
    note: str
    adjustment_id: int | None
    resolved_by: str
    resolved_at: datetime

    @staticmethod
    def resolve_resolved_by(obj: DiscrepancyResolution) -> str:
        return obj.resolved_by.get_username()


class DiscrepancyOut(Schema):
    id: int
    storage_id: int
    found_at: datetime
    lot_id: int = Field(..., alias="line.lot_id")
    lot_number: str = Field(..., alias="line.lot.lot_number")
    count_id: int = Field(..., alias="line.count_id")
    expected_ml: Amount = Field(..., alias="line.expected_ml")
    counted_ml: Amount = Field(..., alias="line.counted_ml")
    difference_ml: Amount = Field(..., alias="line.difference_ml")
    difference_mg: Amount = Field(..., alias="line.difference_mg")
    resolution: ResolutionOut | None

    @staticmethod
    def resolve_resolution(obj: Discrepancy) -> DiscrepancyResolution | None:
        return getattr(obj, "resolution", None)


class LossLineOut(Schema):
    lot_id: int
    containers: int
    quantity_mg: Amount
    quantity_ml: Amount


class FilingOut(Schema):
    id: int
    report_id: int
    kind: str
    filed_on: date
    reference: str


class DeadlineOut(Schema):
    kind: str
    due_on: date
    filed_on: date | None


class LossReportOut(Schema):
    id: int
    location: str = Field(..., alias="location.slug")
    kind: str
    discovered_on: date
    circumstances: str
    police_notified: bool
    police_department: str
    police_phone: str
    police_report_number: str
    discrepancy_id: int | None
    reported_by: str
    lines: list[LossLineOut]
    deadlines: list[DeadlineOut]

    @staticmethod
    def resolve_reported_by(obj: LossReport) -> str:
        return obj.reported_by.get_username()

    @staticmethod
    def resolve_lines(obj: LossReport) -> list[Any]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_deadlines(obj: LossReport) -> list[losses.Deadline]:
        return losses.deadlines(obj)


class ReportParams(Schema):
    date_from: str = Field(..., alias="from")
    date_to: str = Field(..., alias="to")
    format: Literal["json", "csv"] = "json"


class ReportOut(Schema):
    kind: str
    title: str
    location: str
    date_from: str = Field(..., alias="from")
    date_to: str = Field(..., alias="to")
    columns: list[str]
    rows: list[dict[str, Any]]


@router.get("/locations", response={200: list[LocationOut], **ERRORS})
def list_locations(request: HttpRequest) -> list[dict[str, Any]]:
    """Clinic locations with their storage and open discrepancies."""
    return [
        {
            "slug": row.location.slug,
            "name": row.location.name,
            "storage_count": row.storage_count,
            "open_discrepancies": row.open_discrepancies,
        }
        for row in stock.locations(actor(request))
    ]


@router.get("/products", response={200: list[ProductOut], **ERRORS})
def list_products(request: HttpRequest) -> list[Any]:
    return catalog.products(actor(request))


@router.post("/products", response={201: ProductOut, **ERRORS})
def add_product(
    request: HttpRequest,
    payload: ProductBody,  # type: ignore[valid-type]
) -> Status[Any]:
    """A stocked presentation (name, drug, NDC, strength, vial volume): a Schedule III or IV
    drug (ketamine, esketamine, midazolam, lorazepam); the schedule follows from the drug."""
    return Status(201, catalog.add_product(actor(request), _data(payload)))


@router.get("/locations/{slug}/storage", response={200: list[StorageOut], **ERRORS})
def list_storage(request: HttpRequest, slug: str) -> list[Any]:
    return catalog.storage_at(actor(request), slug)


@router.post("/storage", response={201: StorageOut, **ERRORS})
def add_storage(
    request: HttpRequest,
    payload: StorageBody,  # type: ignore[valid-type]
) -> Status[Any]:
    """A locked cabinet or safe at a location (named by its slug)."""
    return Status(201, catalog.add_storage(actor(request), _data(payload)))


@router.get("/locations/{slug}/stock", response={200: StockOut, **ERRORS})
def get_stock(request: HttpRequest, slug: str) -> stock.Stock:
    """Balances per storage and lot, draws not yet accounted for, open discrepancies and
    the biennial inventory's due date; audited with the patients shown."""
    return stock.stock(actor(request), slug)


@router.get("/locations/{slug}/entries", response={200: EntryPageOut, **ERRORS})
def list_entries(
    request: HttpRequest, slug: str, page: PageNumber = 1, page_size: int = 50
) -> Page[Entry]:
    """The book, newest first, paginated."""
    return stock.entries(actor(request), slug, page, page_size)


@router.post("/receipts", response={201: ReceiptOut, **ERRORS})
def receive(
    request: HttpRequest,
    payload: ReceiptBody,  # type: ignore[valid-type]
) -> Status[Receipt]:
    """Record a delivery; a zero or negative quantity, an expired lot or a malformed DEA
    number is refused (422) and audited as a failed attempt."""
    return Status(201, services.receive(actor(request), _data(payload)))


@router.post("/draws", response={201: EntryOut, **ERRORS})
def draw(
    request: HttpRequest,
    payload: DrawBody,  # type: ignore[valid-type]
) -> Status[Entry]:
    """Draw a volume of a lot for a patient; 409 when the lot has not that much on hand,
    422 when it has expired."""
    return Status(201, services.draw(actor(request), _data(payload)))


@router.get("/draws/{draw_id}", response={200: DrawOut, **ERRORS})
def get_draw(request: HttpRequest, draw_id: int) -> stock.DrawDetail:
    return stock.draw_detail(actor(request), draw_id)


@router.post("/draws/{draw_id}/administered", response={201: EntryOut, **ERRORS})
def administered(
    request: HttpRequest,
    draw_id: int,
    payload: UseBody,  # type: ignore[valid-type]
) -> Status[Entry]:
    """Part or all of a draw was given: ``volume_ml``, or ``dose_mg`` (a whole 0.001 mL)."""
    return Status(201, services.record_administered(actor(request), draw_id, _data(payload)))


@router.post("/draws/{draw_id}/waste", response={201: EntryOut, **ERRORS})
def waste(
    request: HttpRequest,
    draw_id: int,
    payload: WasteBody,  # type: ignore[valid-type]
) -> Status[Entry]:
    """Waste what is left of a draw; the witness (a second user) re-enters their password."""
    return Status(201, services.waste(actor(request), draw_id, _data(payload)))


@router.post("/adjustments", response={201: EntryOut, **ERRORS})
def adjust(
    request: HttpRequest,
    payload: AdjustmentBody,  # type: ignore[valid-type]
) -> Status[Entry]:
    """A witnessed correction of stock on hand (``change_ml`` positive or negative)."""
    return Status(201, services.adjust(actor(request), _data(payload)))


@router.post("/entries/{entry_id}/reverse", response={201: EntryOut, **ERRORS})
def reverse(
    request: HttpRequest,
    entry_id: int,
    payload: ReversalBody,  # type: ignore[valid-type]
) -> Status[Entry]:
    """Undo an entry with an opposite one, with a reason and a witness."""
    return Status(201, services.reverse(actor(request), entry_id, _data(payload)))


@router.post("/counts", response={201: CountOut, **ERRORS})
def record_count(
    request: HttpRequest,
    payload: CountBody,  # type: ignore[valid-type]
) -> Status[Count]:
    """A witnessed count of every lot on hand; each difference opens a discrepancy."""
    return Status(201, counts.record_count(actor(request), _data(payload)))


@router.get("/locations/{slug}/counts", response={200: list[CountOut], **ERRORS})
def list_counts(request: HttpRequest, slug: str) -> list[Count]:
    return counts.counts(actor(request), slug)


@router.get("/locations/{slug}/discrepancies", response={200: list[DiscrepancyOut], **ERRORS})
def list_discrepancies(
    request: HttpRequest, slug: str, open_only: bool = False
) -> list[Discrepancy]:
    """Discrepancies, open ones first."""
    return list(counts.discrepancies(actor(request), slug, open_only=open_only)[:500])


@router.post("/discrepancies/{discrepancy_id}/resolve", response={201: ResolutionOut, **ERRORS})
def resolve(
    request: HttpRequest,
    discrepancy_id: int,
    payload: ResolutionBody,  # type: ignore[valid-type]
) -> Status[DiscrepancyResolution]:
    """Close a discrepancy with a note; ``adjust`` posts the difference (witnessed)."""
    return Status(201, counts.resolve_discrepancy(actor(request), discrepancy_id, _data(payload)))


@router.post("/loss-reports", response={201: LossReportOut, **ERRORS})
def report_loss(
    request: HttpRequest,
    payload: LossReportBody,  # type: ignore[valid-type]
) -> Status[LossReport]:
    """A theft or significant loss (what Form 106 asks; see docs/ledger.md)."""
    return Status(201, losses.report_loss(actor(request), _data(payload)))


@router.get("/locations/{slug}/loss-reports", response={200: list[LossReportOut], **ERRORS})
def list_loss_reports(request: HttpRequest, slug: str) -> list[LossReport]:
    return losses.loss_reports(actor(request), slug)


@router.post("/loss-reports/{report_id}/filings", response={201: FilingOut, **ERRORS})
def record_filing(
    request: HttpRequest,
    report_id: int,
    payload: FilingBody,  # type: ignore[valid-type]
) -> Status[LossReportFiling]:
    """That the written notice or Form 106 was sent, and when."""
    return Status(201, losses.record_filing(actor(request), report_id, _data(payload)))


@router.get("/locations/{slug}/reports/{kind}", response={200: ReportOut, **ERRORS}, by_alias=True)
def report(
    request: HttpRequest, slug: str, kind: str, params: Query[ReportParams]
) -> dict[str, Any] | HttpResponse:
    """dispensing, waste, inventory or discrepancies for local dates ``from``..``to``
    (both included); ``format=csv`` downloads the same rows as CSV."""
    count_costly(request)
    built = reports.build_report(
        actor(request),
        {"location": slug, "kind": kind, "from": params.date_from, "to": params.date_to},
    )
    if params.format == "csv":
        response = HttpResponse(reports.as_csv(built), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{built.filename}.csv"'
        return response
    return reports.as_json(built)
