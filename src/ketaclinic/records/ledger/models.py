"""The controlled-substance ledger: products, storage, lots, an append-only book of entries,
running balances, counts with their discrepancies, and loss reports.

Every quantity is kept in mL (the volume measured) and mg (mL × the product's strength), as
exact decimals. Two rows are mutable and only through the posting services, under a row lock:
``Balance`` (per storage and lot) and ``DrawBalance`` (what is left of a draw); the database
refuses either going negative. Everything else is written once; mistakes are corrected by
reversing entries, never by editing or deleting. On PostgreSQL a trigger also refuses UPDATE and
DELETE on the append-only tables.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ketaclinic.records.append_only import AppendOnlyModel
from ketaclinic.records.audit.chain import ChainedModel
from ketaclinic.records.fields import has_text, not_same, one_of, positive, user_field

ZERO = Decimal(0)


def _ml(**options: Any) -> Any:
    """A volume to 0.001 mL."""
    return models.DecimalField(max_digits=12, decimal_places=3, **options)


def _mg(**options: Any) -> Any:
    """A mass in mg: a volume times a strength (both to 0.001), kept exact."""
    return models.DecimalField(max_digits=16, decimal_places=6, **options)


def _same_sign(mg: str, ml: str) -> Q:
    """mg = mL × strength with a positive strength: both zero, both positive or both negative."""
    return (
        Q(**{f"{mg}__gt": 0, f"{ml}__gt": 0})
        | Q(**{mg: 0, ml: 0})
        | Q(**{f"{mg}__lt": 0, f"{ml}__lt": 0})
    )


class Schedule(models.TextChoices):
    III = "CIII", "Schedule III"
    IV = "CIV", "Schedule IV"


class Product(AppendOnlyModel):
    """A stocked presentation: one NDC, one strength, one vial size."""

    name = models.CharField(max_length=200)
    drug = models.CharField(
        max_length=40,
        default="ketamine",
        help_text="The controlled drug it holds; its schedule comes from the rescue formulary.",
    )
    ndc = models.CharField("NDC", max_length=13, unique=True)
    strength_mg_per_ml = models.DecimalField(max_digits=9, decimal_places=3)
    vial_volume_ml = models.DecimalField(max_digits=9, decimal_places=3)
    schedule = models.CharField(max_length=4, choices=Schedule.choices, default=Schedule.III)
    created_by = user_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            positive("ledger_product_strength_positive", "strength_mg_per_ml"),
            positive("ledger_product_volume_positive", "vial_volume_ml"),
            one_of("ledger_product_schedule_known", "schedule", Schedule),
        ]

    def __str__(self) -> str:
        return f"{self.name} (NDC {self.ndc})"

    @property
    def vial_content_mg(self) -> Decimal:
        return self.strength_mg_per_ml * self.vial_volume_ml


class StorageLocation(AppendOnlyModel):
    """A locked cabinet or safe at a clinic location."""

    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="ledger_storage"
    )
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    created_by = user_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["location", "name"]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="ledger_storage_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.location.name} — {self.name}"


class Lot(AppendOnlyModel):
    """A manufacturer's lot of a product, with its expiry date; made by its first receipt."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=50)
    expires_on = models.DateField()

    class Meta:
        ordering = ["product", "expires_on", "lot_number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "lot_number"], name="ledger_lot_unique")
        ]

    def __str__(self) -> str:
        return f"lot {self.lot_number} (expires {self.expires_on:%Y-%m-%d})"


