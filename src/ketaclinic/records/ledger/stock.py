"""Reading the ledger: balances, open draws, the book a page at a time, one draw in full.

Reads that show patients (open draws, entries) are audited with the patients shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count as CountOf
from django.db.models import Max, Q, QuerySet

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.pages import Page
from ketaclinic.records.toolkit import get_or_404

from .common import local_today, location_or_404
from .models import Balance, Count, CountKind, Discrepancy, DrawBalance, Entry, EntryKind

PAGE_SIZE_MAX = 200
# 21 CFR 1304.11: a biennial inventory, no more than two years after the last one.
BIENNIAL_YEARS = 2


@dataclass(frozen=True)
class Biennial:
    """When the last biennial inventory was taken and when the next is due."""

    last_on: date | None
    due_on: date | None
    today: date

    @property
    def overdue(self) -> bool:
        return self.due_on is None or self.today > self.due_on


@dataclass(frozen=True)
class Stock:
    location: Location
    balances: list[Balance]
    open_draws: list[DrawBalance]
    open_discrepancies: int
    biennial: Biennial

    @property
    def today(self) -> date:
        return self.biennial.today


@dataclass(frozen=True)
class LocationSummary:
    location: Location
    storage_count: int
    open_discrepancies: int


@dataclass(frozen=True)
class DrawDetail:
    draw: Entry
    remaining: DrawBalance
    uses: list[Entry]
    reversed: bool


def locations(actor: Actor) -> list[LocationSummary]:
    """Every clinic location with how much ledger it has and its open discrepancies."""
    authorize(actor, Action.LEDGER_VIEW)
    rows = Location.objects.annotate(
        storage_count=CountOf("ledger_storage", distinct=True),
        open_discrepancies=CountOf(
            "ledger_storage__discrepancies",
            filter=Q(ledger_storage__discrepancies__resolution__isnull=True),
            distinct=True,
        ),
    )
    return [LocationSummary(row, row.storage_count, row.open_discrepancies) for row in rows]


def stock(actor: Actor, location_slug: str) -> Stock:
    """Balances per storage and lot, draws not yet accounted for, and what needs attention."""
    authorize(actor, Action.LEDGER_VIEW)
    location = location_or_404(location_slug)
    balances = list(
        Balance.objects.filter(storage__location=location)
        .filter(Q(on_hand_ml__gt=0) | Q(in_use_ml__gt=0))
        .select_related("storage", "lot__product")
        .order_by("storage__name", "lot__product__name", "lot__expires_on", "lot__lot_number")
    )
    open_draws = list(
        DrawBalance.objects.filter(draw__storage__location=location, remaining_ml__gt=0)
        .select_related("draw__patient", "draw__lot__product", "draw__storage", "draw__recorded_by")
        .order_by("draw__occurred_at", "draw_id")
    )
    open_discrepancies = open_discrepancy_count(location)
    audit.record(
        actor,
        Action.LEDGER_VIEW,
        obj=location,
        detail={
            "view": "stock",
            "patients": sorted({d.draw.patient_id for d in open_draws if d.draw.patient_id}),
        },
    )
    return Stock(location, balances, open_draws, open_discrepancies, biennial_status(location))


def open_discrepancy_count(location: Location) -> int:
    return Discrepancy.objects.filter(storage__location=location, resolution__isnull=True).count()


def biennial_status(location: Location) -> Biennial:
    today = local_today(location)
    last_at = Count.objects.filter(storage__location=location, kind=CountKind.BIENNIAL).aggregate(
        last=Max("counted_at")
    )["last"]
    last = last_at.astimezone(location.zone).date() if last_at else None
    return Biennial(last, _years_after(last, BIENNIAL_YEARS) if last else None, today)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def entries(actor: Actor, location_slug: str, page: int = 1, page_size: int = 50) -> Page[Entry]:
    """The location's book, newest first, a page at a time."""
    authorize(actor, Action.LEDGER_VIEW)
    location = location_or_404(location_slug)
    if page < 1:
        raise InvalidInput.single("page", "must be 1 or more")
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise InvalidInput.single("page_size", f"must be between 1 and {PAGE_SIZE_MAX}")
    book = book_for(location)
    total = book.count()
    start = (page - 1) * page_size
    items = list(book[start : start + page_size])
    audit.record(
        actor,
        Action.LEDGER_VIEW,
        obj=location,
        detail={
            "view": "entries",
            "page": page,
            "patients": sorted({e.patient_id for e in items if e.patient_id}),
        },
    )
    return Page(items, total, page, page_size)


def book_for(location: Location) -> QuerySet[Entry]:
    """Entries at the location with everything a line of the book shows, in one query."""
    return (
        Entry.objects.filter(storage__location=location)
        .select_related(
            "storage", "lot__product", "patient", "recorded_by", "witness", "reversed_by"
        )
        .order_by("-recorded_at", "-id")
    )


def draw_detail(actor: Actor, draw_id: int) -> DrawDetail:
    """One draw with what was administered and wasted from it."""
    authorize(actor, Action.LEDGER_VIEW)
    drawn = get_or_404(
        Entry.objects.filter(kind=EntryKind.DRAW).select_related(
            "storage__location", "lot__product", "patient", "recorded_by"
        ),
        draw_id,
        "draw",
    )
    uses = list(
        Entry.objects.filter(draw=drawn)
        .select_related("recorded_by", "witness", "reverses", "reversed_by")
        .order_by("recorded_at", "id")
    )
    remaining = DrawBalance.objects.get(draw=drawn)
    audit.record_on(actor, Action.LEDGER_VIEW, drawn)
    reversed_ = any(use.kind == EntryKind.REVERSAL and use.reverses_id == drawn.pk for use in uses)
    return DrawDetail(drawn, remaining, uses, reversed_)


def balances_at(actor: Actor, location_slug: str) -> list[Balance]:
    """Every balance row at the location (empty ones too), for lot pickers."""
    authorize(actor, Action.LEDGER_VIEW)
    location = location_or_404(location_slug)
    return list(
        Balance.objects.filter(storage__location=location)
        .select_related("storage", "lot__product")
        .order_by("storage__name", "lot__expires_on", "lot__lot_number")
    )


def entry_detail(actor: Actor, entry_id: int) -> Entry:
    """One entry, e.g. for the form that reverses it."""
    authorize(actor, Action.LEDGER_VIEW)
    entry = get_or_404(
        Entry.objects.select_related("storage__location", "lot__product", "patient", "recorded_by"),
        entry_id,
        "ledger entry",
    )
    audit.record_on(actor, Action.LEDGER_VIEW, entry)
    return entry
