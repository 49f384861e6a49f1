"""Plans through the services: dose arithmetic, screening required, hard limits refuse, soft
limits need a physician's reason, signing, amendments that supersede, append-only rows."""

from __future__ import annotations

import math
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plans_support import CHRONIC_PAIN, ESKETAMINE, SEED

from ketaclinic.records.append_only import AppendOnlyError
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput
from ketaclinic.records.patients import services as patients
from ketaclinic.records.plans import screening, services
from ketaclinic.records.plans.models import LimitOverride, PlanSignature, TreatmentPlan
from support import SIGNED


def test_the_seed_regimen_by_hand(signed: Any) -> None:
    """70 kg x 0.5 mg/kg = 35 mg; at 1 mg/mL 35 mL; 35 mL over 40 min = 52.5 mL/h."""
    assert signed.status == "current"
    assert (signed.weight_kg, signed.weight_used_kg) == (70, 70)
    assert (signed.dose_mg_per_kg, signed.prescribed_dose_mg, signed.dose_mg) == (0.5, 35, 35)
    assert (signed.concentration_mg_per_ml, signed.volume_ml) == (1, 35)
    assert (signed.rate_ml_per_h, signed.duration_min) == (52.5, 40)
    assert signed.sessions == 6
    assert signed.dose_result["pk_doses"] == [
        {"route": "iv_infusion", "dose_mg": 35.0, "start_min": 0.0, "duration_min": 40.0}
    ]
    assert signed.versions["protocol"] == signed.protocol_version == "2025.1"
    assert set(signed.versions) == {
        "protocol",
        "clinic",
        "formulary",
        "rules",
        "weight_policies",
        "screening",
    }
    assert signed.dose_request["protocol_version"] == "2025.1"
    series = next(c for c in signed.dose_result["limit_checks"] if c["limit"] == "series_dose_mg")
    assert series["value"] == 6 * 35


def test_a_more_concentrated_bag_by_hand(draft: Any) -> None:
    """35 mg at 2 mg/mL = 17.5 mL; 17.5 x 60 / 40 = 26.25 -> 26.3 mL/h (0.1 mL/h pump)."""
    plan = draft(concentration_mg_per_ml=2)
    assert (plan.volume_ml, plan.rate_ml_per_h) == (17.5, 26.3)
    assert plan.dose_mg == 35
    assert any("pump rate rounded" in warning for warning in plan.dose_result["warnings"])


def test_adjusted_body_weight_by_hand(register: Any, physician: Any) -> None:
    """Female 165 cm, 70 kg: IBW 45.5 + 2.3 x (165/2.54 - 60) = 56.909 kg; adjusted
    56.909 + 0.4 x (70 - 56.909) = 62.145 kg; 2 mg/kg over 4 h = 124.29 mg."""
    patient = register(mrn="ADJ-1")
    _screen(physician, patient)
    plan = services.draft_plan(physician, patient.pk, {"protocol": CHRONIC_PAIN})
    ideal = 45.5 + 2.3 * (165 / 2.54 - 60)
    adjusted = ideal + 0.4 * (70 - ideal)
    assert math.isclose(plan.weight_used_kg, adjusted)
    assert math.isclose(plan.prescribed_dose_mg, 2 * adjusted)
    assert plan.dose_result["weight_policy"] == "adjusted"
    assert math.isclose(plan.volume_ml * plan.concentration_mg_per_ml, plan.dose_mg)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    weight_kg=st.floats(30, 300).map(lambda w: round(w, 1)),
    dose_mg_per_kg=st.floats(0.1, 0.5).map(lambda d: round(d, 3)),
    duration_min=st.sampled_from([40, 45, 50, 60]),
    concentration=st.sampled_from([None, 1, 2, 10]),
)
def test_service_dose_arithmetic(
    screened: Any,
    nurse: Any,
    physician: Any,
    weight_kg: float,
    dose_mg_per_kg: float,
    duration_min: float,
    concentration: float | None,
) -> None:
    """Whatever the weight and choices: weight used = min(weight, cap); the volume holds the
    dose; the pump rate over the real duration gives the volume."""
    patients.record_measurement(nurse, screened.pk, {"weight_kg": weight_kg})
    choices = {"protocol": SEED, "dose_mg_per_kg": dose_mg_per_kg, "duration_min": duration_min}
    if concentration is not None:
        choices["concentration_mg_per_ml"] = concentration
    result = services.calculate(physician, screened.pk, choices)
    assert result.weight_used_kg == min(weight_kg, 120)
    assert math.isclose(result.prescribed_dose_mg, dose_mg_per_kg * result.weight_used_kg)
    assert result.volume_ml is not None
    assert result.rate_ml_per_h is not None
    assert result.concentration_mg_per_ml is not None
    assert math.isclose(result.volume_ml * result.concentration_mg_per_ml, result.dose_mg)
    assert math.isclose(result.rate_ml_per_h * result.duration_min / 60, result.volume_ml)
    half_step_mg = 0.05 * result.concentration_mg_per_ml
    assert abs(result.dose_mg - result.prescribed_dose_mg) <= half_step_mg + 1e-9
    assert concentration is None or result.concentration_mg_per_ml == concentration


