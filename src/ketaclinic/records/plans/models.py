"""Screenings and the physician's decision; treatment plans, their signatures and limit
overrides; orders, preparations, double-checks and weight confirmations; titration.

Every row is written once. A plan is signed by adding its signature, changed by signing an
amendment that supersedes it, and an order is verified by adding a matching double-check:
nothing is updated in place. On PostgreSQL a trigger also refuses UPDATE and DELETE.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, F, OuterRef, Q

from ketaclinic.records.accounts.fields import credential_field, meaning_field
from ketaclinic.records.append_only import AppendOnlyModel, AppendOnlyQuerySet
from ketaclinic.records.fields import (
    amendment_has_reason,
    at_least_one,
    has_text,
    not_same,
    one_of,
    positive,
    user_field,
)


class ScreeningOutcome(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    NEEDS_PHYSICIAN_REVIEW = "needs_physician_review", "Needs physician review"
    DEFER = "defer", "Defer: re-measure or treat first"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"


class Decision(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    PROCEED_AFTER_REVIEW = "proceed_after_review", "Proceed after review"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"


# The decisions that let a physician build a plan.
PLAN_ALLOWING_DECISIONS = (Decision.ELIGIBLE, Decision.PROCEED_AFTER_REVIEW)


class Screening(AppendOnlyModel):
    """The eligibility rules run on the patient's record and the facts a clinician added."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="screenings"
    )
    facts = models.JSONField(help_text="What was screened: age, sex, weight, history, ...")
    outcome = models.CharField(max_length=24, choices=ScreeningOutcome.choices)
    result = models.JSONField(help_text="Findings with reasons and sources; required tests.")
    rule_set_version = models.CharField(max_length=200)
    protocol_id = models.CharField(max_length=64, blank=True)
    screened_by = user_field()
    screened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-screened_at", "-id"]
        indexes = [models.Index(fields=["patient", "-screened_at"], name="screening_patient_time")]
        constraints = [
            one_of("screening_outcome", "outcome", ScreeningOutcome),
        ]

    def __str__(self) -> str:
        return f"screening {self.pk} of patient {self.patient_id}: {self.outcome}"


class ScreeningDecision(AppendOnlyModel):
    """A physician's decision on one screening, with a note; made once."""

    screening = models.OneToOneField(Screening, on_delete=models.PROTECT, related_name="decision")
    decision = models.CharField(max_length=24, choices=Decision.choices)
    note = models.TextField()
    decided_by = user_field()
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            one_of("screening_decision_value", "decision", Decision),
            has_text("screening_decision_has_note", "note"),
        ]

    def __str__(self) -> str:
        return f"{self.decision} on screening {self.screening_id}"

    @property
    def allows_plan(self) -> bool:
        return self.decision in PLAN_ALLOWING_DECISIONS


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CURRENT = "current", "Signed"
    SUPERSEDED = "superseded", "Superseded"


class ComputedDose(AppendOnlyModel):
    """The calculator's dose as a plan and an order keep it: its inputs (``dose_request``),
    its outputs (``dose_result``) and the columns read from them."""

    dose_mg_per_kg = models.FloatField()
    duration_min = models.FloatField()
    volume_ml = models.FloatField(null=True, blank=True)
    rate_ml_per_h = models.FloatField(null=True, blank=True)
    concentration_mg_per_ml = models.FloatField(null=True, blank=True)
    dose_request = models.JSONField()
    dose_result = models.JSONField()

    class Meta:
        abstract = True


class PlanQuerySet(AppendOnlyQuerySet):
    def with_status(self) -> PlanQuerySet:
        """Annotate ``is_signed`` and ``is_superseded`` (see ``TreatmentPlan.status``)."""
        return self.annotate(
            is_signed=Exists(PlanSignature.objects.filter(plan=OuterRef("pk"))),
            is_superseded=Exists(PlanSignature.objects.filter(supersedes=OuterRef("pk"))),
        )

    def current(self) -> PlanQuerySet:
        """Signed plans that no signed amendment supersedes."""
        return self.filter(signature__isnull=False, superseded_by__isnull=True)


