"""The refused-attempt rule, one for every app: a refused attempt (bad input, a clash, a missing
record) leaves one ``failed`` audit entry under the action tried, and nothing else is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ketaclinic.records.accounts import services as accounts
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.alerts import services as alerts
from ketaclinic.records.assessments import services as assessments
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.bookings import services as bookings
from ketaclinic.records.clinics import premises
from ketaclinic.records.errors import Conflict, InvalidInput, NotFound, ServiceError
from ketaclinic.records.outcomes import services as outcomes
from ketaclinic.records.patients import services as patients
from ketaclinic.records.plans import screening
from ketaclinic.records.toolkit import attempt, audits_refusals

Call = Callable[[Any, Any], Any]

REFUSALS: list[tuple[str, str, str, Call, type[ServiceError]]] = [
    (
        "patients",
        "nurse",
        Action.PATIENT_RECORD_MEASUREMENT,
        lambda actor, p: patients.record_measurement(actor, p.pk, {"weight_kg": 500}),
        InvalidInput,
    ),
    (
        "plans",
        "physician",
        Action.SCREENING_RUN,
        lambda actor, p: screening.run_screening(actor, p.pk, {"not_a_field": 1}),
        InvalidInput,
    ),
    (
        "assessments",
        "nurse",
        Action.ASSESSMENT_RECORD,
        lambda actor, p: assessments.record_assessment(actor, p.pk, {"instrument_id": ""}),
        InvalidInput,
    ),
    (
        "bookings",
        "front_desk",
        Action.BOOKING_BOOK,
        lambda actor, p: bookings.book_appointment(actor, {"patient_id": p.pk}),
        InvalidInput,
    ),
    (
        "clinics",
        "manager",
        Audited.CLINIC_LOCATION_CREATE,
        lambda actor, p: premises.create_location(actor, {"slug": "Not A Slug!"}),
        InvalidInput,
    ),
    (
        "alerts",
        "nurse",
        Action.ALERT_ACKNOWLEDGE,
        lambda actor, p: alerts.acknowledge(actor, 999_999, "seen"),
        NotFound,
    ),
    (
        "outcomes",
        "physician",
        Action.OUTCOME_RECORD_DISCONTINUATION,
        lambda actor, p: outcomes.record_discontinuation(actor, p.pk, {"reason": ""}),
        InvalidInput,
    ),
    (
        "accounts",
        "manager",
        Audited.ACCOUNT_CREATE,
        lambda actor, p: accounts.create_user(
            actor, username="", password="x", role="nobody", patient_id=None
        ),
        InvalidInput,
    ),
]


@pytest.mark.parametrize(
    ("app", "role", "action", "call", "error"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
def test_a_refused_attempt_leaves_one_failed_audit_entry(
    users: dict[str, Any],
    actor_for: Callable[..., Any],
    patient: Any,
    app: str,
    role: str,
    action: str,
    call: Call,
    error: type[ServiceError],
) -> None:
    actor = actor_for(users[role])
    before = AuditEvent.objects.count()
    with pytest.raises(error):
        call(actor, patient)
    failed = AuditEvent.objects.filter(outcome="failed")
    assert [(e.action, e.username) for e in failed] == [(str(action), users[role].username)]
    entry = failed.get()
    assert entry.detail["refused_as"] == error.__name__
    if error is InvalidInput:
        assert entry.detail["fields"]
    assert AuditEvent.objects.count() == before + 1


def test_a_refusal_crossing_two_services_is_audited_once_under_the_outer_action(
    users: dict[str, Any], actor_for: Callable[..., Any]
) -> None:
    actor = actor_for(users["nurse"])

    @audits_refusals(Action.SESSION_RECORD)
    def inner(actor: Any) -> None:
        raise Conflict("the chair is taken")

    with pytest.raises(Conflict), attempt(actor, Action.BOOKING_BOOK, patient_id=7):
        inner(actor)
    (entry,) = AuditEvent.objects.filter(outcome="failed")
    assert (entry.action, entry.patient_id) == ("booking.book", 7)
    assert entry.detail == {"error": "the chair is taken", "refused_as": "Conflict"}


def test_a_denial_is_not_also_audited_as_a_failure(
    users: dict[str, Any], actor_for: Callable[..., Any], patient: Any
) -> None:
    from ketaclinic.records.errors import Forbidden

    with pytest.raises(Forbidden):
        patients.record_measurement(actor_for(users["front_desk"]), patient.pk, {"weight_kg": 70})
    outcomes_seen = set(AuditEvent.objects.values_list("outcome", flat=True))
    assert "failed" not in outcomes_seen
    assert "denied" in outcomes_seen
