"""Titration: the rule's proposals recorded against the plan; the physician accepts or changes
them; a new dose is a signed amendment within the limits."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketaclinic.protocols import (
    SEVERITIES,
    SessionResponse,
    SessionTolerance,
    get_protocol,
    propose_titration,
    titration_range,
)
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput
from ketaclinic.records.plans import services, titration
from ketaclinic.records.plans.models import TitrationDecision, TitrationProposal, TreatmentPlan
from support import SIGNED

TOLERATED_NO_RELIEF = {"baseline_pain_nrs": 8, "pain_after_nrs": 7}


@pytest.fixture
def lower(draft: Any, physician: Any) -> Any:
    """A signed plan at 0.4 mg/kg (28 mg for 70 kg), below the protocol's soft maximum."""
    return services.sign_plan(physician, draft(dose_mg_per_kg=0.4).pk, SIGNED)


@pytest.mark.parametrize(
    ("tolerance", "action", "proposed"),
    [
        ({}, "increase", 0.5),
        ({"cadss6_score": 12}, "increase", 0.5),
        ({"cadss6_score": 13}, "decrease", 0.3),
        ({"peak_sbp_mm_hg": 181}, "decrease", 0.3),
        ({"peak_heart_rate_per_min": 151}, "decrease", 0.3),
        ({"worst_side_effect": "severe"}, "decrease", 0.3),
        ({"worst_side_effect": "moderate"}, "hold", 0.4),
    ],
)
def test_proposals_are_recorded(
    lower: Any, nurse: Any, tolerance: dict[str, Any], action: str, proposed: float
) -> None:
    recorded = titration.record_titration(nurse, lower.pk, {**TOLERATED_NO_RELIEF, **tolerance})
    assert (recorded.action, recorded.current_value, recorded.proposed_value) == (
        action,
        0.4,
        proposed,
    )
    assert recorded.quantity == "dose_mg_per_kg"
    assert recorded.rule_id == "tolerance-response"
    assert recorded.reasons
    entry = AuditEvent.objects.get(action="titration.record")
    assert entry.detail["action"] == action


