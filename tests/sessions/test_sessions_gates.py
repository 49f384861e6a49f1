"""The session's gates (issue 13): each rule with a case it stops and one it passes, physician
overrides through every face, and a property test that no sequence of steps reaches
"discharged" or "signed" without the required records or an override."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sessions_support import (
    ALDRETE_READY,
    CADSS6_MILD,
    CADSS6_NONE,
    GOOD_VITALS,
    LATE,
    minutes_to_discharge,
    walk,
)

from ketaclinic.protocols import SessionResponse, SessionTolerance, get_protocol, propose_titration
from ketaclinic.records.alerts import services as alert_services
from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput
from ketaclinic.records.sessions import (
    checklist,
    flowsheet,
    lifecycle,
    overrides,
    reads,
    scores,
    signing,
    supply,
)
from ketaclinic.records.sessions.common import load_timeline
from ketaclinic.records.sessions.gates import Blocked
from ketaclinic.records.sessions.models import GateOverride, Session, Signature, VitalSigns
from ketaclinic.records.sessions.titration import instability
from ketaclinic.sessions import (
    DissociationFacts,
    EndFacts,
    State,
    aldrete_below_floor,
    dissociation_problems,
    implausible_end,
    missing_vitals,
    session_rules,
    side_effect_findings,
)
from support import SIGNED

RULES = session_rules()
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.get_fixed_timezone(0))
URGENT_VITALS = {
    "sbp_mm_hg": 200,
    "dbp_mm_hg": 120,
    "heart_rate_per_min": 130,
    "spo2_percent": 89,
    "resp_rate_per_min": 14,
}


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def gates_of(error: Blocked) -> set[str]:
    return {blocker.gate for blocker in error.blockers}


# --- the domain checks -------------------------------------------------------------------


def test_monitoring_names_each_missing_scheduled_set() -> None:
    start, end, out = _at(10), _at(50), _at(111)
    every_15 = [_at(m) for m in (5, 25, 40, 50, 65, 80, 95, 110)]
    assert missing_vitals(every_15, start, end, out, 15, RULES) == []
    nothing = missing_vitals([], start, end, out, 15, RULES)
    assert [m.split(" (")[0] for m in nothing] == [
        "a set at the start of the infusion",
        "a set at the end of the infusion",
        "a set in the 15 min before discharge",
        "a set between 09:10 and 10:51",
    ]
    # One set 25 minutes late in recovery (beyond 15 + 5 grace) is named by its gap.
    late = [t for t in every_15 if t != _at(65)]
    assert missing_vitals(late, start, end, out, 15, RULES) == [
        "a set between 09:50 and 10:20 (due every 15 min)"
    ]


def test_aldrete_items_below_their_floor_are_named_whatever_the_total() -> None:
    assert aldrete_below_floor(ALDRETE_READY, RULES) == []
    rousable = {**ALDRETE_READY, "consciousness": 1}  # total 9
    assert aldrete_below_floor(rousable, RULES) == ["consciousness scored 1 (needs 2)"]
    on_oxygen = {**ALDRETE_READY, "oxygen_saturation": 1}
    assert aldrete_below_floor(on_oxygen, RULES) == ["oxygen saturation scored 1 (needs 2)"]


def test_dissociation_is_scored_at_the_end_and_before_discharge_and_resolved() -> None:
    facts = DissociationFacts(_at(50), _at(111), None, [(_at(52), 6.0), (_at(105), 1.0)])
    assert dissociation_problems(facts, RULES) == []
    unresolved = DissociationFacts(_at(50), _at(111), None, [(_at(52), 6.0), (_at(105), 4.0)])
    assert "not resolved" in dissociation_problems(unresolved, RULES)[0]
    # Back to the patient's own baseline counts as resolved.
    own = DissociationFacts(_at(50), _at(111), 4.0, [(_at(52), 6.0), (_at(105), 4.0)])
    assert dissociation_problems(own, RULES) == []
    never = DissociationFacts(_at(50), _at(111), None, [])
    assert len(dissociation_problems(never, RULES)) == 2


def test_an_impossible_end_is_named_and_a_plausible_one_passes() -> None:
    ok = EndFacts(_at(10), _at(50), 35, 52.5, 40, stopped_early=False)
    assert implausible_end(ok, RULES) == []
    four_minutes = EndFacts(_at(10), _at(14), 35, 52.5, 40, stopped_early=False)
    problems = implausible_end(four_minutes, RULES)
    assert "525 mL/h, above the programmed 52.5 mL/h" in problems[0]
    assert "ended after 4 min of the 40 min ordered" in problems[1]


@pytest.mark.parametrize(
    ("kind", "severity", "alerts"),
    [
        ("hallucinations", "mild", False),
        ("hallucinations", "moderate", True),
        ("agitation", "moderate", True),
        ("dissociation", "moderate", True),
        ("nausea", "moderate", False),
        ("respiratory_depression", "mild", True),
        ("allergic_reaction", "mild", True),
        ("hypersalivation", "severe", True),
    ],
)
def test_side_effects_alert_from_their_own_severity(kind: str, severity: str, alerts: bool) -> None:
    found = side_effect_findings(kind, severity, RULES)
    assert bool(found) is alerts
    if found:
        assert found[0].suggested_action


def test_titration_never_increases_after_what_the_session_found() -> None:
    seed = get_protocol("ketamine-iv-0.5mgkg-40min")
    no_relief = SessionResponse(baseline_pain_nrs=8, pain_nrs=7)
    assert propose_titration(seed, 0.3, SessionTolerance(), no_relief).action == "increase"
    unstable = SessionTolerance(session_instability=("urgent alert in the session: HR 140",))
    proposal = propose_titration(seed, 0.3, unstable, no_relief)
    assert proposal.action == "decrease"
    assert "urgent alert in the session: HR 140" in proposal.reasons


# --- the records: start ------------------------------------------------------------------


def _to_dose_verified(nurse: Any, session: Session, vitals: dict[str, int]) -> None:
    start = timezone.now() - timedelta(minutes=30)
    walk(nurse, session.pk, State.DOSE_VERIFIED, start)
    flowsheet.record_vitals(nurse, session.pk, vitals)
    # The draw gate has its own tests (test_sessions_supply): here the bag comes from elsewhere.
    supply.waive_draw(nurse, session.pk, {"reason": "Bag prepared by the hospital pharmacy"})


def _start(nurse: Any, session: Session) -> Any:
    pump = {"rate_ml_per_h": session.order.rate_ml_per_h, "vtbi_ml": session.order.volume_ml}
    return lifecycle.transition(nurse, session.pk, {"command": "start_infusion", **pump})


def test_urgent_pre_infusion_vitals_stop_the_start_until_rechecked(
    nurse: Any, physician: Any, session: Session
) -> None:
    _to_dose_verified(nurse, session, URGENT_VITALS)
    with pytest.raises(Blocked) as refused:
        _start(nurse, session)
    assert gates_of(refused.value) == {"start.urgent_vitals", "start.urgent_alerts"}
    for alert in Alert.objects.filter(acknowledgement__isnull=True):
        alert_services.acknowledge(physician, alert.pk, "seen, recheck")
    with pytest.raises(Blocked) as still:
        _start(nurse, session)
    assert gates_of(still.value) == {"start.urgent_vitals"}
    flowsheet.record_vitals(nurse, session.pk, GOOD_VITALS)
    assert _start(nurse, session).to_state == State.INFUSING


def test_an_urgent_alert_of_the_patient_raised_that_morning_stops_the_start_unless_overridden(
    nurse: Any, physician: Any, session: Session
) -> None:
    _to_dose_verified(nurse, session, GOOD_VITALS)
    item9 = alert_services.NewAlert("phq9.item9", "PHQ-9 item 9 answered 2", "urgent")
    alert_services.raise_alerts(nurse, session.patient, session.patient, [item9])
    sheet = reads.get_flowsheet(nurse, session.pk)
    assert [b.gate for b in sheet.blockers] == ["start.urgent_alerts"]
    assert "PHQ-9 item 9" in sheet.blockers[0].message
    assert [a.code for a in sheet.patient_alerts] == ["phq9.item9"]
    with pytest.raises(Blocked):
        _start(nurse, session)
    with pytest.raises(Forbidden):
        overrides.record_override(
            nurse, session.pk, {**SIGNED, "gate": "start.urgent_alerts", "reason": "x"}
        )
    with pytest.raises(InvalidInput) as unknown:
        overrides.record_override(
            physician, session.pk, {**SIGNED, "gate": "start.whim", "reason": "x"}
        )
    assert unknown.value.errors[0].field == "gate"
    override = overrides.record_override(
        physician,
        session.pk,
        {**SIGNED, "gate": "start.urgent_alerts", "reason": "spoke with her: safe"},
    )
    assert "PHQ-9 item 9" in override.blocked
    assert AuditEvent.objects.filter(action="session.override", outcome="allowed").exists()
    with pytest.raises(Conflict, match="already overridden"):
        overrides.record_override(
            physician, session.pk, {**SIGNED, "gate": "start.urgent_alerts", "reason": "again"}
        )
    assert _start(nurse, session).to_state == State.INFUSING
    assert [o.gate for o in reads.get_flowsheet(nurse, session.pk).overrides] == [
        "start.urgent_alerts"
    ]


# --- the records: monitoring, discharge, ends, titration --------------------------------


def test_discharge_without_monitoring_is_refused(nurse: Any, session: Session) -> None:
    start = timezone.now() - timedelta(minutes=minutes_to_discharge(session) + 3)
    walk(nurse, session.pk, State.INFUSION_ENDED, start)
    ended = load_timeline(session).infusion_ended_at
    recovery = {"command": "start_recovery", "at": ended + timedelta(minutes=1)}
    lifecycle.transition(nurse, session.pk, recovery)  # and no vitals for an hour
    scores.record_score(nurse, session.pk, {"instrument": "cadss6", "answers": CADSS6_NONE})
    for item in RULES.discharge.confirmations:
        checklist.confirm(nurse, session.pk, {"kind": item.kind})
    scores.record_score(
        nurse, session.pk, {"instrument": "nrs_pain_now", "answers": {"nrs_pain_now": 3}}
    )
    scores.record_score(nurse, session.pk, {"instrument": "aldrete", "answers": ALDRETE_READY})
    with pytest.raises(Blocked) as refused:
        lifecycle.transition(nurse, session.pk, {"command": "discharge"})
    assert "discharge.monitoring" in gates_of(refused.value)
    assert "a set in the 15 min before discharge" in str(refused.value)


def test_an_aldrete_of_nine_with_consciousness_one_is_refused(
    nurse: Any, session: Session, walked: Any
) -> None:
    walked("recovery")
    for item in RULES.discharge.confirmations:
        checklist.confirm(nurse, session.pk, {"kind": item.kind})
    scores.record_score(
        nurse, session.pk, {"instrument": "nrs_pain_now", "answers": {"nrs_pain_now": 3}}
    )
    rousable = {**ALDRETE_READY, "consciousness": 1}
    scores.record_score(nurse, session.pk, {"instrument": "aldrete", "answers": rousable})
    flowsheet.record_vitals(nurse, session.pk, GOOD_VITALS)
    with pytest.raises(Blocked) as refused:
        lifecycle.transition(nurse, session.pk, {"command": "discharge"})
    assert gates_of(refused.value) == {"discharge.aldrete_floors"}
    scores.record_score(nurse, session.pk, {"instrument": "aldrete", "answers": ALDRETE_READY})
    assert (
        lifecycle.transition(nurse, session.pk, {"command": "discharge"}).to_state == "discharged"
    )


def test_dissociation_not_resolved_stops_discharge(
    nurse: Any, session: Session, walked: Any
) -> None:
    walked("recovery")
    for item in RULES.discharge.confirmations:
        checklist.confirm(nurse, session.pk, {"kind": item.kind})
    scores.record_score(
        nurse, session.pk, {"instrument": "nrs_pain_now", "answers": {"nrs_pain_now": 3}}
    )
    scores.record_score(nurse, session.pk, {"instrument": "aldrete", "answers": ALDRETE_READY})
    scores.record_score(nurse, session.pk, {"instrument": "cadss6", "answers": CADSS6_MILD})
    flowsheet.record_vitals(nurse, session.pk, GOOD_VITALS)
    with pytest.raises(Blocked) as refused:
        lifecycle.transition(nurse, session.pk, {"command": "discharge"})
    assert gates_of(refused.value) == {"discharge.dissociation"}
    scores.record_score(nurse, session.pk, {"instrument": "cadss6", "answers": CADSS6_NONE})
    lifecycle.transition(nurse, session.pk, {"command": "discharge"})


def test_an_end_four_minutes_after_the_start_with_the_full_volume_needs_a_reason(
    nurse: Any, session: Session
) -> None:
    started = timezone.now() - timedelta(minutes=30)
    walk(nurse, session.pk, State.INFUSING, started)
    end = {
        "command": "end_infusion",
        "volume_infused_ml": 35,
        "at": started + timedelta(minutes=14),
    }
    with pytest.raises(InvalidInput) as refused:
        lifecycle.transition(nurse, session.pk, end)
    assert refused.value.errors[0].field == "reason"
    assert "above the programmed 52.5 mL/h" in refused.value.errors[0].message
    lifecycle.transition(nurse, session.pk, {**end, "reason": "pump fault: bolus, physician told"})
    sheet = reads.get_flowsheet(nurse, session.pk)
    assert "above the programmed" in sheet.end_problems[0]


def test_a_late_set_of_vitals_needs_its_reason(nurse: Any, session: Session, walked: Any) -> None:
    walked("infusing", minutes_ago=40)
    earlier = timezone.now() - timedelta(minutes=20)
    with pytest.raises(InvalidInput) as refused:
        flowsheet.record_vitals(nurse, session.pk, {**GOOD_VITALS, "at": earlier})
    assert refused.value.errors[0].field == "late_reason"
    recorded = flowsheet.record_vitals(nurse, session.pk, {**GOOD_VITALS, **LATE, "at": earlier})
    assert (recorded.entry.at, recorded.entry.late_reason) == (earlier, LATE["late_reason"])


def test_a_diastolic_of_118_during_the_infusion_alerts_and_is_flagged(
    nurse: Any, session: Session, walked: Any
) -> None:
    walked("infusing", minutes_ago=30)
    high = flowsheet.record_vitals(nurse, session.pk, {**GOOD_VITALS, "dbp_mm_hg": 118})
    assert {a.code for a in high.alerts} == {"vitals.dbp_high", "vitals.dbp_rise"}
    rows = reads.get_flowsheet(nurse, session.pk).vitals
    assert rows[-1].flags == {"dbp_mm_hg": "H"}
    assert rows[0].flags == {}


def test_the_session_tells_titration_what_it_found(
    nurse: Any, session: Session, walked: Any
) -> None:
    walked("infusing", minutes_ago=30)
    assert instability(session) == []
    flowsheet.record_vitals(
        nurse, session.pk, {**GOOD_VITALS, "heart_rate_per_min": 140, "spo2_percent": 90}
    )
    midazolam = session.order.plan.prn_orders.get(drug="midazolam")
    flowsheet.record_rescue_medication(
        nurse, session.pk, {"prn_order_id": midazolam.pk, "dose_mg": 1}
    )
    found = instability(session)
    assert any(
        text.startswith("urgent alert in the session: Heart rate above 120") for text in found
    )
    assert "rescue medication given: midazolam 1 mg" in found
    assert any(text.startswith("SPO2 90 outside limits") for text in found)


# --- the API -----------------------------------------------------------------------------


def test_the_api_names_the_blocking_gate_and_a_physician_overrides_it(
    api_as: Any, users: dict[str, Any], nurse: Any, session: Session
) -> None:
    _to_dose_verified(nurse, session, URGENT_VITALS)
    base = f"/api/sessions/{session.pk}"
    pump = {"rate_ml_per_h": 52.5, "vtbi_ml": 35}
    nurse_api, physician_api = api_as(users["nurse"]), api_as(users["physician"])
    refused = nurse_api.post(f"{base}/transitions", {"command": "start_infusion", **pump})
    assert refused.status_code == 409
    fields = {error["field"] for error in refused.json()["errors"]}
    assert fields == {"start.urgent_vitals", "start.urgent_alerts"}
    assert {b["gate"] for b in nurse_api.get(base).json()["blockers"]} == fields
    body = {"gate": "start.urgent_vitals", "reason": "known hypertensive, treated"}
    assert nurse_api.post(f"{base}/overrides", {**SIGNED, **body}).status_code == 403
    assert (
        physician_api.post(
            f"{base}/overrides", {**SIGNED, "gate": "start.urgent_vitals"}
        ).status_code
        == 422
    )
    signed = physician_api.post(f"{base}/overrides", {**SIGNED, **body})
    assert (signed.status_code, signed.json()["signed_by"]) == (201, "physician-user")
    physician_api.post(f"{base}/overrides", {**SIGNED, **body, "gate": "start.urgent_alerts"})
    assert (
        nurse_api.post(f"{base}/transitions", {"command": "start_infusion", **pump}).status_code
        == 201
    )
    assert [o["gate"] for o in nurse_api.get(base).json()["overrides"]] == [
        "start.urgent_vitals",
        "start.urgent_alerts",
    ]


# --- the property ------------------------------------------------------------------------

# What the nurse may get wrong at a step (or nothing).
DEFECTS = (
    "none",
    "none",
    "none",
    "urgent_vitals",
    "no_confirmations",
    "skip_vitals",
    "aldrete_floor",
    "dissociated",
)
GATES_AT = {
    State.INFUSING: ("start.urgent_vitals", "start.urgent_alerts", "start.confirmations"),
    State.DISCHARGED: (
        "discharge.monitoring",
        "discharge.last_vitals",
        "discharge.aldrete_floors",
        "discharge.dissociation",
    ),
}


def _each_gate_met_or_overridden(session: Session, reached: State, at: datetime) -> None:
    """Checked independently of the gates' code: the simplest reading of each rule."""
    lifted = set(GateOverride.objects.filter(session=session).values_list("gate", flat=True))
    vitals = list(VitalSigns.objects.current().filter(session=session, at__lte=at).order_by("at"))
    if reached == State.INFUSING:
        pre = [v for v in vitals if v.phase == "pre_infusion"]
        calm = pre and 90 <= pre[-1].sbp_mm_hg <= 180 and 50 <= pre[-1].heart_rate_per_min <= 120
        assert calm or "start.urgent_vitals" in lifted
        urgent_open = Alert.objects.filter(
            patient=session.patient, severity="urgent", acknowledgement__isnull=True
        ).exists()
        assert not urgent_open or "start.urgent_alerts" in lifted
    if reached == State.DISCHARGED:
        recent = [v for v in vitals if at - v.at <= timedelta(minutes=15)]
        assert recent or "discharge.monitoring" in lifted
        from ketaclinic.records.sessions.readiness import session_assessments

        aldrete = (
            session_assessments(session)
            .filter(instrument_id="aldrete")
            .order_by("-completed_at")
            .first()
        )
        floors_met = aldrete is not None and all(
            aldrete.answers[item] == 2
            for item in ("consciousness", "respiration", "oxygen_saturation")
        )
        assert floors_met or "discharge.aldrete_floors" in lifted
        cadss = (
            session_assessments(session)
            .filter(instrument_id="cadss6")
            .order_by("-completed_at")
            .first()
        )
        assert (cadss is not None and cadss.total <= 2) or "discharge.dissociation" in lifted