def _screen(physician: Any, patient: Any, **facts: Any) -> Any:
    found = screening.run_screening(physician, patient.pk, {"pregnant": False, **facts})
    decision = "eligible" if found.outcome == "eligible" else "proceed_after_review"
    if found.outcome == "not_eligible":
        decision = "not_eligible"
    return screening.decide(physician, found.pk, {"decision": decision, "note": "reviewed"})


def test_a_plan_needs_a_screening_that_allows_it(patient: Any, physician: Any) -> None:
    data = {"protocol": SEED}
    with pytest.raises(Conflict):
        services.draft_plan(physician, patient.pk, data)
    screening.run_screening(physician, patient.pk, {"pregnant": False})
    with pytest.raises(Conflict):
        services.draft_plan(physician, patient.pk, data)
    patients.update_patient(physician, patient.pk, {"history_flags": ["active_psychosis"]})
    _screen(physician, patient)
    with pytest.raises(Conflict):
        services.draft_plan(physician, patient.pk, data)
    patients.update_patient(physician, patient.pk, {"history_flags": ["hypertension"]})
    _screen(physician, patient)
    assert services.draft_plan(physician, patient.pk, data).status == "draft"


@pytest.mark.parametrize(
    ("choices", "field"),
    [
        ({"protocol": "ketamine-by-mouth"}, "protocol"),
        ({"protocol": SEED, "concentration_mg_per_ml": 3}, "concentration_mg_per_ml"),
        ({"protocol": SEED, "dose_mg": 35}, "dose_mg"),
        ({"protocol": SEED, "dose_mg_per_kg": -1}, "dose_mg_per_kg"),
        ({"protocol": SEED, "sessions": 7}, "sessions"),
        ({"protocol": SEED, "sessions": 0}, "sessions"),
        ({"protocol": SEED, "duration_min": "long"}, "duration_min"),
        ({"protocol": SEED, "dose_mg_per_kg": 1.01}, "dose_mg_per_kg"),
        ({"protocol": SEED, "duration_min": 29}, "duration_min"),
        ({"protocol": ESKETAMINE, "dose_mg_per_kg": 0.5}, "dose_mg_per_kg"),
        ({"protocol": ESKETAMINE, "dose_mg": 112}, "dose_mg"),
        ({"protocol": ESKETAMINE, "dose_mg": 50}, "dose_mg"),
        ({"protocol": SEED, "nickname": "x"}, "nickname"),
    ],
)
def test_bad_choices_name_the_field_and_write_nothing(
    screened: Any, physician: Any, choices: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        services.draft_plan(physician, screened.pk, choices)
    assert field in [e.field for e in error.value.errors]
    assert not TreatmentPlan.objects.exists()


def test_missing_height_or_sex_for_the_adjusted_policy(register: Any, physician: Any) -> None:
    no_height = register(mrn="NO-HEIGHT", height_cm=None)
    _screen(physician, no_height)
    with pytest.raises(InvalidInput) as error:
        services.draft_plan(physician, no_height.pk, {"protocol": CHRONIC_PAIN})
    assert error.value.errors[0].field == "height_cm"
    assert "patient's record" in error.value.errors[0].message
    other = register(mrn="SEX-OTHER", sex="other")
    _screen(physician, other)
    with pytest.raises(InvalidInput) as error:
        services.draft_plan(physician, other.pk, {"protocol": CHRONIC_PAIN})
    assert error.value.errors[0].field == "sex"
    assert not TreatmentPlan.objects.exists()


def test_a_weight_out_of_range_refuses_the_plan(screened: Any, nurse: Any, physician: Any) -> None:
    patients.record_measurement(nurse, screened.pk, {"weight_kg": 25})
    with pytest.raises(InvalidInput) as error:
        services.draft_plan(physician, screened.pk, {"protocol": SEED})
    assert error.value.errors[0].field == "weight_kg"
    assert not TreatmentPlan.objects.exists()


def test_a_fixed_dose_protocol(screened: Any, physician: Any) -> None:
    plan = services.draft_plan(physician, screened.pk, {"protocol": ESKETAMINE, "dose_mg": 84})
    assert (plan.dose_mg, plan.volume_ml, plan.rate_ml_per_h) == (84, None, None)
    assert plan.dose_result["preparation"]["units_opened"] == 3
    assert plan.sessions == 8


def test_soft_limits_need_a_reason_each_recorded_and_audited(draft: Any, physician: Any) -> None:
    plan = draft(dose_mg_per_kg=0.8)
    exceeded = set(plan.dose_result["soft_exceeded"])
    assert exceeded == {"dose_mg_per_kg", "rate_mg_per_kg_per_h"}
    with pytest.raises(InvalidInput) as error:
        services.sign_plan(physician, plan.pk, SIGNED)
    assert error.value.errors[0].field.startswith("overrides.")
    with pytest.raises(InvalidInput) as error:
        services.sign_plan(
            physician, plan.pk, {**SIGNED, "overrides": {"dose_mg_per_kg": "tolerated"}}
        )
    assert error.value.errors[0].field == "overrides.rate_mg_per_kg_per_h"
    reasons = {"dose_mg_per_kg": "no relief at 0.5", "rate_mg_per_kg_per_h": "same dose, 40 min"}
    with pytest.raises(InvalidInput) as error:
        services.sign_plan(
            physician, plan.pk, {**SIGNED, "overrides": {**reasons, "duration_min": "not needed"}}
        )
    assert error.value.errors[0].field == "overrides.duration_min"
    assert not PlanSignature.objects.exists()
    signed = services.sign_plan(physician, plan.pk, {**SIGNED, "overrides": reasons})
    assert signed.status == "current"
    recorded = {
        o.limit: (o.reason, o.bound_name, o.bound_value) for o in LimitOverride.objects.all()
    }
    assert recorded == {
        "dose_mg_per_kg": ("no relief at 0.5", "soft_max", 0.5),
        "rate_mg_per_kg_per_h": ("same dose, 40 min", "soft_max", 1.0),
    }
    overrides = AuditEvent.objects.filter(action="plan.override", patient_id=plan.patient_id)
    assert {e.detail["limit"] for e in overrides} == set(reasons)
    sign = AuditEvent.objects.get(action="plan.sign", outcome="allowed")
    assert sign.detail["overrides"] == sorted(reasons)


def test_only_physicians_sign_and_override(
    draft: Any, nurse: Any, actor_for: Any, users: dict[str, Any], patient_user: Any
) -> None:
    plan = draft(dose_mg_per_kg=0.55)
    reasons = {"overrides": {"dose_mg_per_kg": "ok"}}
    for who in (nurse, actor_for(users["front_desk"]), actor_for(users["manager"])):
        with pytest.raises(Forbidden):
            services.sign_plan(who, plan.pk, SIGNED)
        with pytest.raises(Forbidden):
            services.sign_plan(who, plan.pk, {**SIGNED, **reasons})
    with pytest.raises(Forbidden):
        services.sign_plan(actor_for(patient_user), plan.pk, SIGNED)
    denials = AuditEvent.objects.filter(outcome="denied", patient_id=plan.patient_id)
    assert {e.action for e in denials} == {"plan.sign", "plan.override"}
    assert not PlanSignature.objects.exists()


def test_a_signed_plan_is_not_signed_again_and_a_second_plan_must_amend(
    signed: Any, physician: Any
) -> None:
    with pytest.raises(Conflict):
        services.sign_plan(physician, signed.pk, SIGNED)
    with pytest.raises(Conflict):
        services.draft_plan(physician, signed.patient_id, {"protocol": SEED})


def test_an_amendment_supersedes_the_plan_it_amends(signed: Any, physician: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        services.amend_plan(physician, signed.pk, {"duration_min": 60})
    assert error.value.errors[0].field == "reason"
    amendment = services.amend_plan(
        physician, signed.pk, {"duration_min": 60, "reason": "dysphoria at 40 min"}
    )
    assert (amendment.status, amendment.amends_id) == ("draft", signed.pk)
    assert (amendment.dose_mg, amendment.rate_ml_per_h) == (35, 35)
    assert services.current_plan(signed.patient_id) == signed
    services.sign_plan(physician, amendment.pk, SIGNED)
    statuses = {plan.pk: plan.status for plan in services.list_plans(physician, signed.patient_id)}
    assert statuses == {signed.pk: "superseded", amendment.pk: "current"}
    original = TreatmentPlan.objects.get(pk=signed.pk)
    assert (original.duration_min, original.rate_ml_per_h) == (40, 52.5)
    with pytest.raises(Conflict):
        services.amend_plan(physician, signed.pk, {"sessions": 3, "reason": "old version"})


def test_two_amendments_of_one_plan_cannot_both_be_signed(signed: Any, physician: Any) -> None:
    first = services.amend_plan(physician, signed.pk, {"sessions": 4, "reason": "fewer"})
    second = services.amend_plan(physician, signed.pk, {"sessions": 5, "reason": "fewer"})
    services.sign_plan(physician, first.pk, SIGNED)
    with pytest.raises(Conflict):
        services.sign_plan(physician, second.pk, SIGNED)
    assert PlanSignature.objects.count() == 2


def test_changing_the_protocol_resets_personal_values(signed: Any, physician: Any) -> None:
    amendment = services.amend_plan(
        physician, signed.pk, {"protocol": CHRONIC_PAIN, "reason": "longer infusions"}
    )
    assert (amendment.protocol_id, amendment.dose_mg_per_kg, amendment.sessions) == (
        CHRONIC_PAIN,
        2.0,
        5,
    )


def test_a_draft_is_not_signed_after_the_screening_changed(
    draft: Any, physician: Any, patient: Any
) -> None:
    plan = draft()
    patients.update_patient(physician, patient.pk, {"history_flags": ["schizophrenia"]})
    screening.run_screening(physician, patient.pk, {"pregnant": False})
    with pytest.raises(Conflict):
        services.sign_plan(physician, plan.pk, SIGNED)


def test_plans_are_append_only(signed: Any) -> None:
    plan = TreatmentPlan.objects.get(pk=signed.pk)
    plan.dose_mg = 70
    with pytest.raises(AppendOnlyError):
        plan.save()
    with pytest.raises(AppendOnlyError):
        TreatmentPlan.objects.filter(pk=signed.pk).update(dose_mg=70)
    with pytest.raises(AppendOnlyError):
        PlanSignature.objects.all().delete()


@pytest.mark.postgres
def test_postgres_refuses_changes_to_signed_plans(signed: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    for sql in (
        "UPDATE plans_treatmentplan SET dose_mg = 70",
        "DELETE FROM plans_plansignature",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert TreatmentPlan.objects.get(pk=signed.pk).dose_mg == 35


def test_reading_plans_is_audited_and_clinicians_only(
    signed: Any, nurse: Any, actor_for: Any, users: dict[str, Any], patient_user: Any
) -> None:
    detail = services.get_plan(nurse, signed.pk)
    assert detail.protocol is not None
    assert detail.protocol.id == SEED
    assert AuditEvent.objects.filter(action="plan.view", object_id=str(signed.pk)).exists()
    for role in ("front_desk", "manager"):
        with pytest.raises(Forbidden):
            services.get_plan(actor_for(users[role]), signed.pk)
        with pytest.raises(Forbidden):
            services.plan_summary(actor_for(users[role]), signed.patient_id)
    summary = services.plan_summary(actor_for(patient_user), signed.patient_id)
    assert summary is not None
    assert (summary.sessions, summary.duration_min, summary.observation_min) == (6, 40, 60)
    assert "depression research" in summary.evidence_note
    assert not any("dose" in name for name in vars(summary))


@pytest.mark.parametrize("duration_min", [1e-300, 5e-324, 0.001])
def test_an_absurdly_short_infusion_is_refused_not_a_crash(
    screened: Any, physician: Any, duration_min: float
) -> None:
    """Regression: the pump-rate rounding raised decimal.InvalidOperation for huge rates."""
    with pytest.raises(InvalidInput) as error:
        services.draft_plan(
            physician, screened.pk, {"protocol": SEED, "duration_min": duration_min}
        )
    assert "duration_min" in [e.field for e in error.value.errors]
    assert not TreatmentPlan.objects.exists()
