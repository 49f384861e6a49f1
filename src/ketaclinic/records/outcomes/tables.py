"""The clinic's own tables for analysis (CSV): every row, identified, streamed a chunk at a time.

Bulk identified data: physicians only (``export.csv``); the export is audited when it starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.assessments.models import Assessment
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.patients.models import BodyMeasurement, Patient

from . import infusions
from .models import BoosterReview, Discontinuation
from .queries import superseded

CHUNK = 2000
Rows = Callable[[], Iterable[tuple[Any, ...]]]


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    unit: str = ""
    field: str = ""
    """The query's field path, when it differs from ``name``."""


@dataclass(frozen=True)
class Table:
    """A named table whose rows are produced lazily, in the order of ``columns``."""

    name: str
    description: str
    columns: tuple[Column, ...]
    rows: Rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.rows())


def query_table(name: str, description: str, queryset: Any, columns: tuple[Column, ...]) -> Table:
    """A table read from ``queryset`` in chunks, one column per field."""
    fields = [column.field or column.name for column in columns]
    return Table(
        name,
        description,
        columns,
        lambda: queryset.values_list(*fields).iterator(chunk_size=CHUNK),
    )


def _infusion_rows() -> Iterator[tuple[Any, ...]]:
    for events in infusions.infusion_batches(CHUNK):
        for e in events:
            yield (
                e.patient_id,
                e.session_id,
                e.series_id,
                e.started_at,
                e.dose_mg,
                e.route,
                e.duration_min,
                e.protocol_id,
                e.location_id,
                ";".join(e.side_effects),
                e.alerts,
            )


def _answer_rows() -> Iterator[tuple[Any, ...]]:
    rows = Assessment.objects.order_by("id").values_list("id", "patient_id", "answers")
    for pk, patient_id, answers in rows.iterator(chunk_size=CHUNK):
        for item_id, answer in answers.items():
            yield pk, patient_id, item_id, answer


C = Column
INFUSIONS = Table(
    "infusions",
    "infusions given (from the infusion session records)",
    (
        C("patient_id", "patient"),
        C("session_id", "infusion session"),
        C("series_id", "booked series"),
        C("started_at", "start of the infusion (UTC)"),
        C("dose_mg", "ketamine given", "mg"),
        C("route", "route of administration"),
        C("duration_min", "infusion length", "min"),
        C("protocol_id", "protocol"),
        C("location_id", "location"),
        C("side_effects", "side effects noted (codes, ';'-separated)"),
        C("alerts", "alerts raised during the session", "count"),
    ),
    _infusion_rows,
)


