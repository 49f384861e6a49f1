"""PK previews through the API and the web: the patient's weight, audit, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.patients.models import Patient

SEED_REGIMEN = [{"route": "iv_infusion", "dose_mg_per_kg": 0.5, "start_min": 0, "duration_min": 40}]
# pharmacology.md §2.1: Domino 1982, 0.5 mg/kg over 40 min ends at 0.240 mg/L at any weight.
DOMINO_END_OF_INFUSION_MG_PER_L = 0.240


def test_api_simulates_for_a_stated_weight(api_as: Any, users: dict[str, Any]) -> None:
    answer = api_as(users["nurse"]).post(
        "/api/pk/simulate", {"regimen": SEED_REGIMEN, "weight_kg": 82}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["model"] == "domino_1982"
    end = body["summary"]["infusion_ends"][0]
    assert end["end_min"] == 40
    assert end["plasma_mg_per_l"] == pytest.approx(DOMINO_END_OF_INFUSION_MG_PER_L, abs=5e-4)
    assert len(body["time_min"]) == len(body["plasma_mg_per_l"])


def test_api_preview_uses_the_patients_latest_weight_and_is_audited(
    api_as: Any, users: dict[str, Any], patient: Any
) -> None:
    client = api_as(users["physician"])
    client.post(f"/api/patients/{patient.pk}/measurements", {"weight_kg": 91})
    answer = client.post(f"/api/patients/{patient.pk}/pk-preview", {"regimen": SEED_REGIMEN})
    assert answer.status_code == 200, answer.content
    assert answer.json()["weight_kg"] == 91
    entry = AuditEvent.objects.filter(action="pk.simulate").get()
    assert (entry.patient_id, entry.detail["weight_kg"]) == (patient.pk, 91)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"regimen": []}, "regimen"),
        ({"regimen": [{"route": "rectal", "dose_mg": 10}]}, "regimen[0].route"),
        ({"regimen": [{"route": "iv_infusion", "dose_mg": 10}]}, "regimen[0].duration_min"),
        ({"regimen": [{"route": "iv_bolus", "dose_mg": -1}]}, "regimen[0].dose_mg"),
        ({"regimen": SEED_REGIMEN, "model": "nonesuch"}, "model"),
        ({"regimen": SEED_REGIMEN, "colour": "red"}, "colour"),
    ],
)
def test_api_bad_input_names_the_field(
    api_as: Any, users: dict[str, Any], patient: Any, body: dict[str, Any], field: str
) -> None:
    answer = api_as(users["physician"]).post(f"/api/patients/{patient.pk}/pk-preview", body)
    assert answer.status_code == 422, answer.content
    assert answer.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"until_min": 19999, "step_min": 0.01}, "step_min"),  # issue 17: 115 MB of JSON
        ({"until_min": 30000}, "until_min"),
        ({"regimen": [{**SEED_REGIMEN[0], "start_min": 30000}]}, "regimen"),
    ],
)
def test_a_simulation_larger_than_a_plot_needs_is_refused(
    api_as: Any, users: dict[str, Any], extra: dict[str, Any], field: str
) -> None:
    answer = api_as(users["nurse"]).post(
        "/api/pk/simulate", {"regimen": SEED_REGIMEN, "weight_kg": 82, **extra}
    )
    assert answer.status_code == 422, answer.content
    assert answer.json()["errors"][0]["field"] == field


def test_the_longest_allowed_plot_is_simulated(api_as: Any, users: dict[str, Any]) -> None:
    answer = api_as(users["nurse"]).post(
        "/api/pk/simulate",
        {"regimen": SEED_REGIMEN, "weight_kg": 82, "until_min": 20160, "step_min": 5},
    )
    assert answer.status_code == 200, answer.content
    assert len(answer.json()["time_min"]) <= 5000


def test_api_preview_without_a_weight_is_refused(
    api_as: Any, users: dict[str, Any], register: Any
) -> None:
    weightless = register(mrn="NO-WEIGHT", weight_kg=None, height_cm=None)
    answer = api_as(users["physician"]).post(
        f"/api/patients/{weightless.pk}/pk-preview", {"regimen": SEED_REGIMEN}
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "weight_kg"


def test_front_desk_sees_no_doses(api_as: Any, users: dict[str, Any], patient: Any) -> None:
    answer = api_as(users["front_desk"]).post(
        f"/api/patients/{patient.pk}/pk-preview", {"regimen": SEED_REGIMEN}
    )
    assert answer.status_code == 403
    assert AuditEvent.objects.get(outcome="denied").action == "pk.simulate"


def test_web_preview_fragment(web_as: Any, users: dict[str, Any], patient: Any) -> None:
    client = web_as(users["physician"])
    answer = client.get(
        "/pk/preview/", {"patient": patient.pk, "regimen": json.dumps(SEED_REGIMEN)}
    )
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "PK preview" in text
    assert "data:image/svg+xml;base64," in text
    assert "0.240" in text  # the concentration at the end of the infusion
    assert "<html" not in text
    bad = client.get("/pk/preview/", {"patient": patient.pk, "regimen": "[{"})
    assert bad.status_code == 422
    assert b"Regimen" in bad.content


def test_simulator_compares_presets(web_as: Any, users: dict[str, Any]) -> None:
    answer = web_as(users["nurse"]).get(
        "/pk/simulator/", {"preset": "40 vs 60 min infusion", "weight_kg": "70"}
    )
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "0.5 mg/kg over 40 min" in text
    assert "0.5 mg/kg over 60 min" in text
    assert text.count("<tr><td>0.5 mg/kg over") == 2
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"weight_kg": "heavy", "a_route": "iv_bolus", "a_dose_mg": "10"},
            b"Weight (kg): must be a number",
        ),
        ({"weight_kg": "70"}, b"describe at least one regimen"),
        ({"weight_kg": "70", "a_route": "iv_bolus", "a_dose_mg": "-3"}, b"Regimen A: dose (mg)"),
    ],
)
def test_simulator_bad_input(
    web_as: Any, users: dict[str, Any], params: dict[str, str], message: bytes
) -> None:
    answer = web_as(users["nurse"]).get("/pk/simulator/", params)
    assert answer.status_code == 422
    assert message in answer.content