class Balance(models.Model):
    """What one lot holds at one storage location: in the cabinet, and drawn but not yet
    administered or wasted. Changed only by the posting services under ``select_for_update``."""

    storage = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, related_name="balances")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="balances")
    on_hand_mg = _mg(default=ZERO)
    on_hand_ml = _ml(default=ZERO)
    in_use_mg = _mg(default=ZERO)
    in_use_ml = _ml(default=ZERO)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["storage", "lot"]
        constraints = [
            models.UniqueConstraint(fields=["storage", "lot"], name="ledger_balance_unique"),
            models.CheckConstraint(
                name="ledger_balance_on_hand_not_negative",
                condition=Q(on_hand_mg__gte=0, on_hand_ml__gte=0),
            ),
            models.CheckConstraint(
                name="ledger_balance_in_use_not_negative",
                condition=Q(in_use_mg__gte=0, in_use_ml__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot} at {self.storage_id}: {self.on_hand_ml} mL"


class EntryKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    DRAW = "draw", "Drawn"
    ADMINISTERED = "administered", "Administered"
    WASTE = "waste", "Wasted"
    ADJUSTMENT = "adjustment", "Adjustment"
    REVERSAL = "reversal", "Reversal"


PATIENT_KINDS = (EntryKind.DRAW, EntryKind.ADMINISTERED, EntryKind.WASTE)
USE_KINDS = (EntryKind.ADMINISTERED, EntryKind.WASTE)
WITNESSED_KINDS = (EntryKind.WASTE, EntryKind.ADJUSTMENT, EntryKind.REVERSAL)


class Entry(ChainedModel):
    """One line of the book. ``on_hand_*`` is the signed change to the cabinet's stock,
    ``in_use_*`` the signed change to what is drawn and not yet accounted for:

    receipt +on hand; draw −on hand +in use; administered and waste −in use;
    adjustment ±on hand; a reversal undoes exactly one earlier entry.

    The book is a hash chain (``audit.chain``): each entry links to the one before.
    """

    chain = "ledger"
    chained_fields = (
        "storage",
        "lot",
        "kind",
        "on_hand_mg",
        "on_hand_ml",
        "in_use_mg",
        "in_use_ml",
        "on_hand_after_mg",
        "on_hand_after_ml",
        "patient",
        "draw",
        "reverses",
        "reference",
        "reason",
        "occurred_at",
        "recorded_by",
        "witness",
        "recorded_at",
    )

    storage = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, related_name="entries")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    on_hand_mg = _mg()
    on_hand_ml = _ml()
    in_use_mg = _mg()
    in_use_ml = _ml()
    on_hand_after_mg = _mg()
    on_hand_after_ml = _ml()
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    draw = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="uses"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    reference = models.CharField(
        max_length=100,
        blank=True,
        help_text="The order or session this is for, e.g. plans.order:12 or sessions.session:7.",
    )
    reason = models.TextField(blank=True)
    occurred_at = models.DateTimeField()
    recorded_by = user_field()
    witness = user_field(null=True)
    # Set before the row is hashed (``auto_now_add`` would set it after).
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name_plural = "entries"
        indexes = [
            models.Index(fields=["storage", "occurred_at"], name="ledger_entry_storage_time"),
            models.Index(fields=["patient", "occurred_at"], name="ledger_entry_patient_time"),
            models.Index(fields=["lot", "occurred_at"], name="ledger_entry_lot_time"),
            models.Index(fields=["reference"], name="ledger_entry_reference"),
        ]
        constraints = [
            models.CheckConstraint(
                name="ledger_entry_on_hand_units_agree",
                condition=_same_sign("on_hand_mg", "on_hand_ml"),
            ),
            models.CheckConstraint(
                name="ledger_entry_in_use_units_agree",
                condition=_same_sign("in_use_mg", "in_use_ml"),
            ),
            models.CheckConstraint(
                name="ledger_entry_balance_after_not_negative",
                condition=Q(on_hand_after_mg__gte=0, on_hand_after_ml__gte=0),
            ),
            models.CheckConstraint(
                name="ledger_entry_receipt_adds",
                condition=~Q(kind=EntryKind.RECEIPT) | Q(on_hand_ml__gt=0, in_use_ml=0),
            ),
            models.CheckConstraint(
                name="ledger_entry_draw_moves_to_in_use",
                condition=~Q(kind=EntryKind.DRAW)
                | Q(
                    on_hand_ml__lt=0, in_use_ml=F("on_hand_ml") * -1, in_use_mg=F("on_hand_mg") * -1
                ),
            ),
            models.CheckConstraint(
                name="ledger_entry_use_takes_from_draw",
                condition=~Q(kind__in=USE_KINDS)
                | Q(on_hand_ml=0, in_use_ml__lt=0, draw__isnull=False),
            ),
            models.CheckConstraint(
                name="ledger_entry_adjustment_on_hand_only",
                condition=~Q(kind=EntryKind.ADJUSTMENT) | (Q(in_use_ml=0) & ~Q(on_hand_ml=0)),
            ),
            models.CheckConstraint(
                name="ledger_entry_patient_kinds_have_patient",
                condition=~Q(kind__in=PATIENT_KINDS) | Q(patient__isnull=False),
            ),
            models.CheckConstraint(
                name="ledger_entry_reversal_names_entry",
                condition=Q(kind=EntryKind.REVERSAL, reverses__isnull=False)
                | (~Q(kind=EntryKind.REVERSAL) & Q(reverses__isnull=True)),
            ),
            models.CheckConstraint(
                name="ledger_entry_correction_has_reason",
                condition=~Q(kind__in=(EntryKind.ADJUSTMENT, EntryKind.REVERSAL)) | ~Q(reason=""),
            ),
            models.CheckConstraint(
                name="ledger_entry_witnessed",
                condition=~Q(kind__in=WITNESSED_KINDS) | Q(witness__isnull=False),
            ),
            models.CheckConstraint(
                name="ledger_entry_witness_is_second_person",
                condition=Q(witness__isnull=True) | ~Q(witness=F("recorded_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}: {self.on_hand_ml} / {self.in_use_ml} mL"

    @property
    def amount_ml(self) -> Decimal:
        """The quantity the entry moved, as a positive number (for logs)."""
        return abs(self.on_hand_ml) or abs(self.in_use_ml)

    @property
    def amount_mg(self) -> Decimal:
        return abs(self.on_hand_mg) or abs(self.in_use_mg)


class DrawBalance(models.Model):
    """What is left of a draw to administer or waste; the database keeps it from going
    negative, so more than was drawn can never be accounted for."""

    draw = models.OneToOneField(
        Entry, primary_key=True, on_delete=models.PROTECT, related_name="remainder"
    )
    remaining_mg = _mg()
    remaining_ml = _ml()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="ledger_draw_remaining_not_negative",
                condition=Q(remaining_mg__gte=0, remaining_ml__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"draw {self.draw_id}: {self.remaining_ml} mL left"


class Receipt(AppendOnlyModel):
    """What arrived, from whom, on which invoice; its entry adds the stock."""

    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="receipt")
    supplier_name = models.CharField(max_length=200)
    supplier_address = models.CharField(max_length=500)
    supplier_dea_number = models.CharField("supplier's DEA registration number", max_length=9)
    invoice_number = models.CharField(max_length=100)
    vials = models.PositiveIntegerField()
    received_on = models.DateField()

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [positive("ledger_receipt_vials_positive", "vials")]

    def __str__(self) -> str:
        return f"receipt of {self.vials} vial(s), invoice {self.invoice_number}"


class CountKind(models.TextChoices):
    END_OF_DAY = "end_of_day", "End of day"
    SPOT = "spot", "Spot check"
    BIENNIAL = "biennial", "Biennial inventory"


class Count(AppendOnlyModel):
    """A physical count of a storage location, by one person with a witness."""

    storage = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, related_name="counts")
    kind = models.CharField(max_length=12, choices=CountKind.choices)
    counted_by = user_field()
    witness = user_field()
    note = models.TextField(blank=True)
    counted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-counted_at", "-id"]
        indexes = [models.Index(fields=["storage", "counted_at"], name="ledger_count_storage_time")]
        constraints = [
            not_same("ledger_count_witness_is_second_person", "witness", "counted_by"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} count #{self.pk}"


class CountLine(AppendOnlyModel):
    """One lot as counted (full vials and the volume in opened ones) against the balance."""

    count = models.ForeignKey(Count, on_delete=models.PROTECT, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    full_vials = models.PositiveIntegerField()
    open_ml = _ml()
    counted_mg = _mg()
    counted_ml = _ml()
    expected_mg = _mg()
    expected_ml = _ml()

    class Meta:
        ordering = ["count", "lot"]
        constraints = [
            models.UniqueConstraint(fields=["count", "lot"], name="ledger_count_line_unique"),
            models.CheckConstraint(
                name="ledger_count_line_not_negative",
                condition=Q(open_ml__gte=0, counted_ml__gte=0, expected_ml__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"count {self.count_id}, lot {self.lot_id}: {self.counted_ml} mL"

    @property
    def difference_ml(self) -> Decimal:
        return self.counted_ml - self.expected_ml

    @property
    def difference_mg(self) -> Decimal:
        return self.counted_mg - self.expected_mg


class Discrepancy(AppendOnlyModel):
    """A count line that did not match the balance: open until resolved."""

    line = models.OneToOneField(CountLine, on_delete=models.PROTECT, related_name="discrepancy")
    storage = models.ForeignKey(
        StorageLocation, on_delete=models.PROTECT, related_name="discrepancies"
    )
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name_plural = "discrepancies"
        indexes = [models.Index(fields=["storage", "found_at"], name="ledger_discrep_storage_time")]

    def __str__(self) -> str:
        return f"discrepancy #{self.pk} (count line {self.line_id})"


class DiscrepancyResolution(AppendOnlyModel):
    """What the investigation found, and the adjustment that corrected the stock, if any."""

    discrepancy = models.OneToOneField(
        Discrepancy, on_delete=models.PROTECT, related_name="resolution"
    )
    note = models.TextField()
    adjustment = models.OneToOneField(
        Entry, null=True, blank=True, on_delete=models.PROTECT, related_name="resolves"
    )
    resolved_by = user_field()
    resolved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [has_text("ledger_resolution_has_note", "note")]

    def __str__(self) -> str:
        return f"resolution of discrepancy {self.discrepancy_id}"


class LossKind(models.TextChoices):
    THEFT = "theft", "Theft"
    SIGNIFICANT_LOSS = "significant_loss", "Significant loss"
    IN_TRANSIT = "in_transit", "Lost in transit"
    OTHER = "other", "Other"


class LossReport(AppendOnlyModel):
    """A theft or significant loss, holding what the DEA's Form 106 asks for (field list
    partly UNCONFIRMED, docs/ledger.md)."""

    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="ledger_loss_reports"
    )
    kind = models.CharField(max_length=20, choices=LossKind.choices)
    discovered_on = models.DateField()
    circumstances = models.TextField()
    police_notified = models.BooleanField()
    police_department = models.CharField(max_length=200, blank=True)
    police_phone = models.CharField(max_length=40, blank=True)
    police_report_number = models.CharField(max_length=100, blank=True)
    discrepancy = models.ForeignKey(
        Discrepancy, null=True, blank=True, on_delete=models.PROTECT, related_name="loss_reports"
    )
    reported_by = user_field()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-discovered_on", "-id"]
        indexes = [
            models.Index(fields=["location", "discovered_on"], name="ledger_loss_location_date")
        ]
        constraints = [
            has_text("ledger_loss_has_circumstances", "circumstances"),
            models.CheckConstraint(
                name="ledger_loss_police_named",
                condition=Q(police_notified=False) | ~Q(police_department=""),
            ),
        ]

    def __str__(self) -> str:
        return f"loss report #{self.pk} ({self.get_kind_display()}, {self.discovered_on})"


class LossReportLine(AppendOnlyModel):
    report = models.ForeignKey(LossReport, on_delete=models.PROTECT, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    containers = models.PositiveIntegerField(help_text="Vials or other containers lost.")
    quantity_mg = _mg()
    quantity_ml = _ml()

    class Meta:
        ordering = ["report", "id"]
        constraints = [positive("ledger_loss_line_positive", "quantity_ml")]

    def __str__(self) -> str:
        return f"{self.quantity_ml} mL of lot {self.lot_id}"


class FilingKind(models.TextChoices):
    WRITTEN_NOTICE = "written_notice", "Written notice to the DEA Field Division"
    FORM_106 = "form_106", "DEA Form 106 submitted"


class LossReportFiling(AppendOnlyModel):
    """That a notice or form about a loss report went to the regulator, and when."""

    report = models.ForeignKey(LossReport, on_delete=models.PROTECT, related_name="filings")
    kind = models.CharField(max_length=20, choices=FilingKind.choices)
    filed_on = models.DateField()
    reference = models.CharField(max_length=100, blank=True)
    recorded_by = user_field()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "filed_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "kind"], name="ledger_filing_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.filed_on}"