def clinic_tables(actor: Actor) -> list[Table]:
    """Patients, measurements, scores and answers, infusions, alerts, appointments, plans,
    booster decisions and drop-outs. Nothing is read until a table is iterated."""
    authorize(actor, Action.EXPORT_CSV)
    from ketaclinic.records.bookings.models import Appointment
    from ketaclinic.records.plans.models import PlanSignature, TreatmentPlan

    signed = Exists(PlanSignature.objects.filter(plan=OuterRef("pk")))
    tables = [
        query_table(
            "patients",
            "every patient record (identified)",
            Patient.objects.order_by("id"),
            (
                C("id", "patient"),
                C("mrn", "medical record number"),
                C("given_name", "given name"),
                C("family_name", "family name"),
                C("date_of_birth", "date of birth"),
                C("sex", "female, male, other, unknown"),
                C("phone", "phone"),
                C("email", "e-mail"),
                C("address", "postal address"),
                C("physician_id", "responsible physician (user id)"),
                C("created_at", "registered at (UTC)"),
            ),
        ),
        query_table(
            "body_measurements",
            "weights and heights, the whole dated history",
            BodyMeasurement.objects.order_by("id"),
            (
                C("id", "measurement"),
                C("patient_id", "patient"),
                C("measured_at", "measured at (UTC)"),
                C("weight_kg", "weight", "kg"),
                C("height_cm", "height", "cm"),
            ),
        ),
        query_table(
            "assessments",
            "every scored questionnaire and score; amended originals flagged superseded",
            Assessment.objects.annotate(superseded=superseded(Assessment)).order_by("id"),
            (
                C("id", "assessment"),
                C("patient_id", "patient"),
                C("instrument_id", "instrument"),
                C("instrument_version", "instrument definition version"),
                C("context", "baseline, pre_infusion, during_infusion, post_infusion, follow_up"),
                C("completed_at", "completed at (UTC)"),
                C("total", "total score (empty when not valid)", "points"),
                C("band_code", "severity band"),
                C("valid", "whether the answers give a valid score"),
                C("entered_by", "staff or patient"),
                C("amends", "the assessment this one corrects", field="amends_id"),
                C("superseded", "an amendment corrects this one"),
            ),
        ),
        Table(
            "assessment_answers",
            "each answer of each assessment (long format)",
            (
                C("assessment_id", "assessment"),
                C("patient_id", "patient"),
                C("item_id", "item of the instrument"),
                C("answer", "the answer (yes/no as 1/0; empty = unanswered)"),
            ),
            _answer_rows,
        ),
        INFUSIONS,
        query_table(
            "alerts",
            "clinical alerts and their acknowledgement",
            Alert.objects.order_by("id"),
            (
                C("id", "alert"),
                C("patient_id", "patient"),
                C("code", "what raised it"),
                C("severity", "info, warning, urgent"),
                C("raised_at", "raised at (UTC)"),
                C(
                    "acknowledged_at",
                    "acknowledged at (UTC)",
                    field="acknowledgement__acknowledged_at",
                ),
                C(
                    "acknowledged_by_id",
                    "acknowledged by (user id)",
                    field="acknowledgement__acknowledged_by_id",
                ),
            ),
        ),
        query_table(
            "appointments",
            "every appointment, with its status",
            Appointment.objects.order_by("id"),
            (
                C("id", "appointment"),
                C("patient_id", "patient"),
                C("location", "location (slug)", field="location__slug"),
                C("appointment_type", "infusion, esketamine, im_injection, consultation, …"),
                C("series_id", "booked series"),
                C("session", "session number in the series"),
                C("starts_at", "start (UTC)"),
                C("ends_at", "end (UTC)"),
                C("status", "booked, cancelled, rescheduled, no_show"),
            ),
        ),
        query_table(
            "treatment_plans",
            "treatment plans with their protocol and dose",
            TreatmentPlan.objects.annotate(signed=signed).order_by("id"),
            (
                C("id", "plan"),
                C("patient_id", "patient"),
                C("protocol_id", "protocol"),
                C("protocol_version", "protocol version"),
                C("sessions", "sessions in the series", "count"),
                C("dose_mg_per_kg", "prescribed dose per kg", "mg/kg"),
                C("dose_mg", "prepared dose", "mg"),
                C("duration_min", "infusion length", "min"),
                C("drafted_at", "drafted at (UTC)"),
                C("signed", "signed by a physician"),
                C("amends", "the plan this version changes", field="amends_id"),
            ),
        ),
        query_table(
            "booster_decisions",
            "physicians' decisions on booster suggestions",
            BoosterReview.objects.order_by("id"),
            (
                C("id", "decision"),
                C("patient_id", "patient"),
                C("protocol_id", "protocol"),
                C("decision", "accepted or declined"),
                C("note", "the physician's note"),
                C("evidence_at", "time of the evidence decided on (UTC)"),
                C("decided_at", "decided at (UTC)"),
                C("decided_by_id", "physician (user id)"),
            ),
        ),
        query_table(
            "discontinuations",
            "drop-outs with their reasons; amended originals flagged superseded",
            Discontinuation.objects.annotate(superseded=superseded(Discontinuation)).order_by("id"),
            (
                C("id", "record"),
                C("patient_id", "patient"),
                C("protocol_id", "protocol"),
                C("reason", "why the patient stopped"),
                C("note", "note"),
                C("stopped_on", "date the patient stopped"),
                C("recorded_at", "recorded at (UTC)"),
                C("amends", "the record this one corrects", field="amends_id"),
                C("superseded", "an amendment corrects this one"),
            ),
        ),
    ]
    audit.record(actor, Action.EXPORT_CSV, detail={"tables": [table.name for table in tables]})
    return tables
