"""The outcome services: the patient's screen data, booster decisions and drop-outs, with
their permissions and audit entries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from outcomes_support import PAIN, PAIN_NOW, PROTOCOL, ago, history, infusion, score

from ketaclinic.outcomes import NOT_REACHED, RETURNED
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput, NotFound
from ketaclinic.records.outcomes import services
from ketaclinic.records.outcomes.models import BoosterReview, Discontinuation


def test_the_screen_answers_is_it_working(scored: Any, clinician: Any) -> None:
    data = services.patient_outcomes(clinician, scored.pk)
    outcome = data.outcome
    assert outcome.trajectory(PAIN).baseline.total == 8
    assert outcome.pain_response.category == NOT_REACHED  # latest 6: 25 % below baseline
    assert outcome.pain_response.best == 4
    assert outcome.fiqr_response.category == "improved"  # 60 → 40
    pain = next(c for c in outcome.immediate if c.instrument_id == PAIN)
    assert pain.pairs == ()  # 24-hour averages taken at a visit are not paired
    now = outcome.immediate_pain
    assert now is not None
    assert [(p.pre.total, p.post.total) for p in now.pairs] == [(7, 3), (6, 3)]
    assert now.immediate.mean == -3.5
    assert data.title(PAIN_NOW) == "Pain right now (NRS 0–10)"
    assert outcome.durability.reason == "no infusion recorded"
    assert data.title(PAIN) == "Average pain (NRS 0–10)"
    entry = AuditEvent.objects.filter(action="outcome.view").latest("id")
    assert (entry.patient_id, entry.face, entry.detail) == (scored.pk, "api", {"view": "screen"})


def test_the_screen_reads_in_a_fixed_number_of_queries(
    scored: Any, clinician: Any, register: Any
) -> None:
    with CaptureQueriesContext(connection) as short:
        services.patient_outcomes(clinician, scored.pk)
    history(clinician, scored, [(d, PAIN, 5, "follow_up") for d in range(4, 1, -1)] * 10)
    with CaptureQueriesContext(connection) as long:
        services.patient_outcomes(clinician, scored.pk)
    assert len(long) == len(short)


def test_infusions_durability_and_a_due_booster(
    scored: Any, clinician: Any, infusions_given: list, sign_plan: Any
) -> None:
    sign_plan(scored)
    infusions_given += [infusion(scored, 60), infusion(scored, 58, dose_mg=38)]
    data = services.patient_outcomes(clinician, scored.pk)
    outcome = data.outcome
    assert [e.dose_mg for e in outcome.infusions] == [35, 38]
    assert outcome.durability.status == RETURNED  # pain 6 >= 5.6 five days ago
    assert outcome.durability.days == pytest.approx(53, abs=0.01)
    assert data.protocol is not None
    assert data.protocol.id == PROTOCOL
    assert outcome.booster.due
    assert data.booster_pending


def test_physician_accepts_a_booster_once_per_evidence(
    scored: Any, clinician: Any, infusions_given: list, sign_plan: Any
) -> None:
    sign_plan(scored)
    infusions_given += [infusion(scored, 60), infusion(scored, 58)]
    review = services.decide_booster(
        clinician, scored.pk, {"decision": "accepted", "note": "book one next week"}
    )
    assert (review.decision, review.protocol_id, review.suggestion["due"]) == (
        "accepted",
        PROTOCOL,
        True,
    )
    assert review.suggestion["current_pain"] == 6
    assert not services.patient_outcomes(clinician, scored.pk).booster_pending
    with pytest.raises(Conflict):
        services.decide_booster(clinician, scored.pk, {"decision": "declined", "note": "again"})
    assert BoosterReview.objects.count() == 1
    entry = AuditEvent.objects.get(action="outcome.decide_booster", outcome="allowed")
    assert entry.detail == {"decision": "accepted", "protocol": PROTOCOL}
    # A new pain score is new evidence: a new suggestion to decide on.
    score(clinician, scored, PAIN, 7, "follow_up", ago(1))
    assert services.patient_outcomes(clinician, scored.pk).booster_pending
    services.decide_booster(clinician, scored.pk, {"decision": "declined", "note": "wait"})
    assert BoosterReview.objects.count() == 2


def test_no_booster_decision_without_a_due_suggestion(scored: Any, clinician: Any) -> None:
    with pytest.raises(Conflict) as error:
        services.decide_booster(clinician, scored.pk, {"decision": "accepted", "note": "x"})
    assert "no booster is suggested now" in str(error.value)
    assert not BoosterReview.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"decision": "maybe", "note": "x"}, "decision"),
        ({"decision": "accepted", "note": ""}, "note"),
        ({"decision": "accepted"}, "note"),
        ({"decision": "accepted", "note": "x", "extra": 1}, "extra"),
    ],
)
def test_booster_decision_bad_input(scored: Any, clinician: Any, data: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        services.decide_booster(clinician, scored.pk, data)
    assert field in [e.field for e in error.value.errors]


def test_only_physicians_decide_boosters(
    scored: Any, users: dict[str, Any], actor_for: Any
) -> None:
    with pytest.raises(Forbidden):
        services.decide_booster(
            actor_for(users["nurse"]), scored.pk, {"decision": "accepted", "note": "x"}
        )
    denial = AuditEvent.objects.get(outcome="denied")
    assert (denial.action, denial.patient_id) == ("outcome.decide_booster", scored.pk)


def test_who_sees_a_patients_outcomes(
    scored: Any, users: dict[str, Any], actor_for: Any, patient_user: Any, register: Any
) -> None:
    services.patient_outcomes(actor_for(users["nurse"]), scored.pk)
    services.patient_outcomes(actor_for(patient_user), scored.pk)
    other = register(mrn="OTHER-1")
    for actor, patient_id in (
        (actor_for(users["front_desk"]), scored.pk),
        (actor_for(users["manager"]), scored.pk),
        (actor_for(patient_user), other.pk),
    ):
        with pytest.raises(Forbidden):
            services.patient_outcomes(actor, patient_id)
    with pytest.raises(NotFound):
        services.patient_outcomes(actor_for(users["nurse"]), 999_999)


def test_return_fraction_is_checked(scored: Any, clinician: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        services.patient_outcomes(clinician, scored.pk, return_fraction=1.5)
    assert error.value.errors[0].field == "return_fraction"


def test_a_drop_out_is_recorded_and_corrected_by_amendment(
    scored: Any, users: dict[str, Any], actor_for: Any
) -> None:
    nurse = actor_for(users["nurse"])
    first = services.record_discontinuation(
        nurse,
        scored.pk,
        {"reason": "no_benefit", "stopped_on": timezone.localdate(), "protocol_id": PROTOCOL},
    )
    fixed = services.record_discontinuation(
        nurse,
        scored.pk,
        {
            "reason": "side_effects",
            "note": "nausea each time",
            "stopped_on": timezone.localdate(),
            "amends": first.pk,
            "amendment_reason": "wrong reason picked",
        },
    )
    assert fixed.amends == first
    assert list(Discontinuation.objects.current()) == [fixed]
    with pytest.raises(Conflict):
        services.record_discontinuation(
            nurse,
            scored.pk,
            {
                "reason": "cost",
                "stopped_on": timezone.localdate(),
                "amends": first.pk,
                "amendment_reason": "again",
            },
        )
    shown = services.patient_outcomes(nurse, scored.pk).discontinuations
    assert [d.reason for d in shown] == ["side_effects"]
    recorded = AuditEvent.objects.filter(action="outcome.record_discontinuation", outcome="allowed")
    assert recorded.count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "other", "stopped_on": "2025-01-01"}, "note"),
        ({"reason": "bored", "stopped_on": "2025-01-01"}, "reason"),
        ({"reason": "cost", "stopped_on": "2999-01-01"}, "stopped_on"),
        ({"reason": "cost", "stopped_on": "yesterday"}, "stopped_on"),
        ({"reason": "cost", "stopped_on": "2025-01-01", "protocol_id": "nope"}, "protocol_id"),
        ({"reason": "cost", "stopped_on": "2025-01-01", "amends": 1}, "amendment_reason"),
        ({"reason": "cost", "stopped_on": "2025-01-01", "amendment_reason": "x"}, "amends"),
    ],
)
def test_drop_out_bad_input_names_the_field(
    scored: Any, clinician: Any, data: dict, field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        services.record_discontinuation(clinician, scored.pk, data)
    assert field in [e.field for e in error.value.errors]
    assert not Discontinuation.objects.exists()


def test_amending_a_record_of_another_patient_is_not_found(
    scored: Any, clinician: Any, register: Any
) -> None:
    other = register(mrn="OTHER-2")
    record = services.record_discontinuation(
        clinician, other.pk, {"reason": "cost", "stopped_on": timezone.localdate()}
    )
    with pytest.raises(NotFound):
        services.record_discontinuation(
            clinician,
            scored.pk,
            {
                "reason": "cost",
                "stopped_on": timezone.localdate() - timedelta(days=1),
                "amends": record.pk,
                "amendment_reason": "x",
            },
        )


def test_the_seam_turns_session_records_into_infusions(scored: Any) -> None:
    from dataclasses import replace

    from ketaclinic.records.outcomes.infusions import from_session, infusion_events
    from ketaclinic.records.sessions.events import InfusionEvent as SessionEvent
    from ketaclinic.records.sessions.events import SideEffectSeen

    start = ago(3)
    session = SessionEvent(
        patient_id=scored.pk,
        session_id=7,
        started_at=start,
        ended_at=start + timedelta(minutes=45),
        dose_mg=35.0,
        route="iv_infusion",
        protocol_id=PROTOCOL,
        protocol_version="2025.1",
        location_id=2,
        final_state="discharged",
        stopped_early=False,
        max_cadss6=4,
        side_effects=(SideEffectSeen("nausea", "mild"), SideEffectSeen("nausea", "severe")),
        alert_count=1,
        signed=True,
    )
    event = from_session(session)
    assert event is not None
    assert (event.dose_mg, event.duration_min, event.session_id) == (35.0, 45, 7)
    assert (event.side_effects, event.alerts, event.location_id) == (("nausea",), 1, 2)
    assert from_session(replace(session, dose_mg=None, ended_at=None)) is None
    # No session has been recorded: nothing was given.
    assert infusion_events([scored.pk], None, None) == []
    assert infusion_events(None, None, None) == []


def test_demo_drop_out_is_loaded_once(register: Any, clinician: Any) -> None:
    from ketaclinic.records.outcomes.demo import PAUSED, load_outcomes

    load_outcomes(clinician)  # no demo patient: nothing to do
    assert not Discontinuation.objects.exists()
    register(mrn=PAUSED)
    load_outcomes(clinician)
    load_outcomes(clinician)
    assert Discontinuation.objects.get().reason == "patient_choice"