class TreatmentPlan(ComputedDose):
    """A protocol made personal for one patient, with the dose computed when it was drafted.

    ``dose_request`` and ``dose_result`` hold the calculator's inputs and outputs; ``versions``
    the protocol, clinic, formulary, rule and screening versions used.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_plans"
    )
    screening_decision = models.ForeignKey(
        ScreeningDecision, on_delete=models.PROTECT, related_name="plans"
    )
    amends = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
        help_text="The signed plan this version changes; it supersedes it once signed.",
    )
    amendment_reason = models.TextField(blank=True)
    protocol_id = models.CharField(max_length=64)
    protocol_version = models.CharField(max_length=32)
    versions = models.JSONField()
    sessions = models.PositiveSmallIntegerField(help_text="Sessions in the series.")
    measurement = models.ForeignKey(
        "patients.BodyMeasurement",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The weighing the dose was computed from.",
    )
    weight_kg = models.FloatField()
    weight_used_kg = models.FloatField()
    prescribed_dose_mg = models.FloatField()
    dose_mg = models.FloatField(help_text="What the prepared volume holds after rounding.")
    drafted_by = user_field()
    drafted_at = models.DateTimeField(auto_now_add=True)

    objects = PlanQuerySet.as_manager()  # type: ignore[misc]
    # Set by PlanQuerySet.with_status().
    is_signed: bool
    is_superseded: bool

    class Meta:
        ordering = ["-drafted_at", "-id"]
        indexes = [models.Index(fields=["patient", "-drafted_at"], name="plan_patient_time")]
        constraints = [
            at_least_one("plan_sessions_positive", "sessions"),
            positive("plan_doses_positive", "dose_mg", "prescribed_dose_mg", "dose_mg_per_kg"),
            amendment_has_reason("plan_amendment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"plan {self.pk} ({self.protocol_id}) for patient {self.patient_id}"

    @property
    def status(self) -> PlanStatus:
        """Needs ``PlanQuerySet.with_status()``."""
        if not self.is_signed:
            return PlanStatus.DRAFT
        return PlanStatus.SUPERSEDED if self.is_superseded else PlanStatus.CURRENT


class PlanSignature(AppendOnlyModel):
    """A physician's signature; an amendment's signature supersedes the plan it amends."""

    plan = models.OneToOneField(TreatmentPlan, on_delete=models.PROTECT, related_name="signature")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    supersedes = models.OneToOneField(
        TreatmentPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    signed_by = user_field()
    signed_at = models.DateTimeField(auto_now_add=True)
    meaning = meaning_field("authored")
    credential = credential_field()

    class Meta:
        constraints = [
            # A patient has one line of plan versions: only its first signature supersedes none.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(supersedes__isnull=True),
                name="plan_one_lineage_per_patient",
            ),
            not_same("plan_signature_not_self", "supersedes", "plan"),
        ]

    def __str__(self) -> str:
        return f"signature of plan {self.plan_id}"


class LimitOverride(AppendOnlyModel):
    """A physician's reason for signing a plan beyond a soft limit."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="overrides")
    limit = models.CharField(max_length=32)
    value = models.FloatField()
    bound_name = models.CharField(max_length=16)
    bound_value = models.FloatField()
    bound_source = models.TextField()
    reason = models.TextField()
    overridden_by = user_field()
    overridden_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "limit"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "limit"], name="override_once_per_limit"),
            has_text("override_has_reason"),
        ]

    def __str__(self) -> str:
        return f"override of {self.limit} on plan {self.plan_id}"


class WeightConfirmation(AppendOnlyModel):
    """A physician confirms that a changed weight may be used for the plan's orders."""

    plan = models.ForeignKey(
        TreatmentPlan, on_delete=models.PROTECT, related_name="weight_confirmations"
    )
    measurement = models.ForeignKey(
        "patients.BodyMeasurement", on_delete=models.PROTECT, related_name="+"
    )
    weight_kg = models.FloatField()
    reasons = models.JSONField(help_text="Why the weight needed a re-check.")
    note = models.TextField()
    confirmed_by = user_field()
    confirmed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "measurement"], name="weight_confirmed_once_per_plan"
            ),
            has_text("weight_confirmation_has_note", "note"),
        ]

    def __str__(self) -> str:
        return f"weight {self.weight_kg} kg confirmed for plan {self.plan_id}"


class OrderStatus(models.TextChoices):
    AWAITING_PREPARATION = "awaiting_preparation", "Awaiting preparation"
    AWAITING_DOUBLE_CHECK = "awaiting_double_check", "Awaiting the double-check"
    VERIFIED = "verified", "Verified"
    VOID = "void", "Void (the plan was amended)"


class OrderQuerySet(AppendOnlyQuerySet):
    def with_status(self) -> OrderQuerySet:
        """Annotate what ``Order.status`` needs, in the same query."""
        return self.annotate(
            is_prepared=Exists(Preparation.objects.filter(order=OuterRef("pk"))),
            is_verified=Exists(DoubleCheck.objects.filter(order=OuterRef("pk"), matches=True)),
            plan_superseded=Exists(PlanSignature.objects.filter(supersedes=OuterRef("plan"))),
        )


