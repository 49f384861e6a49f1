"""Infusion sessions: the session, its transitions, and everything recorded on its flowsheet.

Every row is written once (``AppendOnlyModel``; on PostgreSQL a trigger refuses UPDATE and
DELETE). A session's state is its latest transition; it is signed by adding its signature,
after which nothing new is recorded; a correction is an amendment: a new row pointing at the
one it corrects, with who, when and why.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import F, Q

from ketaclinic.records.accounts.fields import credential_field, meaning_field
from ketaclinic.records.append_only import AppendOnlyModel, AppendOnlyQuerySet
from ketaclinic.records.fields import (
    amendment_has_reason,
    amends_field,
    at_least_one,
    has_text,
    one_of,
    positive,
    user_field,
)
from ketaclinic.sessions import (
    NEEDS_REASON,
    SIDE_EFFECT_KINDS,
    SIDE_EFFECT_SEVERITIES,
    Command,
    Phase,
    State,
)

STATES = [state.value for state in State]


def _choices(values: Iterable[str]) -> list[tuple[str, str]]:
    return [(str(value), str(value).replace("_", " ")) for value in values]


class Session(AppendOnlyModel):
    """One patient's visit for one order, from check-in to discharge, at a location."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="infusion_sessions"
    )
    order = models.ForeignKey("plans.Order", on_delete=models.PROTECT, related_name="sessions")
    appointment = models.ForeignKey(
        "bookings.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="infusion_sessions",
    )
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    chair = models.ForeignKey(
        "clinics.Chair", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    protocol_id = models.CharField(max_length=64)
    protocol_version = models.CharField(max_length=32)
    route = models.CharField(max_length=20)
    vitals_interval_min = models.FloatField()
    observation_min = models.FloatField()
    rules_version = models.CharField(max_length=32)
    created_by = user_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="session_patient_time"),
            models.Index(fields=["location", "-created_at"], name="session_location_time"),
        ]
        constraints = [
            models.CheckConstraint(
                name="session_intervals_positive",
                condition=Q(vitals_interval_min__gt=0, observation_min__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"session {self.pk} of patient {self.patient_id}"


class Transition(AppendOnlyModel):
    """One step of the lifecycle; ``seq`` numbers them 1, 2, … so that two concurrent steps
    from the same state cannot both be written."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="transitions")
    seq = models.PositiveIntegerField()
    command = models.CharField(max_length=24, choices=_choices(Command))
    from_state = models.CharField(max_length=20, choices=_choices(State))
    to_state = models.CharField(max_length=20, choices=_choices(State))
    reason = models.TextField(blank=True)
    at = models.DateTimeField(help_text="When it happened (may be entered late).")
    recorded_by = user_field()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="transition_once_per_step"),
            at_least_one("transition_seq_positive", "seq"),
            models.CheckConstraint(
                name="transition_states_known",
                condition=Q(from_state__in=STATES, to_state__in=STATES),
            ),
            models.CheckConstraint(
                name="transition_reason_when_needed",
                condition=~Q(command__in=sorted(str(c) for c in NEEDS_REASON)) | ~Q(reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.command} of session {self.session_id} at {self.at:%H:%M}"


class EntryQuerySet(AppendOnlyQuerySet):
    def current(self) -> EntryQuerySet:
        """Entries no amendment supersedes."""
        return self.filter(amendment__isnull=True)


class Entry(AppendOnlyModel):
    """A line of the flowsheet: when it happened, who recorded it, and what it corrects."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(help_text="When it was observed or done (may be entered late).")
    recorded_by = user_field()
    recorded_at = models.DateTimeField(auto_now_add=True)
    amends = amends_field("entry")
    amendment_reason = models.TextField(blank=True)

    # django-stubs reads the base's manager as a class variable on an abstract model only.
    objects = EntryQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        abstract = True
        ordering = ["at", "id"]
        constraints = [
            amendment_has_reason("%(class)s_amendment_has_reason"),
        ]


class VitalSigns(Entry):
    phase = models.CharField(max_length=20, choices=_choices(Phase))
    sbp_mm_hg = models.PositiveSmallIntegerField()
    dbp_mm_hg = models.PositiveSmallIntegerField()
    heart_rate_per_min = models.PositiveSmallIntegerField()
    spo2_percent = models.PositiveSmallIntegerField()
    resp_rate_per_min = models.PositiveSmallIntegerField()
    late_reason = models.TextField(
        blank=True, help_text="Why a set was entered well after it was taken (its real time)."
    )

    class Meta(Entry.Meta):
        indexes = [models.Index(fields=["session", "at"], name="vitals_session_time")]
        constraints = [
            *Entry.Meta.constraints,
            models.CheckConstraint(
                name="vitals_possible",
                condition=Q(spo2_percent__lte=100, dbp_mm_hg__lt=F("sbp_mm_hg")),
            ),
        ]

    def __str__(self) -> str:
        return f"vitals of session {self.session_id} at {self.at:%H:%M}"


class SideEffect(Entry):
    kind = models.CharField(max_length=32, choices=_choices(SIDE_EFFECT_KINDS))
    severity = models.CharField(max_length=10, choices=_choices(SIDE_EFFECT_SEVERITIES))
    note = models.TextField(blank=True)

    class Meta(Entry.Meta):
        indexes = [models.Index(fields=["session", "at"], name="side_effect_session_time")]
        constraints = [
            *Entry.Meta.constraints,
            models.CheckConstraint(
                name="side_effect_known",
                condition=Q(kind__in=SIDE_EFFECT_KINDS, severity__in=SIDE_EFFECT_SEVERITIES),
            ),
            models.CheckConstraint(
                name="side_effect_other_described", condition=~Q(kind="other") | ~Q(note="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.severity} {self.kind} in session {self.session_id}"


class MedicationRoute(models.TextChoices):
    IV = "iv", "Intravenous"
    IM = "im", "Intramuscular"
    SC = "sc", "Subcutaneous"
    ORAL = "oral", "By mouth"
    SUBLINGUAL = "sublingual", "Sublingual"
    INTRANASAL = "intranasal", "Intranasal"
    INHALED = "inhaled", "Inhaled"


class RescueMedication(Entry):
    """A rescue drug given against a PRN order of the session's plan (drug and route are the
    order's); rows from before PRN orders existed have none."""

    prn_order = models.ForeignKey(
        "plans.PrnOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    drug = models.CharField(max_length=100)
    dose_mg = models.FloatField()
    route = models.CharField(max_length=12, choices=MedicationRoute.choices)
    limit_reason = models.TextField(
        blank=True, help_text="Why a dose above the ordered one was given (its soft limit)."
    )
    note = models.TextField(blank=True)

    class Meta(Entry.Meta):
        indexes = [models.Index(fields=["session", "at"], name="rescue_session_time")]
        constraints = [
            *Entry.Meta.constraints,
            positive("rescue_dose_positive", "dose_mg"),
            has_text("rescue_drug_named", "drug"),
            one_of("rescue_route_known", "route", MedicationRoute),
        ]

    def __str__(self) -> str:
        return f"{self.drug} {self.dose_mg:g} mg in session {self.session_id}"


class PumpEventKind(models.TextChoices):
    START = "start", "Started"
    RATE_CHANGE = "rate_change", "Rate changed"
    END = "end", "Ended"


class PumpEvent(Entry):
    """The pump as programmed: the start settings, each rate change, and the volume infused
    read off the pump at the end."""

    kind = models.CharField(max_length=12, choices=PumpEventKind.choices)
    rate_ml_per_h = models.FloatField(null=True, blank=True)
    vtbi_ml = models.FloatField("volume to be infused (mL)", null=True, blank=True)
    volume_infused_ml = models.FloatField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta(Entry.Meta):
        indexes = [models.Index(fields=["session", "at"], name="pump_session_time")]
        constraints = [
            *Entry.Meta.constraints,
            models.CheckConstraint(
                name="pump_event_fields",
                condition=Q(
                    kind="start",
                    rate_ml_per_h__gt=0,
                    vtbi_ml__gt=0,
                    volume_infused_ml__isnull=True,
                )
                | (
                    Q(
                        kind="rate_change",
                        rate_ml_per_h__gt=0,
                        vtbi_ml__isnull=True,
                        volume_infused_ml__isnull=True,
                    )
                    & ~Q(reason="")
                )
                | Q(
                    kind="end",
                    rate_ml_per_h__isnull=True,
                    vtbi_ml__isnull=True,
                    volume_infused_ml__gte=0,
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"pump {self.kind} in session {self.session_id}"


class Note(Entry):
    text = models.TextField()

    class Meta(Entry.Meta):
        constraints = [
            *Entry.Meta.constraints,
            has_text("note_has_text", "text"),
        ]

    def __str__(self) -> str:
        return f"note in session {self.session_id}"


class UrinaryScreen(Entry):
    """Urinary symptoms asked before a repeat infusion (ketamine cystitis, clinical.md 1.7)."""

    urgency = models.BooleanField()
    frequency = models.BooleanField()
    dysuria = models.BooleanField()
    haematuria = models.BooleanField()
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"urinary screen in session {self.session_id}"

    @property
    def symptoms(self) -> dict[str, bool]:
        return {name: getattr(self, name) for name in URINARY_SYMPTOMS}


URINARY_SYMPTOMS = ("urgency", "frequency", "dysuria", "haematuria")


class Confirmation(AppendOnlyModel):
    """A nurse confirms one item of the pre-infusion or discharge checklist, once."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="confirmations")
    kind = models.CharField(max_length=32)
    note = models.TextField(blank=True)
    at = models.DateTimeField()
    recorded_by = user_field()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "kind"], name="confirmation_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} confirmed for session {self.session_id}"


class SessionScore(AppendOnlyModel):
    """An assessment (pain NRS, CADSS-6, Modified Aldrete) taken in this session."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="scores")
    assessment = models.OneToOneField(
        "assessments.Assessment", on_delete=models.PROTECT, related_name="infusion_session"
    )
    phase = models.CharField(max_length=20, choices=_choices(Phase))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"assessment {self.assessment_id} in session {self.session_id}"


class SessionAlert(AppendOnlyModel):
    """An alert a record of this session raised (shown on the flowsheet and the board)."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="session_alerts")
    alert = models.OneToOneField(
        "alerts.Alert", on_delete=models.PROTECT, related_name="infusion_session"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"alert {self.alert_id} of session {self.session_id}"


class Signature(AppendOnlyModel):
    """The nurse's (or physician's) signature: after it, the record only takes amendments."""

    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="signature")
    signed_by = user_field()
    signed_at = models.DateTimeField(auto_now_add=True)
    meaning = meaning_field("authored")
    credential = credential_field()

    def __str__(self) -> str:
        return f"signature of session {self.session_id}"


class LedgerPosting(AppendOnlyModel):
    """What the session posted to the controlled-substance ledger: the dose administered from
    a draw and the rest wasted under a witness; once per session."""

    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="ledger")
    draw = models.ForeignKey("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    administered = models.ForeignKey("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    wasted = models.ForeignKey(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_by = user_field()
    posted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"ledger posting of session {self.session_id}"


class DrawWaiver(AppendOnlyModel):
    """Why the session needs no draw from this location's ledger (e.g. a bag prepared by a
    pharmacy elsewhere): recorded instead of the draw before the infusion starts."""

    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="draw_waiver")
    reason = models.TextField()
    recorded_by = user_field()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            has_text("draw_waiver_has_reason"),
        ]

    def __str__(self) -> str:
        return f"no draw for session {self.session_id}: {self.reason}"


class GateOverride(AppendOnlyModel):
    """A physician's signed decision that a blocked step may proceed: which gate, why, who,
    when. Written once; it lifts that gate for the rest of the session."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="overrides")
    gate = models.CharField(max_length=64, help_text="The gate's name, e.g. start.urgent_vitals.")
    reason = models.TextField()
    blocked = models.TextField(blank=True, help_text="What the gate said when it was overridden.")
    signed_by = user_field()
    signed_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    meaning = meaning_field("approved")
    credential = credential_field()

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "gate"], name="gate_override_once_per_gate"),
            has_text("gate_override_has_reason"),
        ]

    def __str__(self) -> str:
        return f"override of {self.gate} in session {self.session_id}"