def test_relief_or_the_soft_maximum_holds_the_dose(signed: Any, nurse: Any, order: Any) -> None:
    relieved = titration.record_titration(
        nurse, signed.pk, {"baseline_pain_nrs": 8, "pain_after_nrs": 5.6, "order_id": order.pk}
    )
    assert (relieved.action, relieved.order_id) == ("hold", order.pk)
    at_maximum = titration.record_titration(nurse, signed.pk, TOLERATED_NO_RELIEF)
    assert (at_maximum.action, at_maximum.proposed_value) == ("hold", 0.5)
    assert "physician override" in at_maximum.reasons[0]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"baseline_pain_nrs": 8, "pain_after_nrs": 11}, "pain_after_nrs"),
        ({"baseline_pain_nrs": 0, "pain_after_nrs": 0}, "baseline_pain_nrs"),
        ({**TOLERATED_NO_RELIEF, "cadss6_score": 25}, "cadss6_score"),
        ({**TOLERATED_NO_RELIEF, "worst_side_effect": "awful"}, "worst_side_effect"),
        ({**TOLERATED_NO_RELIEF, "order_id": 999}, "order_id"),
        ({"pain_after_nrs": 4}, "baseline_pain_nrs"),
    ],
)
def test_bad_tolerance_or_response(
    signed: Any, nurse: Any, data: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        titration.record_titration(nurse, signed.pk, data)
    assert error.value.errors[0].field == field
    assert not TitrationProposal.objects.exists()


def test_no_titration_on_a_draft(draft: Any, nurse: Any) -> None:
    with pytest.raises(Conflict):
        titration.record_titration(nurse, draft().pk, TOLERATED_NO_RELIEF)


def test_accepting_a_hold_changes_no_plan(signed: Any, nurse: Any, physician: Any) -> None:
    hold = titration.record_titration(
        nurse, signed.pk, {"baseline_pain_nrs": 8, "pain_after_nrs": 4}
    )
    decision = titration.decide_titration(physician, hold.pk, {**SIGNED, "accept": True})
    assert (decision.accepted, decision.value, decision.amendment_id) == (True, 0.5, None)
    assert TreatmentPlan.objects.count() == 1
    with pytest.raises(Conflict):
        titration.decide_titration(physician, hold.pk, {**SIGNED, "accept": True})


def test_accepting_an_increase_signs_an_amendment(lower: Any, nurse: Any, physician: Any) -> None:
    increase = titration.record_titration(nurse, lower.pk, TOLERATED_NO_RELIEF)
    with pytest.raises(Forbidden):
        titration.decide_titration(nurse, increase.pk, {**SIGNED, "accept": True})
    decision = titration.decide_titration(physician, increase.pk, {**SIGNED, "accept": True})
    amendment = services.get_plan(physician, decision.amendment_id).plan
    assert (amendment.status, amendment.amends_id) == ("current", lower.pk)
    assert (amendment.dose_mg_per_kg, amendment.dose_mg) == (0.5, 35)
    assert "titration" in amendment.amendment_reason
    assert services.get_plan(physician, lower.pk).plan.status == "superseded"
    entry = AuditEvent.objects.get(action="titration.decide", outcome="allowed")
    assert entry.detail["amendment"] == amendment.pk


def test_going_beyond_a_soft_limit_needs_the_override(
    signed: Any, nurse: Any, physician: Any
) -> None:
    held = titration.record_titration(nurse, signed.pk, TOLERATED_NO_RELIEF)
    more = {"accept": False, "dose_mg_per_kg": 0.6, "note": "tolerated, no relief"}
    with pytest.raises(InvalidInput) as error:
        titration.decide_titration(physician, held.pk, {**SIGNED, **more})
    assert error.value.errors[0].field == "overrides.dose_mg_per_kg"
    assert not TitrationDecision.objects.exists()
    assert TreatmentPlan.objects.count() == 1
    reasons = {"dose_mg_per_kg": "no relief at 0.5"}
    decision = titration.decide_titration(
        physician, held.pk, {**SIGNED, **more, "overrides": reasons}
    )
    amendment = TreatmentPlan.objects.get(pk=decision.amendment_id)
    assert amendment.dose_mg == 42
    assert {o.limit for o in amendment.overrides.all()} == set(reasons)


def test_changing_a_proposal_needs_the_dose_and_a_note(
    signed: Any, nurse: Any, physician: Any
) -> None:
    decrease = titration.record_titration(
        nurse, signed.pk, {**TOLERATED_NO_RELIEF, "worst_side_effect": "severe"}
    )
    cases = [
        ({"accept": False, "note": "less"}, "dose_mg_per_kg"),
        ({"accept": False, "dose_mg_per_kg": 0.3}, "note"),
        ({"accept": True, "dose_mg_per_kg": 0.3}, "dose_mg_per_kg"),
        ({"accept": False, "dose_mg": 20, "note": "mg"}, "dose_mg"),
        ({"accept": False, "dose_mg_per_kg": 1.2, "note": "much more"}, "dose_mg_per_kg"),
        ({"accept": True, "overrides": {"dose_mg_per_kg": "x"}}, "overrides.dose_mg_per_kg"),
    ]
    for data, field in cases:
        with pytest.raises(InvalidInput) as error:
            titration.decide_titration(physician, decrease.pk, {**SIGNED, **data})
        assert error.value.errors[0].field == field, data
    assert not TitrationDecision.objects.exists()
    decision = titration.decide_titration(
        physician,
        decrease.pk,
        {**SIGNED, "accept": False, "dose_mg_per_kg": 0.3, "note": "nausea too"},
    )
    assert (decision.accepted, decision.value) == (False, 0.3)
    assert TreatmentPlan.objects.get(pk=decision.amendment_id).dose_mg == 21


def test_a_proposal_on_a_superseded_plan_cannot_be_decided(
    signed: Any, nurse: Any, physician: Any
) -> None:
    proposal = titration.record_titration(nurse, signed.pk, TOLERATED_NO_RELIEF)
    amendment = services.amend_plan(physician, signed.pk, {"sessions": 4, "reason": "fewer"})
    services.sign_plan(physician, amendment.pk, SIGNED)
    with pytest.raises(Conflict):
        titration.decide_titration(physician, proposal.pk, {**SIGNED, "accept": False, "note": "n"})


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    severity=st.sampled_from(SEVERITIES),
    cadss6=st.none() | st.integers(0, 24),
    sbp=st.none() | st.integers(90, 220),
    baseline=st.integers(1, 10),
    after=st.integers(0, 10),
)
def test_the_recorded_proposal_is_the_rule_s_and_stays_in_range(
    signed: Any,
    nurse: Any,
    severity: Any,
    cadss6: int | None,
    sbp: int | None,
    baseline: int,
    after: int,
) -> None:
    data = {
        "worst_side_effect": severity,
        "cadss6_score": cadss6,
        "peak_sbp_mm_hg": sbp,
        "baseline_pain_nrs": baseline,
        "pain_after_nrs": after,
    }
    recorded = titration.record_titration(nurse, signed.pk, data)
    protocol = get_protocol(signed.protocol_id)
    expected = propose_titration(
        protocol,
        0.5,
        SessionTolerance(severity, cadss6, sbp),
        SessionResponse(baseline, after),
    )
    assert (recorded.action, recorded.proposed_value) == (expected.action, expected.proposed_value)
    low, high = titration_range(protocol)
    assert low <= recorded.proposed_value <= high