class Order(ComputedDose):
    """One session's dose, derived from a signed plan and the latest weight, for a date.

    A session (a later feature) links to its order and requires it to be verified.
    """

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="orders")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="infusion_orders"
    )
    session_on = models.DateField()
    measurement = models.ForeignKey(
        "patients.BodyMeasurement", on_delete=models.PROTECT, related_name="+"
    )
    weight_kg = models.FloatField()
    weight_confirmation = models.ForeignKey(
        WeightConfirmation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dose_mg = models.FloatField()
    series_dose_mg_given = models.FloatField(help_text="Earlier orders within the series span.")
    created_by = user_field()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrderQuerySet.as_manager()  # type: ignore[misc]
    # Set by OrderQuerySet.with_status().
    is_prepared: bool
    is_verified: bool
    plan_superseded: bool

    class Meta:
        ordering = ["session_on", "id"]
        indexes = [models.Index(fields=["patient", "session_on"], name="order_patient_date")]
        constraints = [
            models.UniqueConstraint(fields=["plan", "session_on"], name="order_once_per_plan_day"),
            positive("order_dose_positive", "dose_mg"),
        ]

    def __str__(self) -> str:
        return f"order {self.pk} for patient {self.patient_id} on {self.session_on}"

    @property
    def status(self) -> OrderStatus:
        """Needs ``OrderQuerySet.with_status()``."""
        if self.plan_superseded:
            return OrderStatus.VOID
        if self.is_verified:
            return OrderStatus.VERIFIED
        if self.is_prepared:
            return OrderStatus.AWAITING_DOUBLE_CHECK
        return OrderStatus.AWAITING_PREPARATION


class Preparation(AppendOnlyModel):
    """What the preparing nurse made up; it matched the order when recorded."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="preparation")
    dose_mg = models.FloatField()
    volume_ml = models.FloatField(null=True, blank=True)
    rate_ml_per_h = models.FloatField(null=True, blank=True)
    note = models.TextField(blank=True)
    prepared_by = user_field()
    prepared_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"preparation of order {self.order_id}"


class DoubleCheck(AppendOnlyModel):
    """A second clinician's own numbers for an order; a mismatch is kept and blocks."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="double_checks")
    dose_mg = models.FloatField()
    volume_ml = models.FloatField(null=True, blank=True)
    rate_ml_per_h = models.FloatField(null=True, blank=True)
    matches = models.BooleanField()
    mismatches = models.JSONField(default=list, blank=True)
    prepared_by = user_field()
    verified_by = user_field()
    verified_at = models.DateTimeField(auto_now_add=True)
    meaning = meaning_field("verified")
    credential = credential_field()

    class Meta:
        ordering = ["verified_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(matches=True), name="order_verified_once"
            ),
            not_same("double_check_second_person", "verified_by", "prepared_by"),
        ]

    def __str__(self) -> str:
        return f"double-check of order {self.order_id}: {'match' if self.matches else 'mismatch'}"


class TitrationProposal(AppendOnlyModel):
    """The titration rule's proposal after a session, from its tolerance and response."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="titrations")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    worst_side_effect = models.CharField(max_length=10)
    cadss6_score = models.FloatField(null=True, blank=True)
    peak_sbp_mm_hg = models.FloatField(null=True, blank=True)
    peak_heart_rate_per_min = models.FloatField(null=True, blank=True)
    baseline_pain_nrs = models.FloatField()
    pain_after_nrs = models.FloatField()
    quantity = models.CharField(max_length=20, help_text="dose_mg_per_kg or dose_mg")
    current_value = models.FloatField()
    proposed_value = models.FloatField()
    action = models.CharField(max_length=20)
    reasons = models.JSONField()
    rule_id = models.CharField(max_length=64)
    rule_version = models.CharField(max_length=32)
    recorded_by = user_field()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["plan", "-recorded_at"], name="titration_plan_time")]

    def __str__(self) -> str:
        return f"titration {self.action} on plan {self.plan_id}"


class TitrationDecision(AppendOnlyModel):
    """The physician accepts or changes a proposal; a new dose is a signed amendment."""

    proposal = models.OneToOneField(
        TitrationProposal, on_delete=models.PROTECT, related_name="decision"
    )
    accepted = models.BooleanField()
    value = models.FloatField(help_text="The decided dose, in the proposal's quantity.")
    note = models.TextField(blank=True)
    amendment = models.ForeignKey(
        TreatmentPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = user_field()
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="titration_change_has_note", condition=Q(accepted=True) | ~Q(note="")
            ),
        ]

    def __str__(self) -> str:
        return f"decision on titration {self.proposal_id}"


class PrnOrder(AppendOnlyModel):
    """An as-needed rescue drug order, part of the plan the physician signs: the protocol's
    order set (``dosing/data/rescue.toml``) less any drug the patient is allergic to."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="prn_orders")
    drug = models.CharField(max_length=40)
    route = models.CharField(max_length=12)
    indication = models.TextField()
    dose_mg = models.FloatField(help_text="The ordered dose; more needs the nurse's reason.")
    dose_hard_max_mg = models.FloatField(help_text="No single dose above this.")
    max_per_session_mg = models.FloatField(help_text="No session's total above this.")
    sources = models.JSONField(help_text="Where each number and the indication come from.")
    rescue_version = models.CharField(max_length=32)

    class Meta:
        ordering = ["plan", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "drug", "route"], name="prn_once_per_plan"),
            models.CheckConstraint(
                name="prn_limits_ordered",
                condition=Q(
                    dose_mg__gt=0,
                    dose_hard_max_mg__gte=F("dose_mg"),
                    max_per_session_mg__gte=F("dose_hard_max_mg"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"PRN {self.drug} {self.dose_mg:g} mg {self.route} on plan {self.plan_id}"
