"""The web pages: protocols, screening, building with the live dose, signing, orders, the
double-check, titration, and the chart panel; bad input re-renders with 422."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from plans_support import SEED

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.plans.models import (
    DoubleCheck,
    Order,
    Screening,
    ScreeningDecision,
    TreatmentPlan,
)
from support import SIGNED


def test_protocol_pages_show_the_evidence_and_limits(web_as: Any, users: dict[str, Any]) -> None:
    client = web_as(users["nurse"])
    listing = client.get("/protocols/")
    assert listing.status_code == 200
    assert b"from depression research" in listing.content
    assert b"esketamine-in-56mg" in listing.content
    detail = client.get(f"/protocols/{SEED}/")
    assert detail.status_code == 200
    assert b"hard_max" in detail.content
    assert b"Andrade 2017" in detail.content
    assert client.get("/protocols/no-such-protocol/").status_code == 404
    assert b'href="/protocols/"' in client.get("/patients/").content


@pytest.mark.parametrize("role", ["front_desk", "manager"])
def test_protocols_are_for_clinicians(web_as: Any, users: dict[str, Any], role: str) -> None:
    client = web_as(users[role])
    assert client.get("/protocols/").status_code == 403
    assert b'href="/protocols/"' not in client.get("/").content


def test_screening_run_and_decide(web_as: Any, users: dict[str, Any], patient: Any) -> None:
    client = web_as(users["physician"])
    page = client.get(f"/patients/{patient.pk}/screening/")
    assert page.status_code == 200
    assert b"Not screened yet" in page.content
    bad = client.post(
        f"/patients/{patient.pk}/screening/run/", {"pregnant": "no", "vitals.sbp_mm_hg": "900"}
    )
    assert bad.status_code == 422
    assert b"vitals.sbp_mm_hg" in bad.content or b"between 40 and 300" in bad.content
    assert not Screening.objects.exists()
    ran = client.post(
        f"/patients/{patient.pk}/screening/run/", {"pregnant": "no", "vitals.sbp_mm_hg": "150"}
    )
    assert ran.status_code == 302
    page = client.get(f"/patients/{patient.pk}/screening/")
    assert b"Systolic blood pressure above 140" in page.content
    latest = Screening.objects.get()
    refused = client.post(
        f"/patients/{patient.pk}/screening/{latest.pk}/decide/",
        {"decision": "eligible", "note": "fine"},
    )
    assert refused.status_code == 422
    assert not ScreeningDecision.objects.exists()
    decided = client.post(
        f"/patients/{patient.pk}/screening/{latest.pk}/decide/",
        {"decision": "proceed_after_review", "note": "BP rechecked 132/84"},
    )
    assert decided.status_code == 302
    assert ScreeningDecision.objects.get().decision == "proceed_after_review"


def test_build_page_and_live_dose(web_as: Any, users: dict[str, Any], screened: Any) -> None:
    client = web_as(users["physician"])
    page = client.get(f"/patients/{screened.pk}/plans/new/")
    assert page.status_code == 200
    assert b"35 mg" in page.content
    assert b"52.5 mL/h" in page.content
    assert b"/pk/preview/?patient=" in page.content
    assert b"from depression research" in page.content
    live = client.get(
        f"/patients/{screened.pk}/plans/calculate/",
        {"protocol": SEED, "dose_mg_per_kg": "0.6", "duration_min": "60"},
        headers={"HX-Request": "true"},
    )
    assert live.status_code == 200
    assert b"42 mg" in live.content
    assert b"soft limit" in live.content
    assert b"<html" not in live.content
    hard = client.get(
        f"/patients/{screened.pk}/plans/calculate/", {"protocol": SEED, "dose_mg_per_kg": "2"}
    )
    assert b"HARD LIMIT" in hard.content
    bad = client.get(
        f"/patients/{screened.pk}/plans/calculate/",
        {"protocol": SEED, "concentration_mg_per_ml": "3"},
    )
    assert bad.status_code == 422
    assert b"Concentration (mg/mL)" in bad.content
    assert not TreatmentPlan.objects.exists()


def test_save_sign_order_prepare_verify(
    web_as: Any, users: dict[str, Any], screened: Any, make_user: Any
) -> None:
    physician = web_as(users["physician"])
    refused = physician.post(
        f"/patients/{screened.pk}/plans/new/", {"protocol": SEED, "dose_mg_per_kg": "1.5"}
    )
    assert refused.status_code == 422
    assert b"dose_mg_per_kg" in refused.content
    assert not TreatmentPlan.objects.exists()
    saved = physician.post(
        f"/patients/{screened.pk}/plans/new/", {"protocol": SEED, "dose_mg_per_kg": "0.6"}
    )
    assert saved.status_code == 302
    plan = TreatmentPlan.objects.get()
    page = physician.get(saved["Location"])
    assert b"Reason for overriding dose_mg_per_kg" in page.content
    unsigned = physician.post(f"/plans/{plan.pk}/sign/", SIGNED)
    assert unsigned.status_code == 422
    assert b"overrides.dose_mg_per_kg" in unsigned.content
    signed = physician.post(
        f"/plans/{plan.pk}/sign/",
        {**SIGNED, "overrides.dose_mg_per_kg": "0.5 tolerated, no relief"},
    )
    assert signed.status_code == 302
    assert b"0.5 tolerated, no relief" in physician.get(f"/plans/{plan.pk}/").content

    nurse = web_as(users["nurse"])
    past = nurse.post(f"/plans/{plan.pk}/orders/", {"session_on": "2000-01-01"})
    assert past.status_code == 422
    created = nurse.post(
        f"/plans/{plan.pk}/orders/", {"session_on": timezone.localdate().isoformat()}
    )
    assert created.status_code == 302
    order = Order.objects.get()
    order_page = nurse.get(created["Location"])
    assert b"Awaiting preparation" in order_page.content
    wrong = nurse.post(
        f"/orders/{order.pk}/prepare/", {"dose_mg": "40", "volume_ml": "42", "rate_ml_per_h": "63"}
    )
    assert wrong.status_code == 422
    nurse.post(
        f"/orders/{order.pk}/prepare/", {"dose_mg": "42", "volume_ml": "42", "rate_ml_per_h": "63"}
    )
    self_check = nurse.post(
        f"/orders/{order.pk}/verify/", {"dose_mg": "42", "volume_ml": "42", "rate_ml_per_h": "63"}
    )
    assert self_check.status_code == 422
    assert b"second clinician" in self_check.content

    second = web_as(make_user("nurse", username="second-nurse"))
    form = second.get(f"/orders/{order.pk}/verify/")
    assert form.status_code == 200
    assert b"63" not in form.content.split(b"Your numbers")[0].split(b"<main")[1]
    mismatch = second.post(
        f"/orders/{order.pk}/verify/",
        {**SIGNED, "dose_mg": "42", "volume_ml": "42", "rate_ml_per_h": "36"},
    )
    assert mismatch.status_code == 302
    assert b"Mismatch" in second.get(mismatch["Location"]).content
    second.post(
        f"/orders/{order.pk}/verify/",
        {**SIGNED, "dose_mg": "42", "volume_ml": "42", "rate_ml_per_h": "63"},
    )
    assert DoubleCheck.objects.filter(matches=True).count() == 1
    assert b"Verified" in second.get(f"/orders/{order.pk}/").content


def test_chart_panel_by_role(
    web_as: Any, users: dict[str, Any], signed: Any, order: Any, patient_user: Any
) -> None:
    chart = web_as(users["physician"]).get(f"/patients/{signed.patient_id}/")
    assert b"Screening and plan" in chart.content
    assert b"Awaiting preparation" in chart.content
    assert b"35 mg" in chart.content
    desk = web_as(users["front_desk"]).get(f"/patients/{signed.patient_id}/")
    assert desk.status_code == 200
    assert b"Screening and plan" not in desk.content
    assert b"35 mg" not in desk.content
    own = web_as(patient_user).get(f"/patients/{signed.patient_id}/")
    assert b"Your treatment plan" in own.content
    assert b"52.5" not in own.content
    assert b"mL/h" not in own.content
    # the chart's panels are audited as one entry naming each read
    entry = AuditEvent.objects.filter(action="patient.view", username="patient-user").latest("id")
    assert "plan.view_summary" in [read["action"] for read in entry.detail["reads"]]


def test_amend_confirm_a_weight_and_titrate_on_the_web(
    web_as: Any, users: dict[str, Any], signed: Any, nurse: Any
) -> None:
    from ketaclinic.records.patients import services as patients

    physician = web_as(users["physician"])
    form = physician.get(f"/patients/{signed.patient_id}/plans/new/", {"amends": signed.pk})
    assert form.status_code == 200
    assert b"Why this amendment" in form.content
    no_reason = physician.post(
        f"/patients/{signed.patient_id}/plans/new/",
        {"protocol": SEED, "amends": signed.pk, "duration_min": "60"},
    )
    assert no_reason.status_code == 422
    saved = physician.post(
        f"/patients/{signed.patient_id}/plans/new/",
        {"protocol": SEED, "amends": signed.pk, "duration_min": "60", "reason": "dysphoria"},
    )
    assert saved.status_code == 302
    amendment = TreatmentPlan.objects.get(amends=signed)
    assert (amendment.duration_min, amendment.rate_ml_per_h) == (60, 35)
    physician.post(f"/plans/{amendment.pk}/sign/", SIGNED)
    assert b"superseded by" in physician.get(f"/plans/{signed.pk}/").content

    patients.record_measurement(nurse, signed.patient_id, {"weight_kg": 80})
    today = timezone.localdate().isoformat()
    refused = physician.post(f"/plans/{amendment.pk}/orders/", {"session_on": today})
    assert refused.status_code == 422
    assert b"Confirm the weight" in refused.content
    confirmed = physician.post(f"/plans/{amendment.pk}/confirm-weight/", {"note": "re-weighed"})
    assert confirmed.status_code == 302
    assert physician.post(f"/plans/{amendment.pk}/orders/", {"session_on": today}).status_code == (
        302
    )

    recorded = physician.post(
        f"/plans/{amendment.pk}/titrations/",
        {"worst_side_effect": "severe", "baseline_pain_nrs": "8", "pain_after_nrs": "7"},
    )
    assert recorded.status_code == 302
    page = physician.get(f"/plans/{amendment.pk}/")
    assert b"decrease" in page.content
    proposal = amendment.titrations.get()
    decided = physician.post(
        f"/plans/{amendment.pk}/titrations/{proposal.pk}/decide/", {**SIGNED, "accept": "yes"}
    )
    assert decided.status_code == 302
    newest = TreatmentPlan.objects.get(amends=amendment)
    assert decided["Location"] == f"/plans/{newest.pk}/"
    assert newest.dose_mg_per_kg == 0.4


def test_an_unknown_protocol_is_404(web_as: Any, users: dict[str, Any], screened: Any) -> None:
    client = web_as(users["physician"])
    assert client.get(f"/patients/{screened.pk}/plans/new/", {"protocol": "nope"}).status_code == (
        404
    )


def test_the_plan_page_does_not_query_per_order(
    web_as: Any, users: dict[str, Any], signed: Any, nurse: Any
) -> None:
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ketaclinic.records.plans import orders

    client = web_as(users["nurse"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/plans/{signed.pk}/").status_code == 200
        return len(captured)

    orders.create_order(nurse, signed.pk, {"session_on": timezone.localdate()})
    one = queries()
    for day in (2, 4, 6):
        orders.create_order(
            nurse, signed.pk, {"session_on": timezone.localdate() + timedelta(days=day)}
        )
    assert queries() == one


@pytest.mark.parametrize(
    ("protocol", "shown"),
    [("esketamine-in-56mg", b"56 mg"), ("ketamine-im-0.5mgkg", b"0.7 mL at 50 mg/mL")],
)
def test_build_page_for_other_routes(
    web_as: Any, users: dict[str, Any], screened: Any, protocol: str, shown: bytes
) -> None:
    page = web_as(users["physician"]).get(
        f"/patients/{screened.pk}/plans/new/", {"protocol": protocol}
    )
    assert page.status_code == 200
    assert shown in page.content
    assert b'name="duration_min"' not in page.content


def test_a_titration_change_beyond_a_soft_limit_on_the_web(
    web_as: Any, users: dict[str, Any], signed: Any
) -> None:
    physician = web_as(users["physician"])
    physician.post(
        f"/plans/{signed.pk}/titrations/", {"baseline_pain_nrs": "8", "pain_after_nrs": "7"}
    )
    proposal = signed.titrations.get()
    assert b'name="overrides.dose_mg_per_kg"' in physician.get(f"/plans/{signed.pk}/").content
    url = f"/plans/{signed.pk}/titrations/{proposal.pk}/decide/"
    change = {**SIGNED, "accept": "no", "dose_mg_per_kg": "0.6", "note": "no relief at 0.5"}
    missing = physician.post(url, change)
    assert missing.status_code == 422
    assert b"overrides.dose_mg_per_kg" in missing.content
    done = physician.post(url, {**change, "overrides.dose_mg_per_kg": "tolerated well"})
    assert done.status_code == 302
    assert TreatmentPlan.objects.get(amends=signed).dose_mg == 42
