"""The session services: opening, the lifecycle guards, the flowsheet entries with their
alerts, bad input (clear message, nothing written, the attempt audited), discharge,
signing, amendments, titration, and the append-only tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from sessions_support import (
    ALDRETE_READY,
    CADSS6_MILD,
    GOOD_VITALS,
    LATE,
    PAIN_AVERAGE,
    PAIN_NOW,
    walk,
)

from ketaclinic.records.alerts import services as alert_services
from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.append_only import AppendOnlyError
from ketaclinic.records.assessments import services as assessments
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput, NotFound
from ketaclinic.records.patients.models import BodyMeasurement
from ketaclinic.records.plans.models import TitrationProposal
from ketaclinic.records.sessions import (
    checklist,
    flowsheet,
    lifecycle,
    reads,
    rescue,
    scores,
    signing,
    supply,
    titration,
)
from ketaclinic.records.sessions.models import (
    Note,
    SessionAlert,
    SessionScore,
    Signature,
    Transition,
    VitalSigns,
)
from ketaclinic.sessions import session_rules
from support import SIGNED

pytestmark = pytest.mark.django_db


def failed(what: str) -> AuditEvent:
    """The latest failed attempt audited for ``what``."""
    found = AuditEvent.objects.filter(outcome="failed", detail__what=what).first()
    assert found is not None, f"no failed attempt audited for {what}"
    return found


def minutes_ago(minutes: float) -> Any:
    return timezone.now() - timedelta(minutes=minutes)


# --- opening a session ---------------------------------------------------------------------


def test_opening_a_session_copies_the_protocol_and_rules_and_is_audited(
    session: Any, order: Any, location: Any
) -> None:
    assert (session.order_id, session.location_id) == (order.pk, location.pk)
    assert (session.protocol_id, session.observation_min, session.vitals_interval_min) == (
        "ketamine-iv-0.5mgkg-40min",
        60,
        15,
    )
    assert session.rules_version == "2025.1"
    assert AuditEvent.objects.filter(
        action="session.check_in", object_id=str(session.pk), detail__what="open"
    ).exists()


def test_the_front_desk_opens_and_checks_in_but_records_nothing_clinical(
    desk: Any, order: Any, location: Any
) -> None:
    opened = lifecycle.open_session(desk, {"order_id": order.pk, "location_id": location.pk})
    lifecycle.transition(desk, opened.pk, {"command": "check_in"})
    with pytest.raises(Forbidden):
        flowsheet.record_vitals(desk, opened.pk, GOOD_VITALS)
    with pytest.raises(Forbidden):
        reads.get_flowsheet(desk, opened.pk)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"order_id": 999999, "location_id": 1}, "order_id"),
        ({"location_id": 1}, "order_id"),
        ({"order_id": "ORDER"}, "order_id"),
    ],
)
def test_opening_with_bad_input_names_the_field(
    nurse: Any, order: Any, data: dict[str, Any], field: str
) -> None:
    with pytest.raises((InvalidInput, Forbidden)) as caught:
        lifecycle.open_session(nurse, data)
    if isinstance(caught.value, InvalidInput):
        assert caught.value.errors[0].field == field


def test_opening_needs_a_place_at_the_location(
    nurse: Any, order: Any, location: Any, make_order: Callable[..., Any]
) -> None:
    from ketaclinic.records.clinics.models import Chair, Location

    other = Location.objects.create(slug="other", name="Other", time_zone=location.time_zone)
    elsewhere = Chair.objects.create(location=other, name="Far chair")
    with pytest.raises(InvalidInput) as caught:
        lifecycle.open_session(nurse, {"order_id": order.pk})
    assert caught.value.errors[0].field == "location_id"
    with pytest.raises(InvalidInput) as caught:
        lifecycle.open_session(
            nurse, {"order_id": order.pk, "location_id": location.pk, "chair_id": elsewhere.pk}
        )
    assert caught.value.errors[0].field == "chair_id"
    assert failed("open").patient_id == order.patient_id


def test_an_order_gets_one_session_unless_the_first_was_cancelled(
    nurse: Any, order: Any, open_session: Callable[..., Any]
) -> None:
    first = open_session(order)
    with pytest.raises(Conflict, match="already has session"):
        open_session(order)
    lifecycle.transition(nurse, first.pk, {"command": "cancel", "reason": "feeling unwell"})
    assert open_session(order).pk != first.pk


def test_an_order_for_another_day_cannot_be_opened(
    nurse: Any, patient: Any, location: Any, make_order: Callable[..., Any]
) -> None:
    from ketaclinic.records.plans import orders

    today = make_order(patient)
    tomorrow = orders.create_order(
        nurse, today.plan_id, {"session_on": timezone.localdate() + timedelta(days=1)}
    )
    with pytest.raises(InvalidInput, match="not today"):
        lifecycle.open_session(nurse, {"order_id": tomorrow.pk, "location_id": location.pk})


# --- the lifecycle -------------------------------------------------------------------------


def test_a_step_out_of_order_is_refused_written_nowhere_and_audited(
    nurse: Any, session: Any
) -> None:
    with pytest.raises(Conflict, match="cannot start_infusion a session that is scheduled"):
        lifecycle.transition(nurse, session.pk, {"command": "start_infusion"})
    assert not Transition.objects.filter(session=session).exists()
    audited = failed("transition:start_infusion")
    assert (audited.patient_id, audited.action) == (session.patient_id, "session.record")


def test_starting_without_a_verified_order_is_refused(
    nurse: Any,
    second_nurse: Any,
    patient: Any,
    make_order: Callable[..., Any],
    open_session: Callable[..., Any],
) -> None:
    from ketaclinic.records.plans import orders

    unverified = make_order(patient, verified=False)
    session = open_session(unverified)
    walk(nurse, session.pk, "pre_checks_done", minutes_ago(20))
    with pytest.raises(Conflict, match="not verified"):
        lifecycle.transition(nurse, session.pk, {"command": "verify_dose"})
    assert failed("transition:verify_dose").patient_id == patient.pk
    assert Transition.objects.filter(session=session).count() == 2
    dose = {"dose_mg": 35, "volume_ml": 35, "rate_ml_per_h": 52.5}
    orders.prepare_order(nurse, unverified.pk, dose)
    orders.verify_order(second_nurse, unverified.pk, {**SIGNED, **dose})
    lifecycle.transition(nurse, session.pk, {"command": "verify_dose"})


def test_pre_checks_cannot_be_done_with_items_missing(nurse: Any, session: Any) -> None:
    lifecycle.transition(nurse, session.pk, {"command": "check_in"})
    with pytest.raises(Conflict) as caught:
        lifecycle.transition(nurse, session.pk, {"command": "complete_pre_checks"})
    message = str(caught.value)
    for missing in ("vital signs", "record nrs_pain_now before", "Fasting", "responsible adult"):
        assert missing in message


def test_pain_right_now_and_the_past_24_hours_are_asked_before_the_infusion(
    nurse: Any, session: Any
) -> None:
    lifecycle.transition(nurse, session.pk, {"command": "check_in"})
    gaps = [gap.message for gap in reads.get_flowsheet(nurse, session.pk).gaps]
    assert any("record nrs_pain_now before" in gap for gap in gaps)
    assert any("record nrs_pain_average before" in gap for gap in gaps)
    scores.record_score(nurse, session.pk, {"instrument": PAIN_NOW, "answers": {PAIN_NOW: 6}})
    average = {"instrument": PAIN_AVERAGE, "answers": {PAIN_AVERAGE: 5}}
    scores.record_score(nurse, session.pk, average)
    gaps = [gap.message for gap in reads.get_flowsheet(nurse, session.pk).gaps]
    assert not any("nrs_pain" in gap for gap in gaps)
    assert any("vital signs" in gap for gap in gaps)
    assert SessionScore.objects.filter(session=session, phase="pre_infusion").count() == 2


def test_the_session_records_only_its_own_instruments(nurse: Any, session: Any) -> None:
    lifecycle.transition(nurse, session.pk, {"command": "check_in"})
    worst = {"instrument": "nrs_pain_worst", "answers": {"nrs_pain_worst": 6}}
    with pytest.raises(InvalidInput) as caught:
        scores.record_score(nurse, session.pk, worst)
    assert [e.field for e in caught.value.errors] == ["instrument"]
    assert "nrs_pain_now" in str(caught.value)
    assert not SessionScore.objects.filter(session=session).exists()


def test_a_changed_weight_blocks_the_pre_checks(nurse: Any, session: Any) -> None:
    lifecycle.transition(nurse, session.pk, {"command": "check_in"})
    measurement = checklist.record_weight(nurse, session.pk, {"weight_kg": 85})
    assert BodyMeasurement.objects.filter(pk=measurement.pk, weight_kg=85).exists()
    sheet = reads.get_flowsheet(nurse, session.pk)
    assert any("re-checking" in gap.message for gap in sheet.gaps)


def test_the_pump_is_programmed_as_ordered(nurse: Any, session: Any, walked: Any) -> None:
    walked("dose_verified", minutes_ago=30)
    supply.waive_draw(nurse, session.pk, {"reason": "Bag prepared by the hospital pharmacy"})
    with pytest.raises(InvalidInput) as caught:
        lifecycle.transition(nurse, session.pk, {"command": "start_infusion"})
    assert {e.field for e in caught.value.errors} == {"rate_ml_per_h", "vtbi_ml"}
    with pytest.raises(InvalidInput, match="more than the ordered rate"):
        lifecycle.transition(
            nurse,
            session.pk,
            {"command": "start_infusion", "rate_ml_per_h": 60, "vtbi_ml": 35},
        )
    lifecycle.transition(
        nurse, session.pk, {"command": "start_infusion", "rate_ml_per_h": 52.5, "vtbi_ml": 35}
    )
    with pytest.raises(InvalidInput, match="prepared volume"):
        lifecycle.transition(
            nurse, session.pk, {"command": "end_infusion", "volume_infused_ml": 40}
        )
    with pytest.raises(InvalidInput) as caught:
        lifecycle.transition(nurse, session.pk, {"command": "pause", "volume_infused_ml": 3})
    assert {e.field for e in caught.value.errors} == {"reason", "volume_infused_ml"} or {
        e.field for e in caught.value.errors
    } == {"reason"}


def test_a_pause_needs_a_reason_and_times_cannot_run_backwards(
    nurse: Any, session: Any, walked: Any
) -> None:
    walked("infusing", minutes_ago=30)
    with pytest.raises(InvalidInput) as caught:
        lifecycle.transition(nurse, session.pk, {"command": "pause", "reason": " "})
    assert caught.value.errors[0].field == "reason"
    with pytest.raises(InvalidInput, match="before the previous step"):
        lifecycle.transition(
            nurse, session.pk, {"command": "pause", "reason": "nausea", "at": minutes_ago(29)}
        )
    with pytest.raises(InvalidInput, match="future"):
        lifecycle.transition(
            nurse,
            session.pk,
            {"command": "pause", "reason": "nausea", "at": timezone.now() + timedelta(hours=1)},
        )
    with pytest.raises(InvalidInput, match="time zone"):
        lifecycle.transition(
            nurse, session.pk, {"command": "pause", "reason": "x", "at": "2026-01-01T10:00:00"}
        )
    lifecycle.transition(nurse, session.pk, {"command": "pause", "reason": "nausea"})
    lifecycle.transition(nurse, session.pk, {"command": "resume"})


def test_a_cancelled_session_takes_nothing_more(nurse: Any, session: Any) -> None:
    lifecycle.transition(nurse, session.pk, {"command": "cancel", "reason": "no escort"})
    with pytest.raises(Conflict, match="cancelled"):
        flowsheet.add_note(nurse, session.pk, {"text": "late note"})


def test_an_unknown_session_is_not_found(nurse: Any, db: Any) -> None:
    with pytest.raises(NotFound):
        flowsheet.record_vitals(nurse, 424242, GOOD_VITALS)


# --- vital signs ---------------------------------------------------------------------------


def test_vitals_fall_in_the_phase_of_their_time(nurse: Any, session: Any, walked: Any) -> None:
    walked("infusing", minutes_ago=40)
    before = flowsheet.record_vitals(
        nurse, session.pk, {**GOOD_VITALS, **LATE, "at": minutes_ago(39)}
    )
    during = flowsheet.record_vitals(nurse, session.pk, GOOD_VITALS)
    assert (before.entry.phase, during.entry.phase) == ("pre_infusion", "during_infusion")
    with pytest.raises(Conflict, match="from check-in"):
        flowsheet.record_vitals(nurse, session.pk, {**GOOD_VITALS, **LATE, "at": minutes_ago(41)})


def test_impossible_vitals_are_refused_by_field_and_nothing_is_written(
    nurse: Any, session: Any, walked: Any
) -> None:
    walked("infusing", minutes_ago=30)
    count = VitalSigns.objects.count()
    with pytest.raises(InvalidInput) as caught:
        flowsheet.record_vitals(
            nurse, session.pk, {**GOOD_VITALS, "sbp_mm_hg": 400, "spo2_percent": 120}
        )
    assert {e.field for e in caught.value.errors} == {"sbp_mm_hg", "spo2_percent"}
    assert VitalSigns.objects.count() == count
    assert not Alert.objects.exists()
    assert "sbp_mm_hg" in failed("vitals").detail["error"]
    with pytest.raises(InvalidInput) as caught:
        flowsheet.record_vitals(nurse, session.pk, {"sbp_mm_hg": "high"})
    assert "sbp_mm_hg" in {e.field for e in caught.value.errors}


def test_alarming_vitals_are_kept_and_raise_alerts_with_the_suggested_action(
    nurse: Any, session: Any, walked: Any, users: dict[str, Any]
) -> None:
    walked("infusing", minutes_ago=30)
    recorded = flowsheet.record_vitals(
        nurse, session.pk, {**GOOD_VITALS, "sbp_mm_hg": 181, "spo2_percent": 91}
    )
    codes = sorted(alert.code for alert in recorded.alerts)
    assert codes == ["vitals.sbp_high", "vitals.sbp_rise", "vitals.spo2_low"]
    alert = Alert.objects.get(code="vitals.sbp_high")
    assert alert.severity == "urgent"
    assert "Pause" in alert.suggested_action
    assert "clinical.md 1.3" in alert.message
    assert (alert.source_type, alert.source_id) == ("infusions.vitalsigns", str(recorded.entry.pk))
    assert SessionAlert.objects.filter(session=session).count() == 3
    # 20 % over the pre-infusion 122 is 146.4: 146 is not a rise.
    on_edge = flowsheet.record_vitals(nurse, session.pk, {**GOOD_VITALS, "sbp_mm_hg": 146})
    assert on_edge.alerts == []


def test_vitals_for_a_discharged_or_signed_session_are_refused_and_audited(
    nurse: Any, session: Any, walked: Any
) -> None:
    walked("discharged")
    with pytest.raises(Conflict, match="discharged"):
        flowsheet.record_vitals(nurse, session.pk, GOOD_VITALS)
    signing.sign_session(nurse, session.pk, SIGNED)
    count = VitalSigns.objects.count()
    with pytest.raises(Conflict, match="signed"):
        flowsheet.record_vitals(nurse, session.pk, GOOD_VITALS)
    assert VitalSigns.objects.count() == count
    assert failed("vitals").detail["error"].startswith(f"session {session.pk} is signed")


# --- scores, side effects, rescue, pump, checklist -----------------------------------------


def test_cadss6_above_the_threshold_alerts(nurse: Any, session: Any, walked: Any) -> None:
    walked("infusing", minutes_ago=30)
    twelve = {**CADSS6_MILD, "cadss_1": 4, "cadss_2": 4}  # 4 + 4 + 4 × 1
    assert scores.record_score(nurse, session.pk, {"instrument": "cadss6", "answers": twelve})
    assert not Alert.objects.filter(code="cadss6.high").exists()
    link = scores.record_score(
        nurse, session.pk, {"instrument": "cadss6", "answers": {**twelve, "cadss_7": 2}}
    )
    assert link.phase == "during_infusion"
    assert link.assessment.context == "during_infusion"
    assert Alert.objects.get(code="cadss6.high").source_id == str(link.pk)
    with pytest.raises(InvalidInput) as caught:
        scores.record_score(nurse, session.pk, {"instrument": "phq9", "answers": {}})
    assert caught.value.errors[0].field == "instrument"
    with pytest.raises(InvalidInput) as caught:
        scores.record_score(nurse, session.pk, {"instrument": "cadss6", "answers": {"cadss_1": 9}})
    assert "answers.cadss_1" in {e.field for e in caught.value.errors}


def test_side_effects_alert_when_severe_and_dissociation_takes_its_cadss6(
    nurse: Any, session: Any, walked: Any
) -> None:
    walked("infusing", minutes_ago=30)
    mild = flowsheet.record_side_effect(nurse, session.pk, {"kind": "nausea", "severity": "mild"})
    assert mild.alerts == []
    severe = flowsheet.record_side_effect(
        nurse, session.pk, {"kind": "vomiting", "severity": "severe"}
    )
    assert [a.code for a in severe.alerts] == ["side_effect.vomiting"]
    flowsheet.record_side_effect(
        nurse,
        session.pk,
        {"kind": "dissociation", "severity": "moderate", "cadss6": CADSS6_MILD},
    )
    assert SessionScore.objects.get(session=session, assessment__instrument_id="cadss6")
    with pytest.raises(InvalidInput) as caught:
        flowsheet.record_side_effect(
            nurse, session.pk, {"kind": "nausea", "severity": "mild", "cadss6": CADSS6_MILD}
        )
    assert caught.value.errors[0].field == "cadss6"
    with pytest.raises(InvalidInput) as caught:
        flowsheet.record_side_effect(nurse, session.pk, {"kind": "other", "severity": "mild"})
    assert caught.value.errors[0].field == "note"


def test_rescue_medication_and_pump_rate_changes(nurse: Any, session: Any, walked: Any) -> None:
    walked("infusing", minutes_ago=30)
    ondansetron = next(p for p in rescue.prn_orders_for(session) if p.drug == "ondansetron")
    given = flowsheet.record_rescue_medication(
        nurse, session.pk, {"prn_order_id": ondansetron.pk, "dose_mg": 4}
    )
    assert (given.entry.drug, given.entry.dose_mg, given.entry.route) == ("ondansetron", 4, "iv")
    with pytest.raises(InvalidInput) as caught:
        flowsheet.record_rescue_medication(nurse, session.pk, {"prn_order_id": 0, "dose_mg": -1})
    assert {e.field for e in caught.value.errors} == {"prn_order_id", "dose_mg"}
    flowsheet.change_pump_rate(nurse, session.pk, {"rate_ml_per_h": 30, "reason": "nausea"})
    assert reads.get_flowsheet(nurse, session.pk).rate_ml_per_h == 30
    with pytest.raises(InvalidInput, match="above the ordered rate"):
        flowsheet.change_pump_rate(nurse, session.pk, {"rate_ml_per_h": 80, "reason": "faster"})


def test_the_pump_rate_changes_only_while_infusing(nurse: Any, session: Any, walked: Any) -> None:
    walked("dose_verified", minutes_ago=30)
    with pytest.raises(Conflict, match="only while the infusion runs"):
        flowsheet.change_pump_rate(nurse, session.pk, {"rate_ml_per_h": 30, "reason": "x"})


def test_confirmations_are_known_once_and_fit_the_patient(nurse: Any, session: Any) -> None:
    lifecycle.transition(nurse, session.pk, {"command": "check_in"})
    checklist.confirm(nurse, session.pk, {"kind": "fasting"})
    with pytest.raises(Conflict, match="already confirmed"):
        checklist.confirm(nurse, session.pk, {"kind": "fasting"})
    with pytest.raises(InvalidInput) as caught:
        checklist.confirm(nurse, session.pk, {"kind": "horoscope"})
    assert caught.value.errors[0].field == "kind"


def test_a_positive_urinary_screen_alerts_and_is_asked_before_the_infusion(
    nurse: Any, session: Any, walked: Any
) -> None:
    walked("checked_in", minutes_ago=5)
    symptoms = {"urgency": True, "frequency": False, "dysuria": False, "haematuria": True}
    screen = flowsheet.record_urinary_screen(nurse, session.pk, symptoms)
    assert [a.code for a in screen.alerts] == ["urinary_screen.positive"]
    assert "urgency, haematuria" in screen.alerts[0].message


# --- discharge, signing, titration ---------------------------------------------------------


def test_discharge_waits_for_the_observation_time(nurse: Any, session: Any, walked: Any) -> None:
    walked("recovery", minutes_ago=70)  # the infusion ended 20 minutes ago
    for item in ("escort_present", "instructions_given"):
        checklist.confirm(nurse, session.pk, {"kind": item})
    scores.record_score(nurse, session.pk, {"instrument": "aldrete", "answers": ALDRETE_READY})
    scores.record_score(nurse, session.pk, {"instrument": PAIN_NOW, "answers": {PAIN_NOW: 3}})
    with pytest.raises(Conflict, match=r"observe 60 min after the infusion .*: 40 min to go"):
        lifecycle.transition(nurse, session.pk, {"command": "discharge"})
    assert failed("transition:discharge")


def test_an_aldrete_below_the_criterion_blocks_discharge(
    nurse: Any, session: Any, walked: Any
) -> None:
    walked("recovery")
    for item in session_rules().discharge.confirmations:
        checklist.confirm(nurse, session.pk, {"kind": item.kind})
    scores.record_score(nurse, session.pk, {"instrument": PAIN_NOW, "answers": {PAIN_NOW: 3}})
    drowsy = {**ALDRETE_READY, "consciousness": 1, "activity": 1}
    scores.record_score(nurse, session.pk, {"instrument": "aldrete", "answers": drowsy})
    with pytest.raises(Conflict, match=r"Modified Aldrete \(8\) does not meet"):
        lifecycle.transition(nurse, session.pk, {"command": "discharge"})
    scores.record_score(nurse, session.pk, {"instrument": "aldrete", "answers": ALDRETE_READY})
    lifecycle.transition(nurse, session.pk, {"command": "discharge"})


def test_an_open_alert_blocks_discharge_and_signing_until_acknowledged(
    nurse: Any, session: Any, walked: Any
) -> None:
    walked("recovery")
    alarm = flowsheet.record_vitals(nurse, session.pk, {**GOOD_VITALS, "heart_rate_per_min": 45})
    with pytest.raises(Conflict, match="not acknowledged"):
        walk(nurse, session.pk, "discharged", minutes_ago(130))
    alert_services.acknowledge(nurse, alarm.alerts[0].pk, "rechecked: 62, asleep")
    with pytest.raises(Conflict, match=r"last vital signs .* outside limits"):
        lifecycle.transition(nurse, session.pk, {"command": "discharge"})
    flowsheet.record_vitals(nurse, session.pk, GOOD_VITALS)
    lifecycle.transition(nurse, session.pk, {"command": "discharge"})
    assert reads.get_flowsheet(nurse, session.pk).state == "discharged"


def test_signing_needs_the_end_and_then_only_amendments_are_taken(
    nurse: Any, physician: Any, session: Any, walked: Any
) -> None:
    walked("recovery")
    with pytest.raises(Conflict, match="once the patient is discharged"):
        signing.sign_session(nurse, session.pk, SIGNED)
    walked("discharged")
    signature = signing.sign_session(nurse, session.pk, SIGNED)
    assert signature.signed_by == nurse.user
    with pytest.raises(Conflict, match="already signed"):
        signing.sign_session(physician, session.pk, SIGNED)
    with pytest.raises(Conflict, match="signed"):
        flowsheet.add_note(nurse, session.pk, {"text": "after the fact"})
    original = VitalSigns.objects.filter(session=session).first()
    assert original is not None
    corrected = flowsheet.amend_entry(
        physician,
        session.pk,
        "vitals",
        original.pk,
        {"values": {**GOOD_VITALS, "heart_rate_per_min": 76}, "reason": "transcription error"},
    )
    original.refresh_from_db()
    assert original.heart_rate_per_min == GOOD_VITALS["heart_rate_per_min"]
    amendment = corrected.entry
    assert (amendment.amends_id, amendment.amendment_reason, amendment.recorded_by) == (
        original.pk,
        "transcription error",
        physician.user,
    )
    assert amendment.at == original.at
    assert amendment.phase == original.phase
    assert AuditEvent.objects.filter(
        action="session.amend", object_id=str(amendment.pk), detail__amends=original.pk
    ).exists()


def test_an_entry_is_amended_once_then_its_amendment_is(nurse: Any, session: Any) -> None:
    lifecycle.transition(nurse, session.pk, {"command": "check_in"})
    note = flowsheet.add_note(nurse, session.pk, {"text": "pt anxous"}).entry
    fixed = flowsheet.amend_entry(
        nurse, session.pk, "notes", note.pk, {"values": {"text": "pt anxious"}, "reason": "typo"}
    ).entry
    with pytest.raises(Conflict, match="already been amended"):
        flowsheet.amend_entry(
            nurse, session.pk, "notes", note.pk, {"values": {"text": "x"}, "reason": "again"}
        )
    flowsheet.amend_entry(
        nurse, session.pk, "notes", fixed.pk, {"values": {"text": "pt calm"}, "reason": "wrong"}
    )
    assert [n.text for n in Note.objects.filter(session=session).current()] == ["pt calm"]
    with pytest.raises(InvalidInput) as caught:
        flowsheet.amend_entry(nurse, session.pk, "notes", fixed.pk, {"values": {"text": "y"}})
    assert caught.value.errors[0].field == "reason"
    with pytest.raises(NotFound):
        flowsheet.amend_entry(nurse, session.pk, "pump", note.pk, {"values": {}, "reason": "r"})


def test_an_amended_reading_raises_only_the_new_alerts(
    nurse: Any, session: Any, walked: Any
) -> None:
    walked("infusing", minutes_ago=30)
    high = flowsheet.record_vitals(nurse, session.pk, {**GOOD_VITALS, "sbp_mm_hg": 190})
    both = {**GOOD_VITALS, "sbp_mm_hg": 195, "heart_rate_per_min": 130}
    amended = flowsheet.amend_entry(
        nurse, session.pk, "vitals", high.entry.pk, {"values": both, "reason": "re-read"}
    )
    assert [a.code for a in amended.alerts] == ["vitals.hr_high"]
    with pytest.raises(InvalidInput):
        flowsheet.amend_entry(
            nurse,
            session.pk,
            "vitals",
            amended.entry.pk,
            {"values": {**GOOD_VITALS, "sbp_mm_hg": 400}, "reason": "r"},
        )


def test_titration_is_proposed_once_after_discharge(
    nurse: Any, session: Any, walked: Any, order: Any
) -> None:
    walked("recovery")
    with pytest.raises(Conflict, match="after the patient is discharged"):
        titration.propose_titration(nurse, session.pk)
    walked("discharged")
    proposal = titration.propose_titration(nurse, session.pk)
    assert (proposal.order_id, proposal.plan_id) == (order.pk, order.plan_id)
    assert (proposal.baseline_pain_nrs, proposal.pain_after_nrs) == (6, 4)
    assert (proposal.cadss6_score, proposal.peak_sbp_mm_hg) == (6, GOOD_VITALS["sbp_mm_hg"])
    assert proposal.worst_side_effect == "none"
    with pytest.raises(Conflict, match="already exists"):
        titration.propose_titration(nurse, session.pk)
    assert TitrationProposal.objects.count() == 1


def test_titration_compares_pain_now_after_with_the_baseline_24_hour_average(
    nurse: Any, session: Any, walked: Any
) -> None:
    baseline = {"instrument": "nrs_pain_average", "answers": {"nrs_pain_average": 8}}
    assessments.record_assessment(
        nurse,
        session.patient_id,
        {**baseline, "context": "baseline"} | {"completed_at": minutes_ago(60 * 24 * 14)},
    )
    walked("discharged")  # pain right now: 6 before, 4 after the infusion
    proposal = titration.propose_titration(nurse, session.pk)
    assert (proposal.baseline_pain_nrs, proposal.pain_after_nrs) == (8, 4)


def test_a_full_walk_reaches_discharge_with_the_dose_given(
    nurse: Any, session: Any, walked: Any
) -> None:
    walked("discharged")
    sheet = reads.get_flowsheet(nurse, session.pk)
    assert sheet.state == "discharged"
    assert sheet.gaps == []
    assert (sheet.volume_infused_ml, sheet.dose_given_mg) == (35, 35)
    assert [t.to_state for t in sheet.transitions] == [
        "checked_in",
        "pre_checks_done",
        "dose_verified",
        "infusing",
        "infusion_ended",
        "recovery",
        "discharged",
    ]


# --- the tables themselves -----------------------------------------------------------------


def test_rows_refuse_change_and_deletion(nurse: Any, session: Any) -> None:
    lifecycle.transition(nurse, session.pk, {"command": "check_in"})
    step = Transition.objects.get(session=session)
    step.reason = "edited"
    with pytest.raises(AppendOnlyError):
        step.save()
    with pytest.raises(AppendOnlyError):
        Transition.objects.filter(pk=step.pk).update(reason="edited")
    with pytest.raises(AppendOnlyError):
        session.delete()


@pytest.mark.postgres
def test_postgres_refuses_updates_and_rows_after_signing(
    nurse: Any, session: Any, walked: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the triggers exist on PostgreSQL only")
    walked("discharged")
    signing.sign_session(nurse, session.pk, SIGNED)
    for statement in (
        "UPDATE infusions_vitalsigns SET sbp_mm_hg = 100 WHERE session_id = %s",
        "DELETE FROM infusions_transition WHERE session_id = %s",
        "UPDATE infusions_signature SET signed_at = now() WHERE session_id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [session.pk])
    with pytest.raises(DatabaseError, match="is signed"), transaction.atomic():
        VitalSigns.objects.create(
            session=session, at=timezone.now(), recorded_by=nurse.user, phase="post_infusion",
            **GOOD_VITALS,
        )  # fmt: skip
    assert not Signature.objects.filter(session=session).exclude(signed_by=nurse.user).exists()


# --- opening from a booked appointment -----------------------------------------------------


def _appointment(patient: Any, location: Any, hours: int = 0, **fields: Any) -> Any:
    """An infusion booked ``hours`` from now at the location's last chair (written directly:
    booking rules are the bookings area's)."""
    from ketaclinic.records.accounts.models import User
    from ketaclinic.records.bookings.models import Appointment

    start = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=hours)
    return Appointment.objects.create(
        patient=patient,
        location=location,
        chair=location.chairs.order_by("name").last(),
        appointment_type="infusion",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        policy_version="test",
        booked_by=User.objects.get(username="front_desk-user"),
        **fields,
    )


