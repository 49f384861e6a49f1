"""Prices and Good Faith Estimates.

A price list belongs to one location and takes effect on a date; a change is a new version, so
the prices in effect on any past day stay readable (``lookups.price_on``). An estimate copies
what it quotes (items, codes, amounts, the provider's identity), is never changed, and a new
estimate supersedes the old one.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from ketaclinic.records.append_only import AppendOnlyModel
from ketaclinic.records.fields import at_least_one, one_of, user_field

from .choices import EstimateBasis, PriceKind


class BillingProvider(models.Model):
    """Who bills at a location: the name, NPI and tax id printed on estimates and receipts."""

    location = models.OneToOneField(
        "clinics.Location", on_delete=models.PROTECT, related_name="billing_provider"
    )
    name = models.CharField(max_length=200)
    npi = models.CharField("NPI", max_length=10, help_text="National Provider Identifier.")
    tax_id = models.CharField("tax id", max_length=10, help_text="EIN, as 12-3456789.")
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.CharField(max_length=254, blank=True)
    updated_by = user_field()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} (NPI {self.npi})"


class PriceList(AppendOnlyModel):
    """One version of a location's prices, in effect from ``effective_from`` (the location's
    local date) until a later version takes effect."""

    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="price_lists"
    )
    version = models.PositiveIntegerField()
    effective_from = models.DateField()
    note = models.CharField(max_length=500, blank=True)
    created_by = user_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["location", "-effective_from", "-version"]
        indexes = [
            models.Index(fields=["location", "effective_from"], name="pricelist_location_date")
        ]
        constraints = [
            models.UniqueConstraint(fields=["location", "version"], name="pricelist_one_version"),
            at_least_one("pricelist_version_positive", "version"),
        ]

    def __str__(self) -> str:
        return f"prices v{self.version} at {self.location_id} from {self.effective_from}"


class PriceItem(AppendOnlyModel):
    """A price on a list: what it is (kind, protocol), how it is billed (codes, the first the
    main one) and what it costs (``amount_cents`` per unit; a package covers ``sessions``)."""

    price_list = models.ForeignKey(PriceList, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(max_length=24, choices=PriceKind.choices)
    protocol_id = models.CharField(
        max_length=64, blank=True, help_text="Blank: every protocol without a price of its own."
    )
    label = models.CharField(max_length=200)
    codes = models.JSONField(help_text="CPT/HCPCS codes billed, the main one first.")
    sessions = models.PositiveSmallIntegerField(
        default=1, help_text="Infusions a package covers; 1 for everything else."
    )
    amount_cents = models.BigIntegerField()

    class Meta:
        ordering = ["price_list", "kind", "protocol_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "kind", "protocol_id"], name="priceitem_one_per_kind"
            ),
            models.CheckConstraint(
                name="priceitem_amount_not_negative", condition=Q(amount_cents__gte=0)
            ),
            at_least_one("priceitem_sessions_positive", "sessions"),
            one_of("priceitem_kind", "kind", PriceKind),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount_cents} cents"

    @property
    def code(self) -> str:
        """The main billing code."""
        return str(self.codes[0]) if self.codes else ""


class Estimate(AppendOnlyModel):
    """A Good Faith Estimate (45 CFR 149.610) as issued: never changed; a new one supersedes."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    price_list = models.ForeignKey(PriceList, on_delete=models.PROTECT, related_name="+")
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        help_text="The patient's previous estimate, replaced by this one.",
    )
    series = models.ForeignKey(
        "bookings.Series",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The booked series this estimate was issued for, when booking issued it.",
    )
    patient_name = models.CharField(max_length=200)
    patient_date_of_birth = models.DateField()
    summary = models.CharField(
        max_length=300, help_text="The primary care estimated, in the clinic's words."
    )
    basis = models.CharField(max_length=24, choices=EstimateBasis.choices)
    requested = models.BooleanField(help_text="The patient asked for it (not only scheduled).")
    service_from = models.DateField(
        null=True, blank=True, help_text="The first date of service; None: not yet scheduled."
    )
    service_to = models.DateField(null=True, blank=True, help_text="The last date of service.")
    scheduled_on = models.DateField(
        null=True, blank=True, help_text="When the care was scheduled (the clock of the rule)."
    )
    due_by = models.DateField(
        null=True, blank=True, help_text="The last day the rule allows; None: none required."
    )
    timing = models.CharField(max_length=200, help_text="Which time frame of the rule applied.")
    provider = models.JSONField(help_text="Name, NPI, tax id, address and contact, as issued.")
    location_name = models.CharField(max_length=200)
    location_address = models.TextField(blank=True)
    diagnosis_codes = models.JSONField(help_text="ICD-10-CM codes with their descriptions.")
    disclaimers = models.JSONField(help_text="The notices printed on it, in order.")
    disclaimers_version = models.CharField(max_length=32)
    total_cents = models.BigIntegerField()
    issued_by = user_field()
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["patient", "-issued_at"], name="estimate_patient_time")]
        constraints = [
            models.CheckConstraint(
                name="estimate_total_not_negative", condition=Q(total_cents__gte=0)
            ),
            models.CheckConstraint(
                name="estimate_dates_ordered", condition=Q(service_to__gte=F("service_from"))
            ),
            models.UniqueConstraint(
                fields=["series"], condition=Q(series__isnull=False), name="estimate_one_per_series"
            ),
        ]

    def __str__(self) -> str:
        return f"estimate {self.pk} for patient {self.patient_id}: {self.total_cents} cents"


class EstimateItem(AppendOnlyModel):
    """One line of an estimate: ``quantity`` × ``amount_cents``."""

    estimate = models.ForeignKey(Estimate, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=24, choices=PriceKind.choices)
    description = models.CharField(max_length=300)
    code = models.CharField(max_length=16)
    codes = models.JSONField(help_text="Every code billed with it, the main one first.")
    quantity = models.PositiveIntegerField()
    amount_cents = models.BigIntegerField(help_text="Per unit.")
    service_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["estimate", "position"]
        constraints = [
            models.UniqueConstraint(fields=["estimate", "position"], name="estimateitem_position"),
            at_least_one("estimateitem_quantity_positive", "quantity"),
            models.CheckConstraint(
                name="estimateitem_amount_not_negative", condition=Q(amount_cents__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.code} at {self.amount_cents} cents"

    @property
    def line_cents(self) -> int:
        return self.quantity * self.amount_cents
