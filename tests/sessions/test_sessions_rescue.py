"""Rescue drugs are given against the plan's PRN orders, with the ketamine dose's limit
machinery: above the ordered dose needs a reason, above the single-dose or the session's
maximum is refused, and a drug the patient is allergic to is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.patients import services as patients
from ketaclinic.records.sessions import flowsheet, reads, rescue
from ketaclinic.records.sessions.models import RescueMedication


def _prn(session: Any, drug: str) -> Any:
    return next(p for p in rescue.prn_orders_for(session) if p.drug == drug)


def _give(nurse: Any, session: Any, drug: str, dose_mg: float, **more: Any) -> Any:
    data = {"prn_order_id": _prn(session, drug).pk, "dose_mg": dose_mg, **more}
    return flowsheet.record_rescue_medication(nurse, session.pk, data)


def _refused_field(call: Callable[[], Any]) -> str:
    with pytest.raises(InvalidInput) as refused:
        call()
    return refused.value.errors[0].field


def test_the_ordered_dose_is_given_with_the_orders_drug_and_route(
    nurse: Any, session: Any, walked: Callable[..., Any]
) -> None:
    walked("infusing", minutes_ago=30)
    given = _give(nurse, session, "midazolam", 1).entry
    assert (given.drug, given.route, given.dose_mg) == ("midazolam", "iv", 1)
    assert given.prn_order.plan_id == session.order.plan_id


def test_a_dose_above_the_ordered_one_needs_a_reason(
    nurse: Any, session: Any, walked: Callable[..., Any]
) -> None:
    walked("infusing", minutes_ago=30)
    assert _refused_field(lambda: _give(nurse, session, "midazolam", 1.5)) == "limit_reason"
    assert not RescueMedication.objects.exists()
    given = _give(nurse, session, "midazolam", 1.5, limit_reason="still agitated").entry
    assert given.limit_reason == "still agitated"
    assert _refused_field(
        lambda: _give(nurse, session, "ondansetron", 4, limit_reason="why not")
    ) == ("limit_reason")


def test_above_the_single_dose_maximum_is_refused(
    nurse: Any, session: Any, walked: Callable[..., Any]
) -> None:
    walked("infusing", minutes_ago=30)
    field = _refused_field(lambda: _give(nurse, session, "midazolam", 3, limit_reason="x"))
    assert field == "dose_mg"
    assert not RescueMedication.objects.exists()


def test_the_sessions_maximum_counts_every_dose_but_a_corrected_one(
    nurse: Any, session: Any, walked: Callable[..., Any]
) -> None:
    walked("infusing", minutes_ago=30)
    _give(nurse, session, "ondansetron", 4)
    second = _give(nurse, session, "ondansetron", 4).entry
    assert _refused_field(lambda: _give(nurse, session, "ondansetron", 4)) == "dose_mg"
    # Correcting the second dose does not count it twice.
    flowsheet.amend_entry(
        nurse,
        session.pk,
        "rescue_medications",
        second.pk,
        {
            "values": {"prn_order_id": second.prn_order_id, "dose_mg": 2},
            "reason": "2 mg was given, not 4",
        },
    )
    sheet = reads.get_flowsheet(nurse, session.pk)
    assert sorted(r.dose_mg for r in sheet.rescue_medications) == [2, 4, 4]


def test_an_order_of_another_plan_is_refused(
    nurse: Any, session: Any, walked: Callable[..., Any]
) -> None:
    walked("infusing", minutes_ago=30)
    data = {"prn_order_id": 999_999, "dose_mg": 1}
    field = _refused_field(lambda: flowsheet.record_rescue_medication(nurse, session.pk, data))
    assert field == "prn_order_id"


def test_a_drug_the_patient_is_now_allergic_to_is_refused(
    nurse: Any, physician: Any, session: Any, walked: Callable[..., Any]
) -> None:
    walked("infusing", minutes_ago=30)
    patients.update_patient(physician, session.patient_id, {"allergies": ["Versed (rash)"]})
    with pytest.raises(InvalidInput, match="allergic to midazolam"):
        _give(nurse, session, "midazolam", 1)
    assert _give(nurse, session, "ondansetron", 4).entry.drug == "ondansetron"


def test_the_api_gives_against_an_order_and_names_the_field(
    session: Any, walked: Callable[..., Any], users: Any, api_as: Callable[..., Any]
) -> None:
    walked("infusing", minutes_ago=30)
    api = api_as(users["nurse"])
    base = f"/api/sessions/{session.pk}"
    old_style = api.post(f"{base}/rescue-medications", {"drug": "midazolam", "dose_mg": 1})
    assert old_style.status_code == 422
    assert "prn_order_id" in old_style.content.decode()
    too_much = api.post(
        f"{base}/rescue-medications", {"prn_order_id": _prn(session, "labetalol").pk, "dose_mg": 50}
    )
    assert too_much.status_code == 422
    assert "dose_mg" in too_much.content.decode()
    sheet = api.get(base).json()
    assert {p["drug"] for p in sheet["prn_orders"]} == {
        "midazolam",
        "ondansetron",
        "clonidine",
        "labetalol",
    }
    assert sheet["rescue_medications"] == []


def test_a_rescue_dose_is_exported_as_a_fhir_medication_administration(
    nurse: Any, physician: Any, session: Any, walked: Callable[..., Any]
) -> None:
    from django.utils import timezone

    from ketaclinic.interop.fhir import patient_bundle
    from ketaclinic.records.outcomes import exchange

    walked("infusing", minutes_ago=30)
    given = _give(nurse, session, "midazolam", 1.5, limit_reason="still agitated").entry
    bundle = patient_bundle(exchange.patient_record(physician, session.patient_id), timezone.now())
    [rescue_given] = [
        e["resource"] for e in bundle["entry"] if e["resource"]["id"] == f"rescue-{given.pk}"
    ]
    assert rescue_given["resourceType"] == "MedicationAdministration"
    assert rescue_given["medicationCodeableConcept"]["text"] == "midazolam"
    assert rescue_given["dosage"]["dose"]["value"] == 1.5
    route = rescue_given["dosage"]["route"]
    assert route["text"] == "Intravenous"  # the clinic's word; the codes below
    assert [c["code"] for c in route["coding"]] == ["47625008", "iv"]  # SNOMED CT, local
    notes = [n["text"] for n in rescue_given["note"]]
    assert "above the ordered dose: still agitated" in notes
