"""PRN rescue orders are written with each plan version from its protocol's order set and
signed with it; a drug the patient is allergic to is left out, and the plan says so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from plans_support import SEED

from ketaclinic.dosing.rescue import default_rescue_formulary
from ketaclinic.records.patients import services as patients
from ketaclinic.records.plans import services
from support import SIGNED


def test_a_plan_carries_the_protocols_prn_order_set(
    draft: Callable[..., Any], physician: Any
) -> None:
    plan = draft()
    prn = {p.drug: p for p in plan.prn_orders.all()}
    assert set(prn) == {"midazolam", "ondansetron", "clonidine", "labetalol"}
    spec = default_rescue_formulary().order_set_for(SEED)[0]
    midazolam = prn["midazolam"]
    assert (midazolam.dose_mg, midazolam.max_per_session_mg) == (
        spec.dose_mg.value,
        spec.max_per_session_mg.value,
    )
    assert midazolam.sources["dose_mg"]["source"] == "clinic policy"
    signed = services.sign_plan(physician, plan.pk, SIGNED)
    assert services.get_plan(physician, signed.pk).plan.prn_orders.count() == 4


def test_an_allergy_leaves_its_drugs_out(
    screened: Any, physician: Any, patient: Any, draft: Callable[..., Any]
) -> None:
    patients.update_patient(physician, patient.pk, {"allergies": ["Benzodiazepines (rash)"]})
    plan = draft()
    assert "midazolam" not in {p.drug for p in plan.prn_orders.all()}
    detail = services.get_plan(physician, plan.pk)
    assert [(item.drug, item.allergy.describe()) for item in detail.prn_left_out] == [
        ("midazolam", "Benzodiazepines (rash)")
    ]


def test_the_plan_page_and_api_show_the_prn_orders(
    draft: Callable[..., Any], users: Any, web_as: Any, api_as: Any
) -> None:
    plan = draft()
    page = web_as(users["physician"]).get(f"/plans/{plan.pk}/").content.decode()
    assert "Rescue drugs as needed (PRN)" in page
    assert "ondansetron" in page
    body = api_as(users["physician"]).get(f"/api/plans/{plan.pk}").json()
    assert {p["drug"] for p in body["prn_orders"]} == {
        "midazolam",
        "ondansetron",
        "clonidine",
        "labetalol",
    }


def test_an_order_is_refused_for_a_patient_now_allergic_to_ketamine(
    signed: Any, nurse: Any, physician: Any, patient: Any
) -> None:
    from django.utils import timezone

    from ketaclinic.records.errors import Conflict
    from ketaclinic.records.plans import orders
    from ketaclinic.records.plans.models import Order

    patients.update_patient(physician, patient.pk, {"allergies": ["Ketamine (hallucinations)"]})
    with pytest.raises(Conflict, match="allergic to ketamine"):
        orders.create_order(nurse, signed.pk, {"session_on": timezone.localdate()})
    assert not Order.objects.exists()
    patients.update_patient(physician, patient.pk, {"allergies": ["latex"]})
    assert orders.create_order(nurse, signed.pk, {"session_on": timezone.localdate()}).pk