def test_no_sequence_reaches_discharged_or_signed_without_the_records_or_an_override(
    nurse: Any,
    physician: Any,
    register: Callable[..., Any],
    make_order: Callable[..., Any],
    open_session: Callable[..., Any],
) -> None:
    counter = iter(range(10_000))
    reached: set[str] = set()

    class SessionSteps(RuleBasedStateMachine):
        """A nurse takes the session on, one lifecycle step at a time, each done well or with
        one thing missing or wrong; a physician sometimes overrides a gate or acknowledges the
        alerts. Time moves forward on a clock that starts 150 minutes ago."""

        def __init__(self) -> None:
            super().__init__()
            patient = register(mrn=f"MRN-PROP-{next(counter)}", given_name="Prop")
            self.session = open_session(make_order(patient))
            self.clock = timezone.now() - timedelta(minutes=150)

        def _try(self, call: Callable[[], Any]) -> None:
            with contextlib.suppress(Conflict, InvalidInput):
                call()

        def _later(self, minutes: float) -> datetime:
            self.clock = min(self.clock + timedelta(minutes=minutes), timezone.now())
            return self.clock

        def _vitals(self, values: dict[str, int]) -> None:
            data = {**values, **LATE, "at": self.clock}
            self._try(lambda: flowsheet.record_vitals(nurse, self.session.pk, data))

        def _score(self, instrument: str, answers: dict[str, Any]) -> None:
            data = {"instrument": instrument, "answers": answers, "at": self.clock}
            self._try(lambda: scores.record_score(nurse, self.session.pk, data))

        def _confirm_all(self, kinds: tuple[Any, ...]) -> None:
            for item in kinds:
                data = {"kind": item.kind, "at": self.clock}
                self._try(lambda data=data: checklist.confirm(nurse, self.session.pk, data))  # type: ignore[misc]

        def _go(self, command: str, **extra: Any) -> None:
            before = load_timeline(self.session).state
            data = {"command": command, "at": self._later(1), **extra}
            self._try(lambda: lifecycle.transition(nurse, self.session.pk, data))
            after = load_timeline(self.session).state
            if after != before and after in GATES_AT:
                _each_gate_met_or_overridden(self.session, after, self.clock)
                reached.add(after)

        @rule(defect=st.sampled_from(DEFECTS))
        def proceed(self, defect: str) -> None:
            state = load_timeline(self.session).state
            if state == State.SCHEDULED:
                self._go("check_in")
            elif state == State.CHECKED_IN:
                self._vitals(URGENT_VITALS if defect == "urgent_vitals" else GOOD_VITALS)
                self._score("nrs_pain_now", {"nrs_pain_now": 6})
                self._score("nrs_pain_average", {"nrs_pain_average": 5})
                if defect != "no_confirmations":
                    self._confirm_all(RULES.pre_checks.confirmations)
                self._go("complete_pre_checks")
            elif state == State.PRE_CHECKS_DONE:
                self._go("verify_dose")
            elif state == State.DOSE_VERIFIED:
                if supply.start_finding(self.session) is not None:
                    reason = {"reason": "Bag prepared by the hospital pharmacy"}
                    self._try(lambda: supply.waive_draw(nurse, self.session.pk, reason))
                self._go("start_infusion", rate_ml_per_h=52.5, vtbi_ml=35)
            elif state == State.INFUSING:
                for _ in range(3):
                    self._later(13)
                    if defect != "skip_vitals":
                        self._vitals(GOOD_VITALS)
                self._score("cadss6", CADSS6_MILD)
                self._go("end_infusion", volume_infused_ml=35, reason="as the pump shows")
            elif state == State.INFUSION_ENDED:
                self._score("cadss6", CADSS6_MILD)
                self._go("start_recovery")
            elif state == State.RECOVERY:
                for _ in range(4):
                    self._later(14)
                    if defect != "skip_vitals":
                        self._vitals(URGENT_VITALS if defect == "urgent_vitals" else GOOD_VITALS)
                floor = {**ALDRETE_READY, "consciousness": 1}
                self._score("aldrete", floor if defect == "aldrete_floor" else ALDRETE_READY)
                self._score("cadss6", CADSS6_MILD if defect == "dissociated" else CADSS6_NONE)
                self._score("nrs_pain_now", {"nrs_pain_now": 3})
                if defect != "no_confirmations":
                    self._confirm_all(RULES.discharge.confirmations)
                self._go("discharge")
            elif state == State.DISCHARGED:
                self._try(lambda: signing.sign_session(nurse, self.session.pk, SIGNED))

        @rule(gate=st.sampled_from(sorted(RULES.gates)))
        def override(self, gate: str) -> None:
            data = {"gate": gate, "reason": "decided at the bedside"}
            self._try(
                lambda: overrides.record_override(physician, self.session.pk, {**SIGNED, **data})
            )

        @rule()
        def acknowledge_alerts(self) -> None:
            open_ = Alert.objects.filter(patient=self.session.patient, acknowledgement__isnull=True)
            for alert in open_:
                alert_services.acknowledge(physician, alert.pk, "seen")

        @invariant()
        def signed_only_when_discharged_and_alerts_closed(self) -> None:
            if Signature.objects.filter(session=self.session).exists():
                reached.add("signed")
                assert load_timeline(self.session).state == State.DISCHARGED
                assert not Alert.objects.filter(
                    infusion_session__session=self.session, acknowledgement__isnull=True
                ).exists()

    run_state_machine_as_test(
        SessionSteps,
        settings=settings(
            max_examples=10,
            derandomize=True,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # The walk did get there, so the checks above were exercised.
    assert {State.INFUSING, State.DISCHARGED, "signed"} <= reached


def test_an_override_is_in_the_fhir_export_and_the_patient_report(
    nurse: Any, physician: Any, session: Session, walked: Any
) -> None:
    from ketaclinic.interop.fhir.export import patient_bundle
    from ketaclinic.records.outcomes.exchange import patient_record

    walked("recovery")
    reason = {"gate": "discharge.dissociation", "reason": "calm, oriented; CADSS-6 refused"}
    overrides.record_override(physician, session.pk, {**SIGNED, **reason})
    walked("discharged")
    bundle = patient_bundle(patient_record(physician, session.patient_id), timezone.now())
    [given] = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "MedicationAdministration"
    ]
    notes = [note["text"] for note in given["note"]]
    assert any(
        text.startswith("Physician override (Dissociation not scored at the end of the infusion")
        and "calm, oriented" in text
        and "discharge.dissociation" not in text
        for text in notes
    )
    signing.sign_session(nurse, session.pk, SIGNED)
    late = {"gate": "discharge.monitoring", "reason": "after the fact"}
    with pytest.raises(Conflict, match="is signed"):
        overrides.record_override(physician, session.pk, {**SIGNED, **late})
