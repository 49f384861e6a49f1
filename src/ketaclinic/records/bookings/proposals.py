"""What the front desk may book: the patient's signed plans (no doses) and the earliest series
that fits (nothing is booked)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from ketaclinic import scheduling
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.clinics.calendars import chair_key, domain_location
from ketaclinic.records.clinics.models import Chair, Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import audits_refusals, validate

from . import checks
from .common import (
    location_field,
    patient_id_in,
)
from .inputs import (
    ProposalIn,
    WindowIn,
)
from .policy import booking_policy
from .visits import PlanVisit, current_plans, plan_visit, signed_plan


@dataclass(frozen=True)
class ProposedSession:
    session: int
    chair: Chair
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Proposal:
    """The earliest series that fits, or the reasons none does (nothing is booked)."""

    patient: Patient
    location: Location
    plan_visit: PlanVisit
    sessions: list[ProposedSession]
    reasons: list[scheduling.Reason]
    candidate_counts: list[tuple[str, int]]
    not_before: datetime
    not_after: datetime

    @property
    def found(self) -> bool:
        return bool(self.sessions)


@dataclass(frozen=True)
class PlanChoice:
    """A signed plan as the front desk sees it: no doses."""

    plan_id: int
    protocol_name: str
    sessions: int
    visit_min: int
    visit_label: str
    signed_at: datetime


def bookable_plans(actor: Actor, patient_id: int) -> list[PlanChoice]:
    """The patient's current signed plan(s) with their visit length; no doses. Audited."""
    authorize(actor, Action.BOOKING_BOOK, patient_id=patient_id)
    patient_or_404(patient_id)
    choices = []
    for plan in current_plans(patient_id):
        try:
            visit = plan_visit(plan)
        except InvalidInput:
            continue
        choices.append(
            PlanChoice(
                plan.pk,
                visit.protocol.name,
                plan.sessions,
                visit.visit.duration_min,
                visit.visit.label,
                plan.signature.signed_at,
            )
        )
    audit.record(
        actor,
        Audited.BOOKING_PLANS,
        patient_id=patient_id,
        detail={"plans": [c.plan_id for c in choices]},
    )
    return choices


def _weekly(windows: Sequence[WindowIn]) -> tuple[scheduling.WeeklyWindow, ...]:
    return tuple(scheduling.WeeklyWindow(w.weekday, w.start, w.end) for w in windows)


@audits_refusals(Audited.BOOKING_PROPOSE)
def propose(actor: Actor, data: Mapping[str, Any]) -> Proposal:
    """The earliest series the signed plan allows at the location, from ``not_before``."""
    authorize(actor, Action.BOOKING_BOOK, patient_id=patient_id_in(data))
    fields = validate(ProposalIn, data)
    patient = patient_or_404(fields.patient_id)
    visit = plan_visit(signed_plan(patient.pk, fields.plan_id))
    location = location_field(fields.location_id)
    now = timezone.now()
    not_before = max(fields.not_before or now, now)
    not_after = not_before + booking_policy().proposal_horizon
    domain = domain_location(location, not_before, not_after)
    here = checks.chair_bookings(location, not_before, not_after)
    elsewhere = checks.patient_elsewhere(patient.pk, location, not_before, not_after, ())
    request = scheduling.SeriesRequest(
        patient_id=str(patient.pk),
        plan_id=str(visit.plan.pk),
        plan_signed=True,
        series=visit.rule,
        appointment_type=visit.visit,
        not_before=not_before,
        not_after=not_after,
        availability=scheduling.Availability(
            _weekly(fields.availability),
            tuple(scheduling.TimeRange(b.start, b.end) for b in elsewhere),
        ),
        preferred=_weekly(fields.preferred),
    )
    found = scheduling.propose_series(request, domain, here)
    chairs = {chair_key(c.pk): c for c in Chair.objects.filter(location=location)}
    sessions = [
        ProposedSession(a.session, chairs[a.chair_id], a.start, a.end) for a in found.appointments
    ]
    audit.record(
        actor,
        Audited.BOOKING_PROPOSE,
        obj=visit.plan,
        patient_id=patient.pk,
        detail={
            "location": location.slug,
            "found": found.found,
            "reasons": [r.code for r in found.reasons],
        },
    )
    return Proposal(
        patient,
        location,
        visit,
        sessions,
        list(found.reasons),
        list(found.candidate_counts),
        not_before,
        not_after,
    )
