"""Allergies on the patient record: plain text still accepted and coded, coded objects
accepted, bad input refused naming the field with nothing written, existing text migrated,
screening reads them, and every patient page shows the banner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps

from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.patients import services
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.plans import screening


def test_the_api_codes_plain_text_allergies(api_as: Callable[[Any], Any], users: Any) -> None:
    from support import PATIENT_DATA

    answer = api_as(users["physician"]).post(
        "/api/patients",
        {**PATIENT_DATA, "allergies": ["Ketamine (anaphylaxis)", "Strawberries"]},
    )
    assert answer.status_code == 201, answer.content
    allergies = answer.json()["allergies"]
    assert [(a["allergen"], a["reaction"], a["flagged"]) for a in allergies] == [
        ("ketamine", "anaphylaxis", False),
        ("other", "", True),
    ]


def test_a_coded_allergy_with_an_unknown_allergen_is_a_422(
    api_as: Callable[[Any], Any], users: Any, patient: Any
) -> None:
    answer = api_as(users["physician"]).patch(
        f"/api/patients/{patient.pk}", {"allergies": [{"allergen": "cats"}]}
    )
    assert answer.status_code == 422
    assert "allergies" in answer.content.decode()
    patient.refresh_from_db()
    assert patient.allergies == []


def test_the_service_accepts_coded_allergies(
    actor_for: Callable[..., Any], users: Any, patient: Any
) -> None:
    services.update_patient(
        actor_for(users["physician"]),
        patient.pk,
        {"allergies": [{"allergen": "latex", "reaction": "hives", "severity": "moderate"}]},
    )
    patient.refresh_from_db()
    assert patient.allergies == [
        {"allergen": "latex", "reaction": "hives", "severity": "moderate", "text": ""}
    ]
    with pytest.raises(InvalidInput) as refused:
        services.update_patient(
            actor_for(users["physician"]),
            patient.pk,
            {"allergies": [{"allergen": "latex", "severity": "fatal"}]},
        )
    assert refused.value.errors[0].field.startswith("allergies")


def test_existing_text_allergies_are_migrated_the_same_way(patient: Any) -> None:
    from importlib import import_module

    migration = import_module("ketaclinic.records.patients.migrations.0003_structured_allergies")
    Patient.objects.filter(pk=patient.pk).update(
        allergies=["Ketamine (anaphylaxis)", "Strawberries"]
    )
    migration.code_allergies(apps, None)
    patient.refresh_from_db()
    assert patient.allergies == [
        {"allergen": "ketamine", "reaction": "anaphylaxis", "severity": "unknown", "text": ""},
        {"allergen": "other", "reaction": "", "severity": "unknown", "text": "Strawberries"},
    ]
    migration.describe_allergies(apps, None)
    patient.refresh_from_db()
    assert patient.allergies == ["Ketamine (anaphylaxis)", "Strawberries"]


def test_screening_reads_a_ketamine_allergy_from_the_record(
    actor_for: Callable[..., Any], users: Any, patient: Any
) -> None:
    physician = actor_for(users["physician"])
    assert screening.run_screening(physician, patient.pk, {"pregnant": False}).outcome == (
        "eligible"
    )
    services.update_patient(physician, patient.pk, {"allergies": ["Ketamine (anaphylaxis)"]})
    found = screening.run_screening(physician, patient.pk, {"pregnant": False})
    assert found.outcome == "not_eligible"
    assert "allergy: Ketamine (anaphylaxis)" in str(found.result["reasons"])


def test_the_patient_page_shows_the_banner(
    web_as: Callable[[Any], Any], users: Any, actor_for: Callable[..., Any], patient: Any
) -> None:
    services.update_patient(
        actor_for(users["physician"]), patient.pk, {"allergies": ["Ketamine (anaphylaxis)"]}
    )
    page = web_as(users["nurse"]).get(f"/patients/{patient.pk}/").content.decode()
    assert 'class="patient-banner danger"' in page
    assert 'Allergies: <span class="allergy">Ketamine (anaphylaxis)</span>' in page
    assert "weight today: 70 kg" in page
    assert " years" in page
