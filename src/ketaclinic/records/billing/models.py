"""The billing book: one append-only row per charge line, payment, deposit, refund or
adjustment, each with who recorded it (and the second person where the clinic requires one);
packages of prepaid infusions and the sessions that used them; consultations marked done;
cash counted at day close; and the manager's worklist (estimates outrun, visits unpriced).

Nothing here is changed or deleted: a mistake is corrected by an adjustment or a refund, with
its reason. The balance of a patient is ``SUM(owed_cents)`` over their entries: charges and
refunds raise it, payments and deposits lower it, an adjustment does either.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from ketaclinic.records.append_only import AppendOnlyModel
from ketaclinic.records.fields import at_least_one, one_of, positive, user_field

from .choices import EntryKind, Method, WarningKind

_RAISES = [EntryKind.CHARGE, EntryKind.REFUND]
_LOWERS = [EntryKind.PAYMENT, EntryKind.DEPOSIT]
_WITH_METHOD = [EntryKind.PAYMENT, EntryKind.DEPOSIT, EntryKind.REFUND]


class Package(AppendOnlyModel):
    """A package of prepaid infusions sold at a package price (its charge is an entry)."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    infusions = models.PositiveSmallIntegerField()
    price_cents = models.BigIntegerField()
    sold_by = user_field()
    sold_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sold_at", "id"]
        indexes = [models.Index(fields=["patient", "sold_at"], name="package_patient_time")]
        constraints = [
            at_least_one("package_infusions_positive", "infusions"),
            positive("package_price_positive", "price_cents"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.infusions} infusions) for patient {self.patient_id}"


class PackageUse(AppendOnlyModel):
    """One prepaid infusion of a package, used by one completed session (instead of a charge)."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="uses")
    session = models.OneToOneField(
        "infusions.Session", on_delete=models.PROTECT, related_name="package_use"
    )
    service_on = models.DateField()
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["used_at", "id"]


class CompletedVisit(AppendOnlyModel):
    """A consultation seen to its end: what posts its charge (never typed by hand)."""

    appointment = models.OneToOneField(
        "bookings.Appointment", on_delete=models.PROTECT, related_name="completion"
    )
    completed_by = user_field()
    completed_at = models.DateTimeField(auto_now_add=True)


class Entry(AppendOnlyModel):
    """One line of a patient's account."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    amount_cents = models.BigIntegerField(help_text="What the line is worth, always > 0.")
    owed_cents = models.BigIntegerField(
        help_text="Its effect on what the patient owes: +amount (charge, refund) or −amount "
        "(payment, deposit); either for an adjustment."
    )
    method = models.CharField(max_length=8, choices=Method.choices, blank=True)
    reference = models.CharField(
        max_length=64, blank=True, help_text="The card terminal's transaction reference."
    )
    reason = models.CharField(max_length=500, blank=True)
    service_on = models.DateField(
        help_text="The date of service (a charge) or of the money (local to the location)."
    )
    code = models.CharField(max_length=16, blank=True, help_text="The main CPT or HCPCS code.")
    codes = models.JSONField(default=list, blank=True, help_text="Every code billed, main first.")
    description = models.CharField(max_length=300, blank=True)
    quantity = models.PositiveSmallIntegerField(default=1)
    unit_cents = models.BigIntegerField(null=True, blank=True)
    price_source = models.CharField(
        max_length=200, blank=True, help_text="The price list (and version) the charge used."
    )
    session = models.ForeignKey(
        "infusions.Session", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appointment = models.ForeignKey(
        "bookings.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    package = models.ForeignKey(
        Package, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refund_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    recorded_by = user_field()
    second_person = user_field(null=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name_plural = "entries"
        indexes = [
            models.Index(fields=["patient", "recorded_at"], name="billing_patient_time"),
            models.Index(fields=["location", "kind", "recorded_at"], name="billing_location_day"),
        ]
        constraints = [
            one_of("billing_kind", "kind", EntryKind),
            positive("billing_amount_positive", "amount_cents"),
            models.CheckConstraint(
                name="billing_owed_follows_kind",
                condition=Q(kind__in=_RAISES, owed_cents=F("amount_cents"))
                | Q(kind__in=_LOWERS, owed_cents=-F("amount_cents"))
                | Q(kind=EntryKind.ADJUSTMENT, owed_cents=F("amount_cents"))
                | Q(kind=EntryKind.ADJUSTMENT, owed_cents=-F("amount_cents")),
            ),
            models.CheckConstraint(
                name="billing_method_for_money",
                condition=Q(kind__in=_WITH_METHOD, method__in=Method.values)
                | (~Q(kind__in=_WITH_METHOD) & Q(method="")),
            ),
            models.CheckConstraint(
                name="billing_charge_has_code",
                condition=~Q(kind=EntryKind.CHARGE) | ~Q(code="") & Q(unit_cents__isnull=False),
            ),
            models.CheckConstraint(
                name="billing_charge_line",
                condition=~Q(kind=EntryKind.CHARGE)
                | Q(amount_cents=F("unit_cents") * F("quantity")),
            ),
            models.CheckConstraint(
                name="billing_refund_of_payment",
                condition=Q(kind=EntryKind.REFUND, refund_of__isnull=False)
                | (~Q(kind=EntryKind.REFUND) & Q(refund_of__isnull=True)),
            ),
            models.UniqueConstraint(
                fields=["session", "code"],
                condition=Q(kind=EntryKind.CHARGE, session__isnull=False),
                name="billing_one_charge_per_session_code",
            ),
            models.UniqueConstraint(
                fields=["appointment", "code"],
                condition=Q(kind=EntryKind.CHARGE, appointment__isnull=False),
                name="billing_one_charge_per_visit_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents} c for patient {self.patient_id}"


class CashCount(AppendOnlyModel):
    """The cash counted in the drawer at day close, against what the book expects; a recount
    is a new row (the latest counts)."""

    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    counted_cents = models.BigIntegerField()
    expected_cents = models.BigIntegerField()
    note = models.CharField(max_length=500, blank=True)
    counted_by = user_field()
    counted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["counted_at", "id"]
        indexes = [models.Index(fields=["location", "day"], name="cashcount_location_day")]
        constraints = [
            models.CheckConstraint(
                name="cashcount_not_negative", condition=Q(counted_cents__gte=0)
            ),
        ]


class BillingWarning(AppendOnlyModel):
    """A manager's worklist item: billed charges outran a Good Faith Estimate by the dispute
    threshold (raised once per estimate), or a completed visit found no price to charge."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=WarningKind.choices)
    message = models.CharField(max_length=500)
    estimate_id = models.PositiveBigIntegerField(null=True, blank=True)
    estimate_total_cents = models.BigIntegerField(null=True, blank=True)
    billed_cents = models.BigIntegerField(null=True, blank=True)
    service_on = models.DateField()
    raised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            one_of("billing_warning_kind", "kind", WarningKind),
            models.UniqueConstraint(
                fields=["estimate_id"],
                condition=Q(estimate_id__isnull=False),
                name="billing_warning_once_per_estimate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"
