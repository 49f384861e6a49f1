"""Outcome records: a physician's decision on a booster suggestion, a patient's stopping of the
programme (a drop-out, with its reason), and the stored research pseudonym and date shift of
each patient. All are written once; a correction of a drop-out is an amendment."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ketaclinic.records.append_only import AppendOnlyModel, AppendOnlyQuerySet
from ketaclinic.records.fields import (
    amendment_has_reason,
    amends_field,
    has_text,
    one_of,
    user_field,
)

from .choices import BoosterChoice, DiscontinuationReason


class BoosterReview(AppendOnlyModel):
    """The physician accepts or declines a booster the protocol's rule suggested, once per
    piece of evidence (``evidence_at``: the later of the last infusion and the pain score the
    rule read); a new score or infusion makes a new suggestion."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="booster_reviews"
    )
    protocol_id = models.CharField(max_length=64)
    decision = models.CharField(max_length=10, choices=BoosterChoice.choices)
    note = models.TextField()
    suggestion = models.JSONField(help_text="The rule's inputs, answer and reasons as shown.")
    evidence_at = models.DateTimeField()
    decided_by = user_field()
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["patient", "-decided_at"], name="booster_review_patient")]
        constraints = [
            one_of("booster_review_decision", "decision", BoosterChoice),
            has_text("booster_review_has_note", "note"),
            models.UniqueConstraint(
                fields=["patient", "evidence_at"], name="booster_review_once_per_evidence"
            ),
        ]

    def __str__(self) -> str:
        return f"booster {self.decision} for patient {self.patient_id}"


class DiscontinuationQuerySet(AppendOnlyQuerySet):
    def current(self) -> DiscontinuationQuerySet:
        """Records no amendment supersedes."""
        return self.filter(amendment__isnull=True)


class Discontinuation(AppendOnlyModel):
    """The patient stopped the programme (a drop-out) on ``stopped_on``, and why."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="discontinuations"
    )
    protocol_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=24, choices=DiscontinuationReason.choices)
    note = models.TextField(blank=True)
    stopped_on = models.DateField()
    recorded_by = user_field()
    recorded_at = models.DateTimeField(auto_now_add=True)
    amends = amends_field("record")
    amendment_reason = models.TextField(blank=True)

    objects = DiscontinuationQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-stopped_on", "-id"]
        indexes = [
            models.Index(fields=["patient", "-stopped_on"], name="discontinuation_patient"),
            models.Index(fields=["stopped_on"], name="discontinuation_day"),
        ]
        constraints = [
            one_of("discontinuation_reason", "reason", DiscontinuationReason),
            models.CheckConstraint(
                name="discontinuation_other_has_note", condition=~Q(reason="other") | ~Q(note="")
            ),
            amendment_has_reason("discontinuation_amendment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"patient {self.patient_id} stopped on {self.stopped_on}: {self.reason}"


class ResearchIdentity(AppendOnlyModel):
    """A patient's pseudonym and date shift in research exports: random, not derived from any
    identifier, stored so that every export shifts the same patient by the same days."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="research_identity"
    )
    research_id = models.CharField(max_length=16, unique=True)
    date_shift_days = models.SmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="research_shift_in_range",
                condition=Q(date_shift_days__gte=-365, date_shift_days__lte=365)
                & ~Q(date_shift_days=0),
            ),
        ]

    def __str__(self) -> str:
        return self.research_id


class PatientOutcomeSummary(models.Model):
    """What the cohort dashboard aggregates about one patient, computed by the outcome screen's
    own rules (``summaries.refresh_patients``) and refreshed after each write that changes it.

    Derived data, not a clinical record: it is rewritten in place. ``pending`` marks a row
    whose patient changed since (its refresh is queued); ``rules_version`` names the rules and
    instrument versions it was computed with, so rows made by older rules can be found."""

    patient = models.OneToOneField(
        "patients.Patient",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="outcome_summary",
    )
    started_at = models.DateTimeField(
        null=True, help_text="The first current baseline score; none: not in the programme."
    )
    pain_category = models.CharField(max_length=20)
    fiqr_category = models.CharField(max_length=20)
    infusions = models.PositiveIntegerField()
    infusions_with_side_effects = models.PositiveIntegerField()
    series_booked = models.PositiveIntegerField()
    series_completed = models.PositiveIntegerField()
    dropout_reason = models.CharField(
        max_length=24, blank=True, help_text="The current drop-out record's reason; blank: none."
    )
    durability_days = models.FloatField(
        null=True, help_text="Days from the last infusion to pain's return or to censoring."
    )
    pain_returned = models.BooleanField(help_text="The durability event was observed.")
    dissociation_scores = models.PositiveIntegerField()
    dissociation_sum = models.FloatField()
    dissociation_highest = models.FloatField(null=True)
    rules_version = models.CharField(max_length=500)
    refreshed_at = models.DateTimeField()
    pending = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["started_at"], name="outcome_summary_started")]

    def __str__(self) -> str:
        return f"outcome summary of patient {self.patient_id}"


class ScaleChange(models.Model):
    """A patient's baseline and latest lasting score on one shown scale (both present)."""

    summary = models.ForeignKey(
        PatientOutcomeSummary, on_delete=models.CASCADE, related_name="changes"
    )
    instrument_id = models.CharField(max_length=64)
    baseline = models.FloatField()
    latest = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["summary", "instrument_id"], name="scale_change_once_per_scale"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.baseline:g} -> {self.latest:g}"


class SideEffectCount(models.Model):
    """How many of a patient's infusions noted a side effect of this kind."""

    summary = models.ForeignKey(
        PatientOutcomeSummary, on_delete=models.CASCADE, related_name="side_effects"
    )
    code = models.CharField(max_length=64)
    infusions = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["summary", "code"], name="side_effect_once_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} in {self.infusions} infusion(s)"