def test_a_session_opened_from_its_appointment_takes_its_place(
    nurse: Any, order: Any, location: Any, patient: Any, register: Callable[..., Any]
) -> None:
    booked = _appointment(patient, location)
    with pytest.raises(InvalidInput) as caught:
        lifecycle.open_session(
            nurse, {"order_id": order.pk, "appointment_id": booked.pk, "location_id": location.pk}
        )
    assert caught.value.errors[0].field == "location_id"
    someone_else = _appointment(register(mrn="MRN-0002"), location, hours=3)
    with pytest.raises(InvalidInput) as caught:
        lifecycle.open_session(nurse, {"order_id": order.pk, "appointment_id": someone_else.pk})
    assert caught.value.errors[0].field == "appointment_id"
    cancelled = _appointment(patient, location, hours=6, status="cancelled")
    with pytest.raises(Conflict, match="cancelled"):
        lifecycle.open_session(nurse, {"order_id": order.pk, "appointment_id": cancelled.pk})
    session = lifecycle.open_session(nurse, {"order_id": order.pk, "appointment_id": booked.pk})
    assert (session.appointment_id, session.location_id, session.chair_id) == (
        booked.pk,
        location.pk,
        booked.chair_id,
    )


def test_every_write_of_a_walk_is_audited_with_the_patient(
    nurse: Any, session: Any, walked: Any
) -> None:
    walked("discharged")
    signing.sign_session(nurse, session.pk, SIGNED)
    reads.get_flowsheet(nurse, session.pk)
    events = AuditEvent.objects.filter(patient_id=session.patient_id, outcome="allowed")
    whats = {(e.action, e.detail.get("what")) for e in events if e.action.startswith("session.")}
    assert whats >= {
        ("session.check_in", "open"),
        ("session.record", "transition"),
        ("session.record", "weight"),
        ("session.record", "vitals"),
        ("session.record", "score"),
        ("session.record", "confirmation"),
        ("session.record", "urinary_screen"),
        ("session.sign", "sign"),
        ("session.view", None),
    }
    transitions = events.filter(detail__what="transition")
    assert transitions.filter(action="session.record").count() == 6
    assert transitions.get(action="session.check_in").detail["command"] == "check_in"
    assert not AuditEvent.objects.filter(outcome="failed").exists()
